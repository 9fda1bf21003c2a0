"""One folder per Lambda function; each app.py is a thin handler."""

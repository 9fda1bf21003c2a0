"""The HTTP API's glue: the resolver, request parsing and validation, error codes, and the JSON views."""

"""GET /invoices/{invoice_id}: one invoice with its line items, newest payments and the start of its activity."""

from shared.http.views import invoice_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.services.queries import get_invoice

app = make_app()


@app.get("/invoices/<invoice_id>")
def get_one(invoice_id: str):
    invoice, payments, activity = get_invoice(client_id_of(app), invoice_id)
    return invoice_view(invoice, payments, activity=activity)


handler = lambda_entry(app)

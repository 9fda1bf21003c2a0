"""GET /invoices/{invoice_id}: one invoice with its line items, newest payments and the start of its activity."""

from shared.services.queries import get_invoice
from shared.views import invoice_view
from shared.web import client_id_of, lambda_entry, make_app

app = make_app()


@app.get("/invoices/<invoice_id>")
def get_one(invoice_id: str):
    invoice, payments, activity = get_invoice(client_id_of(app), invoice_id)
    return invoice_view(invoice, payments, activity=activity)


handler = lambda_entry(app)

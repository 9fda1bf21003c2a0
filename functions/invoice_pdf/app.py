"""GET /invoices/{invoice_id}/pdf: the client's own invoice as a PDF (another client's is 404)."""

from shared.documents.pdf_documents import invoice_pdf
from shared.domain import merchant
from shared.http.views import invoice_view
from shared.http.web import client_id_of, lambda_entry, make_app, pdf_response
from shared.services.queries import get_invoice

app = make_app()


@app.get("/invoices/<invoice_id>/pdf")
def get_pdf(invoice_id: str):
    invoice, payments, activity = get_invoice(client_id_of(app), invoice_id)
    view = invoice_view(invoice, payments, activity=activity)
    return pdf_response(invoice_pdf(view, merchant.from_environment()), f"invoice-{view['number']}.pdf")


handler = lambda_entry(app)

"""GET /payments/{payment_id}/receipt.pdf: the receipt of the client's own payment that went through, as a PDF
(another client's is 404; one that has not gone through is 409 receipt_not_available)."""

from shared.documents.pdf_documents import receipt_pdf
from shared.domain import merchant
from shared.http.errors import Conflict
from shared.http.views import invoice_view, payment_view
from shared.http.web import client_id_of, lambda_entry, make_app, pdf_response
from shared.services.queries import get_invoice, get_payment

app = make_app()


@app.get("/payments/<payment_id>/receipt.pdf")
def get_pdf(payment_id: str):
    client_id = client_id_of(app)
    payment = payment_view(get_payment(client_id, payment_id))
    if not payment["receipt_reference"]:
        raise Conflict("This payment has not gone through, so there is no receipt yet.", code="receipt_not_available")
    view = None
    if len(payment["allocations"]) == 1:  # one invoice: with its lines and what is still owed; several: each's share
        invoice, payments, activity = get_invoice(client_id, payment["invoice_id"])
        view = invoice_view(invoice, payments, activity=activity)
    return pdf_response(
        receipt_pdf(payment, view, merchant.from_environment()), f"receipt-{payment['receipt_reference']}.pdf"
    )


handler = lambda_entry(app)

"""POST /admin/clients/{client_id}/invoices/{invoice_id}/payment-plan: split an invoice's balance into installments
(admin group): amounts in cents adding up to the balance, dates ascending, the first on or after today. The same
Idempotency-Key and body answer the invoice again."""

from shared.domain import clock
from shared.http.payment_requests import check_idempotency_key
from shared.http.views import invoice_view
from shared.http.web import header, json_body, json_response, lambda_entry, logger, make_app, require_admin
from shared.services.plans import set_payment_plan

app = make_app()


@app.post("/admin/clients/<client_id>/invoices/<invoice_id>/payment-plan")
def payment_plan(client_id: str, invoice_id: str):
    admin = require_admin(app)
    key = check_idempotency_key(header(app, "Idempotency-Key"))
    planned = set_payment_plan(client_id, invoice_id, json_body(app), key, clock.today())
    if not planned.replayed:
        logger.info("payment plan set by admin", extra={"admin": admin, "invoice_id": invoice_id})
    body = invoice_view(planned.invoice, planned.payments, activity=(planned.activity, None)) | {"client_id": client_id}
    return json_response(201, body, {"Idempotent-Replayed": "true" if planned.replayed else "false"})


handler = lambda_entry(app)

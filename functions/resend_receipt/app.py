"""POST /payments/{payment_id}/receipt: send the payment's receipt again to the billing email (rate-limited)."""

from shared import clock
from shared.notify import enqueue_job
from shared.services.receipt_resends import resend_receipt
from shared.views import resend_view
from shared.web import client_id_of, json_response, lambda_entry, make_app

app = make_app()


@app.post("/payments/<payment_id>/receipt")
def resend(payment_id: str):
    queued = resend_receipt(client_id_of(app), payment_id, clock.now(), enqueue_job)
    return json_response(202, resend_view(queued.payment, queued.sent_to))


handler = lambda_entry(app)

"""POST /payments/{payment_id}/receipt: send the payment's receipt again to the billing email (rate-limited)."""

from shared.aws.notify import enqueue_job
from shared.domain import clock
from shared.http.views import resend_view
from shared.http.web import client_id_of, json_response, lambda_entry, make_app
from shared.services.receipt_resends import resend_receipt

app = make_app()


@app.post("/payments/<payment_id>/receipt")
def resend(payment_id: str):
    queued = resend_receipt(client_id_of(app), payment_id, clock.now(), enqueue_job)
    return json_response(202, resend_view(queued.payment, queued.sent_to))


handler = lambda_entry(app)

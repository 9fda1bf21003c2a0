"""GET /payments/{payment_id}: one payment, so the client can always see whether it went through (a payment
waiting more than a minute is checked with its processor: see shared/services/payment_checks.py)."""

from shared.aws.notify import enqueue_job
from shared.domain import clock
from shared.http.views import payment_view
from shared.http.web import client_id_of, lambda_entry, make_app
from shared.processors.factory import ach_processor, card_processor
from shared.services.payment_checks import current_payment

app = make_app()


@app.get("/payments/<payment_id>")
def get_one(payment_id: str):
    return payment_view(
        current_payment(
            client_id_of(app), payment_id, clock.now(), cards=card_processor, ach=ach_processor, enqueue=enqueue_job
        )
    )


handler = lambda_entry(app)

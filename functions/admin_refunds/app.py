"""POST /admin/payments/{payment_id}/refunds: the merchant refunds a payment fully or partly
(Cognito admin group; Idempotency-Key required)."""

from functools import cache

from shared.aws.notify import enqueue_job
from shared.http.payment_requests import check_idempotency_key
from shared.http.web import header, json_body, json_response, lambda_entry, logger, make_app, require_admin
from shared.processors.factory import ach_processor, card_processor
from shared.processors.refunds import AchRefunds, StripeRefunds
from shared.services.refunds import start_refund

app = make_app()


@cache
def _stripe_refunds() -> StripeRefunds:
    return StripeRefunds(card_processor())


def _processor_for(payment):
    return _stripe_refunds() if payment.processor == "stripe" else AchRefunds(ach_processor())


@app.post("/admin/payments/<payment_id>/refunds")
def refund(payment_id: str):
    admin = require_admin(app)
    key = check_idempotency_key(header(app, "Idempotency-Key"))
    result = start_refund(payment_id, key, json_body(app), _processor_for, enqueue_job)
    logger.info("refund requested by admin", extra={"admin": admin, "refund_id": result.refund_id})
    return json_response(
        201,
        {
            "refund_id": result.refund_id,
            "payment_id": result.payment_id,
            "amount": result.amount,
            "currency": result.currency,
            "reason": result.reason,
            "correction": result.correction,
            "status": result.status,
            "created_at": result.created_at,
        },
    )


handler = lambda_entry(app)

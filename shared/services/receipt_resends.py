"""A client asks for a payment's receipt again: queued for the notice worker (which sends it once, through the
email ledger) to the billing email on file, at most once per RESEND_INTERVAL per payment. The interval is a
conditional write on the payment, so two clicks at the same moment queue one email."""

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import UpdateError

from shared.aws.models import Client, Payment
from shared.emails.jobs import Enqueue
from shared.emails.receipts import RECEIPTED, RESEND_INTERVAL
from shared.http.errors import Conflict, TooManyRequests, payment_not_found


@dataclass(frozen=True)
class ResendQueued:
    payment: Payment
    sent_to: str


def resend_receipt(client_id: str, payment_id: str, now: datetime, enqueue: Enqueue) -> ResendQueued:
    try:
        payment = Payment.get(client_id, payment_id, consistent_read=True)
    except Payment.DoesNotExist:
        raise payment_not_found() from None
    if payment.status not in RECEIPTED:
        raise Conflict(
            "There is no receipt for this payment yet: a receipt is sent once the payment has gone through.",
            code="receipt_not_available",
        )
    at, interval = int(now.timestamp()), int(RESEND_INTERVAL.total_seconds())
    try:
        payment.update(
            actions=[Payment.receipt_resent_at.set(at)],
            condition=Payment.receipt_resent_at.does_not_exist() | (Payment.receipt_resent_at <= at - interval),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        payment.refresh(consistent_read=True)
        wait = max(1, (payment.receipt_resent_at or at) + interval - at)
        raise TooManyRequests(
            f"This receipt was sent again a moment ago. You can ask again in {-(-wait // 60)} minute(s).",
            code="receipt_recently_sent",
            details={"retry_after_seconds": wait},
            headers={"Retry-After": str(wait)},
        ) from None
    try:
        enqueue({"kind": "receipt_resend", "client_id": client_id, "payment_id": payment_id, "resend_at": at})
    except Exception:
        # Nothing was queued: give the client its next try back rather than a 429 for an email never sent.
        payment.update(
            actions=[Payment.receipt_resent_at.remove()],
            condition=Payment.receipt_resent_at == at,
            add_version_condition=False,
        )
        raise
    return ResendQueued(payment, Client.get(client_id).billing_email)

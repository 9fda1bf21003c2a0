""" "Did it go through?": reading a payment that has waited for its processor's word longer than STALE_AFTER
asks the processor (at most once per CHECK_INTERVAL per payment, claimed with a conditional write, so a portal
polling from three tabs costs one processor call) and applies the answer through the webhook's code path
(reconciliation's, which is apply_update's). So the answer is true even when a webhook was lost."""

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from shared.aws.models import Payment
from shared.domain.payment_states import PENDING, PROCESSING
from shared.emails.jobs import Enqueue
from shared.http.errors import ProcessorRefused, ProcessorUnavailable, SecretNotConfigured, payment_not_found
from shared.processors.ach import AchProcessor
from shared.processors.card import CardProcessor

# Reconciliation is imported where a stale payment needs it: most reads never ask, and it brings every payment
# service (0.09x of the cold-start floor: docs/benchmarks.md; at a SnapStart init shared/coldstart/__init__.py loads it).

log = Logger(child=True)
STALE_AFTER = timedelta(minutes=1)
CHECK_INTERVAL = timedelta(seconds=30)


def current_payment(
    client_id: str,
    payment_id: str,
    now: datetime,
    *,
    cards: Callable[[], CardProcessor],
    ach: Callable[[], AchProcessor],
    enqueue: Enqueue,
) -> Payment:
    try:
        payment = Payment.get(client_id, payment_id)
    except Payment.DoesNotExist:
        raise payment_not_found() from None
    if payment.status not in (PENDING, PROCESSING) or not _waited(payment, now) or not _claim_check(payment, now):
        return payment
    from shared.services.reconciliation import Report, reconcile_one

    try:
        reconcile_one(payment, now, cards, ach, enqueue, Report())
    except (ProcessorUnavailable, SecretNotConfigured):
        # The reader still gets the stored answer; the next read after CHECK_INTERVAL (or the hourly job) asks again.
        log.warning("processor not reachable while checking a payment", extra={"payment_id": payment_id})
        return payment
    except ProcessorRefused:  # e.g. an intent Stripe no longer knows: a read still answers; reconciliation reports it
        log.error("processor refused to say how a payment went", extra={"payment_id": payment_id})
        return payment
    payment.refresh(consistent_read=True)
    return payment


def _waited(payment: Payment, now: datetime) -> bool:
    return now - datetime.fromisoformat(payment.created_at.replace("Z", "+00:00")) > STALE_AFTER


def _claim_check(payment: Payment, now: datetime) -> bool:
    at = int(now.timestamp())
    try:
        payment.update(
            actions=[Payment.status_checked_at.set(at)],
            condition=Payment.status.is_in(PENDING, PROCESSING)
            & (
                Payment.status_checked_at.does_not_exist()
                | (Payment.status_checked_at <= at - int(CHECK_INTERVAL.total_seconds()))
            ),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False  # checked a moment ago (or settled meanwhile): the stored answer is as fresh as it gets
    return True

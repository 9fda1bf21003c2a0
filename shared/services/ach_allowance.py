"""Whether the ACH processor will take a client's bank transfer now (the rules: shared/domain/ach_limits.py): its customer
not suspended or deactivated, and the amount within the week's limit. Called before a payment is recorded."""

from datetime import datetime

from shared.aws.models import Client, Payment
from shared.domain import clock
from shared.domain.ach_limits import COUNTED_STATUSES, check_sender_allowed, check_weekly_limit, week_of
from shared.emails.jobs import Enqueue
from shared.processors.ach import AchProcessor
from shared.services.ach_customers import refresh_customer


def sent_this_week(client_id: str, now: datetime) -> int:
    """Cents of the client's ACH debits created this Dwolla week whose transfer is pending or processed: one Query
    of the client's payments by date (the by-created index), from Monday 00:00 UTC on."""
    start, _ = week_of(now)
    debits = Payment.by_created.query(
        client_id,
        Payment.created_key >= clock.iso(start),
        consistent_read=True,
        filter_condition=(Payment.method == "ach") & Payment.status.is_in(*COUNTED_STATUSES),
        attributes_to_get=["amount"],
    )
    return sum(int(p.amount) for p in debits)


def check_ach_allowed(client_id: str, amount: int, ach: AchProcessor, enqueue: Enqueue) -> None:
    """422 (bank_payments_suspended, bank_payments_deactivated, ach_weekly_limit) when the processor would refuse
    this debit; nothing is written for the payment either way. A client kept as restricted is read again from the
    processor first (its reactivation event may have been lost): only a restriction still in force refuses."""
    try:
        client = Client.get(client_id)
    except Client.DoesNotExist:  # no processor customer either: nothing restricted yet
        client = None
    if client is not None and client.ach_status and client.ach_customer_id:
        refresh_customer(client, ach, None, "payment_check", enqueue)
        client.refresh(consistent_read=True)
    check_sender_allowed(client.ach_status if client else None)
    now = clock.now()
    check_weekly_limit(amount, sent_this_week(client_id, now), now)

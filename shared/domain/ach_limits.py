"""What the ACH processor lets a client send, decided before any payment is recorded or any transfer asked for.
Pure: the caller counts the week's debits (shared/services/ach_allowance.py).

- Dwolla's unverified customers (the type this backend creates for every client) send at most $5,000 per week,
  "Monday to Sunday UTC time" (Dwolla, "Customer Types"). Beyond it Dwolla refuses the transfer ("Invalid amount
  ... greater than your transaction limit", "Initiate a transfer"), after the client was told it is processing;
  so the limit is checked here first.
- A suspended or deactivated customer can send nothing ("Sender restricted.", "Initiate a transfer").
"""

from datetime import UTC, datetime, timedelta

from shared.domain.money import format_amount
from shared.http.errors import Unprocessable

WEEKLY_LIMIT = 500_000  # cents: Dwolla's default send limit of an unverified customer
# The payment statuses whose transfer Dwolla counts: pending (our `processing`) or processed (succeeded, and
# what a refund or dispute came after). A failed or cancelled transfer sent nothing.
COUNTED_STATUSES = ("processing", "succeeded", "partially_refunded", "refunded", "disputed")
SUSPENDED, DEACTIVATED = "suspended", "deactivated"


def week_of(moment: datetime) -> tuple[datetime, datetime]:
    """The Dwolla week holding `moment`: from Monday 00:00 UTC to the next Monday 00:00 UTC (excluded)."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def check_weekly_limit(amount: int, sent_this_week: int, now: datetime) -> None:
    """422 ach_weekly_limit when `amount` would take this week's debits past the limit, with what is still
    available (cents) and the day the limit starts again."""
    available = max(0, WEEKLY_LIMIT - sent_this_week)
    if amount <= available:
        return
    resets = week_of(now)[1]
    limit, left = format_amount(WEEKLY_LIMIT, "usd"), format_amount(available, "usd")
    when = f"{resets:%A, %B} {resets.day}"
    can = (
        f"You can still pay up to {left} by bank transfer this week, or pay this amount by card."
        if available
        else "Pay by card, or pay by bank transfer after the limit resets."
    )
    raise Unprocessable(
        f"Bank transfers from your account are limited to {limit} a week (Monday to Sunday, UTC) and "
        f"this payment would go over it. {can} The limit resets on {when}.",
        code="ach_weekly_limit",
        details={"available": available, "limit": WEEKLY_LIMIT, "resets_on": resets.date().isoformat()},
    )


def check_sender_allowed(status: str | None) -> None:
    """422 when the processor has suspended or deactivated the client's customer: no bank transfer can start."""
    if status == SUSPENDED:
        raise Unprocessable(
            "Bank transfers from your account are on hold with our payment processor, usually after "
            "a bank returned a payment. Pay by card for now, and contact us to lift the hold.",
            code="bank_payments_suspended",
        )
    if status == DEACTIVATED:
        raise Unprocessable(
            "Bank transfers from your account were turned off by our payment processor after a bank "
            "returned a payment as not authorized. Pay by card, or contact us to turn them back on.",
            code="bank_payments_deactivated",
        )

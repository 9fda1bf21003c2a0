"""Due-date rules: reminder days, overdue, late fees, extension requests. Pure: no storage, no clock.

Due dates are calendar dates in the merchant's time zone (the caller passes "today" there).
"""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.http import request_schemas
from shared.http.errors import Conflict, Unprocessable
from shared.http.validation import json_object, text_field

MAX_EXTENSION = timedelta(days=90)
MAX_REASON = 1000  # bytes
MAX_GRACE_DAYS = 30  # the daily job looks this far back for fees it has not charged yet
# The merchant's own invoices take at most a 25% fee (a flat one at most the invoice's total); what was stored
# before that rule, and the configured default, are still read, and every fee charged is capped by
# max_late_fee_cents().
MAX_BASIS_POINTS = 2500
DEFAULT_MAX_LATE_FEE_CENTS = 10_000  # $100.00: the template's MaxLateFeeCents default
REMINDER_HORIZON = 30  # clients choose reminder days from 1 to 30


@dataclass(frozen=True)
class FeePolicy:
    kind: str  # none | flat | percent
    amount: int = 0  # flat fee, cents
    basis_points: int = 0  # percent fee: 150 = 1.5% of the unpaid balance
    grace_days: int = 0

    def describe(self, currency_format: Callable[[int], str]) -> str:
        if self.kind == "flat":  # the fee charged: a stored flat fee above the deployment's cap is charged the cap
            return f"Late fee ({currency_format(min(self.amount, max_late_fee_cents()))})"
        # A share of the balance, but never above the deployment's cap: the description says both.
        return (
            f"Late fee ({self.basis_points // 100}.{self.basis_points % 100:02d}% of the unpaid balance, "
            f"at most {currency_format(max_late_fee_cents())})"
        )


NO_FEE = FeePolicy("none")


def parse_policy(raw: dict[str, Any] | None) -> FeePolicy:
    """A policy from its stored or configured form; anything malformed is refused, never guessed."""
    if not raw:
        return NO_FEE
    kind = raw.get("kind")
    grace = int(raw.get("grace_days", 0))
    if kind not in ("none", "flat", "percent") or not 0 <= grace <= MAX_GRACE_DAYS:
        raise ValueError(f"bad late-fee policy: {raw}")
    policy = FeePolicy(kind, int(raw.get("amount", 0)), int(raw.get("basis_points", 0)), grace)
    if (kind == "flat" and policy.amount <= 0) or (kind == "percent" and not 0 < policy.basis_points <= 10000):
        raise ValueError(f"bad late-fee policy: {raw}")
    return policy


def merchant_default_policy() -> FeePolicy:
    """DEFAULT_LATE_FEE_POLICY: JSON like {"kind": "percent", "basis_points": 150, "grace_days": 5}."""
    return parse_policy(json.loads(os.environ.get("DEFAULT_LATE_FEE_POLICY") or "null"))


def max_late_fee_cents() -> int:
    """MAX_LATE_FEE_CENTS (the template's MaxLateFeeCents): no late fee is ever more, whatever its policy says. A
    value that is not a whole number of cents from 0 up is refused, never guessed."""
    raw = os.environ.get("MAX_LATE_FEE_CENTS", "")
    if not raw:
        return DEFAULT_MAX_LATE_FEE_CENTS
    if not raw.isdigit():
        raise ValueError(f"MAX_LATE_FEE_CENTS must be whole cents, not {raw!r}")
    return int(raw)


def late_fee(policy: FeePolicy, unpaid: int, cap: int | None = None) -> int:
    """The fee in cents, never more than `cap` (default: max_late_fee_cents(), the deployment's setting); a
    percentage is of the unpaid balance only, rounded half up with integers."""
    if policy.kind == "flat":
        fee = policy.amount
    elif policy.kind == "percent":
        fee = (unpaid * policy.basis_points + 5000) // 10000
    else:
        return 0
    return min(fee, max_late_fee_cents() if cap is None else cap)


def fee_due(policy: FeePolicy, due: date, today: date) -> bool:
    """A fee is charged once the grace period after the due date has passed."""
    return policy.kind != "none" and today > due + timedelta(days=policy.grace_days)


def reminder_due(due: date, today: date, days_before: list[int]) -> int | None:
    """The reminder day that falls today (days before the due date), if any."""
    days = (due - today).days
    return days if days in days_before else None


def parse_extension_request(body: object, current_due: date, today: date) -> tuple[date, str]:
    body = json_object(body, request_schemas.EXTENSION)
    raw, reason = body.get("requested_due_date"), body.get("reason")
    try:
        requested = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        requested = None
    if requested is None:
        raise Unprocessable("requested_due_date must be a date like 2026-12-31.", code="invalid_date")
    if requested <= current_due or requested <= today:
        raise Unprocessable(
            f"The new due date must be after the current one ({current_due.isoformat()}).",
            code="date_not_after_due_date",
        )
    if requested > current_due + MAX_EXTENSION:
        raise Unprocessable(
            f"An extension can be at most 90 days, so no later than {(current_due + MAX_EXTENSION).isoformat()}.",
            code="date_too_far",
        )
    return requested, text_field(reason, "reason", "invalid_reason", MAX_REASON, what=": say why you need more time")


def check_approvable(requested: date, today: date) -> None:
    """An extension to a date that has passed is not approved: the invoice would be overdue again at once and the
    next due-date run would charge a second late fee for it (the first was for the date it replaced). The merchant
    declines it instead, and the client can ask for a new date. Refused rather than moved to a date relative to
    today, which would give the client a date nobody asked for or agreed to."""
    if requested < today:
        raise Conflict(
            f"The requested due date ({requested.isoformat()}) has already passed, so approving it would "
            "make the invoice overdue again at once. Decline it; the client can ask for a new date.",
            code="extension_request_expired",
        )


def check_extendable(status: str, has_open_request: bool, on_plan: bool = False) -> None:
    if status == "paid":
        raise Conflict("This invoice is already paid.", code="invoice_paid")
    if status == "void":
        raise Conflict("This invoice was voided.", code="invoice_void")
    if has_open_request:
        raise Conflict(
            "There is already an extension request waiting for an answer on this invoice.",
            code="extension_request_pending",
        )
    if on_plan:
        raise Conflict(
            "This invoice is paid in installments: contact us to change their dates.", code="payment_plan_active"
        )


def parse_extension_decision(raw: bytes, parse: Callable[[bytes], object]) -> str | None:
    """The merchant's optional note with an approval or a decline (an empty body: no note). `parse`: the JSON
    parser of shared.http.validation (400 invalid_json)."""
    if not raw.strip():
        return None
    body = json_object(parse(raw), request_schemas.EXTENSION_DECISION)
    note = body.get("note")
    return None if note is None else text_field(note, "note", "invalid_note", MAX_REASON, what=" (or left out)")

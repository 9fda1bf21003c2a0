"""Validation of the merchant's "create an invoice" request (POST /admin/invoices). Pure: no storage, no clock
(the caller passes today's date in the merchant's zone).

Money is integer cents only: a bool or a float is refused, never rounded. Each error names what to fix.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date

from shared.domain.due_dates import MAX_BASIS_POINTS, FeePolicy, max_late_fee_cents, parse_policy
from shared.domain.money import _MINOR_UNITS, format_amount, is_cents
from shared.http import request_schemas
from shared.http.errors import Unprocessable
from shared.http.payment_requests import card_maximum
from shared.http.validation import json_object, text_field

_LINE_FIELDS = request_schemas.fields(request_schemas.LINE_ITEM)
_POLICY_FIELDS = request_schemas.fields(request_schemas.LATE_FEE_POLICY)
MAX_NUMBER = 40  # bytes, as every free-text limit (shared.http.validation.text_field); it goes into email subjects
MAX_CLIENT_ID = 128
MAX_DESCRIPTION = 500
MAX_LINES = 100  # keeps an invoice far below DynamoDB's 400 KB item limit
MAX_QUANTITY = 1_000_000
CURRENCIES = tuple(sorted(_MINOR_UNITS))


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_amount: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass(frozen=True)
class InvoiceRequest:
    client_id: str
    number: str
    line_items: tuple[Line, ...]
    due_date: str
    issued_date: str | None  # None: today in the merchant's zone, decided when the invoice is created
    currency: str
    allow_partial: bool
    minimum_payment: int
    late_fee_policy: dict | None  # {"kind", "amount", "basis_points", "grace_days"}; None: merchant default

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.line_items)

    def fingerprint(self) -> str:
        """Same Idempotency-Key + same fingerprint = the same invoice; another fingerprint = key reused.
        issued_date is hashed as sent (None when omitted), so a retry on a later day still matches."""
        canonical = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _date(raw: object, name: str) -> date:
    try:
        parsed = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Unprocessable(f"{name} must be a date like 2026-12-31.", code="invalid_date")
    return parsed


def _lines(raw: object, currency: str) -> tuple[Line, ...]:
    """Each line, with its unit amount at most what one card payment can take (so is the total, below)."""
    largest = card_maximum(currency)
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LINES:
        raise Unprocessable(f"line_items must be a list of 1 to {MAX_LINES} lines.", code="invalid_line_items")
    lines = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != _LINE_FIELDS:
            raise Unprocessable(
                f"Line {n} must have exactly description, quantity and unit_amount.", code="invalid_line_items"
            )
        description = text_field(item["description"], f"Line {n}: description", "invalid_line_items", MAX_DESCRIPTION)
        quantity, unit_amount = item["quantity"], item["unit_amount"]
        if not is_cents(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            raise Unprocessable(
                f"Line {n}: quantity must be a whole number from 1 to {MAX_QUANTITY}.", code="invalid_line_items"
            )
        if not is_cents(unit_amount) or unit_amount < 0:
            raise Unprocessable(
                f"Line {n}: unit_amount must be a whole number of cents, 0 or more (e.g. 12500 for $125.00).",
                code="invalid_amount",
            )
        if unit_amount > largest:
            raise Unprocessable(
                f"Line {n}: unit_amount can be at most {format_amount(largest, currency)}, the largest card payment.",
                code="invalid_amount",
            )
        lines.append(Line(description, quantity, unit_amount))
    return tuple(lines)


def _policy(raw: object, total: int, currency: str) -> dict | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or "kind" not in raw
        or not set(raw) <= _POLICY_FIELDS
        or not all(is_cents(raw[k]) for k in ("amount", "basis_points", "grace_days") if k in raw)
    ):
        raise Unprocessable(
            'late_fee_policy must be {"kind": "none" | "flat" | "percent", "amount": '
            f'<cents>, "basis_points": <1-{MAX_BASIS_POINTS}>, "grace_days": <0-30>}} with whole '
            "numbers.",
            code="invalid_late_fee_policy",
        )
    try:
        policy = parse_policy(raw)
    except (ValueError, TypeError):
        policy = None
    if policy is None or not isinstance(raw["kind"], str):
        raise Unprocessable(
            "late_fee_policy: kind must be none, flat (amount > 0 cents) or percent "
            f"(basis_points 1-{MAX_BASIS_POINTS}), with grace_days 0-30.",
            code="invalid_late_fee_policy",
        )
    _check_fee_size(policy, total, currency)
    # Stored as given by kind: a flat policy keeps no basis points and the other way round.
    return {
        "kind": policy.kind,
        "amount": policy.amount if policy.kind == "flat" else 0,
        "basis_points": policy.basis_points if policy.kind == "percent" else 0,
        "grace_days": policy.grace_days,
    }


def _check_fee_size(policy: FeePolicy, total: int, currency: str) -> None:
    """422 late_fee_too_high for a fee no client should be charged: a flat fee above the invoice's total or above
    the deployment's cap on any fee (MaxLateFeeCents: the due-date job would charge only the cap), a percentage
    above 25%."""
    if policy.kind == "percent" and policy.basis_points > MAX_BASIS_POINTS:
        raise Unprocessable(
            f"late_fee_policy: a percentage fee can be at most {MAX_BASIS_POINTS // 100}% "
            f"(basis_points {MAX_BASIS_POINTS}).",
            code="late_fee_too_high",
        )
    if policy.kind == "flat" and policy.amount > total:
        raise Unprocessable(
            f"late_fee_policy: a flat fee can't be more than the invoice's total ({format_amount(total, currency)}).",
            code="late_fee_too_high",
        )
    cap = max_late_fee_cents()
    if policy.kind == "flat" and policy.amount > cap:
        raise Unprocessable(
            f"late_fee_policy: a late fee can be at most {format_amount(cap, currency)} (the MaxLateFeeCents setting).",
            code="late_fee_too_high",
        )


def parse_invoice_request(body: object) -> InvoiceRequest:
    body = json_object(body, request_schemas.INVOICE)

    client_id = body.get("client_id")
    if (
        not isinstance(client_id, str)
        or not client_id.strip()
        or len(client_id) > MAX_CLIENT_ID
        or client_id != client_id.strip()
    ):
        raise Unprocessable("client_id must be the id of one of your clients.", code="invalid_field")

    number = text_field(body.get("number"), "number", "invalid_number", MAX_NUMBER, what=" (e.g. INV-1042)")
    if not number.isprintable():  # also no zero-width or other invisible characters in what clients quote
        raise Unprocessable("number must be visible characters only, e.g. INV-1042.", code="invalid_number")

    currency = body.get("currency", "usd")
    if currency not in CURRENCIES:
        raise Unprocessable(f"currency must be one of: {', '.join(CURRENCIES)} (lowercase).", code="invalid_field")

    lines = _lines(body.get("line_items"), currency)
    total = sum(line.amount for line in lines)
    if total <= 0:
        raise Unprocessable("The line items must add up to more than zero.", code="invalid_amount")
    if total > card_maximum(currency):  # "Pay Now" pays the whole balance: one card payment must be able to
        raise Unprocessable(
            f"The line items add up to more than {format_amount(card_maximum(currency), currency)}, "
            "the largest card payment: split the invoice.",
            code="invalid_amount",
        )

    due = _date(body.get("due_date"), "due_date")
    issued_raw = body.get("issued_date")
    if issued_raw is not None:
        issued = _date(issued_raw, "issued_date")
        if due < issued:
            raise Unprocessable("due_date can't be before issued_date.", code="invalid_date")

    allow_partial = body.get("allow_partial", False)
    if not isinstance(allow_partial, bool):
        raise Unprocessable("allow_partial must be true or false.", code="invalid_field")

    minimum = body.get("minimum_payment", 0)
    if not is_cents(minimum) or minimum < 0:
        raise Unprocessable("minimum_payment must be a whole number of cents, 0 or more.", code="invalid_amount")
    if minimum > total:
        raise Unprocessable("minimum_payment can't be more than the invoice's total.", code="invalid_amount")
    if minimum and not allow_partial:
        raise Unprocessable("minimum_payment only applies with allow_partial: true.", code="invalid_field")

    return InvoiceRequest(
        client_id=client_id,
        number=number,
        line_items=lines,
        due_date=due.isoformat(),
        issued_date=issued_raw,
        currency=currency,
        allow_partial=allow_partial,
        minimum_payment=minimum,
        late_fee_policy=_policy(body.get("late_fee_policy"), total, currency),
    )


def check_issued_before_due(issued_date: str, due_date: str) -> None:
    """For a defaulted issued_date (today), checked once today is known."""
    if date.fromisoformat(due_date) < date.fromisoformat(issued_date):
        raise Unprocessable(f"due_date can't be before the issue date ({issued_date}, today).", code="invalid_date")

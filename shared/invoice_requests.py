"""Validation of the merchant's "create an invoice" request (POST /admin/invoices). Pure: no storage, no clock
(the caller passes today's date in the merchant's zone).

Money is integer cents only: a bool or a float is refused, never rounded. Each error names what to fix.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date

from shared.due_dates import parse_policy
from shared.errors import Unprocessable
from shared.money import _MINOR_UNITS, is_cents
from shared import request_schemas
from shared.validation import json_object

_LINE_FIELDS = request_schemas.fields(request_schemas.LINE_ITEM)
_POLICY_FIELDS = request_schemas.fields(request_schemas.LATE_FEE_POLICY)
MAX_NUMBER = 40
MAX_CLIENT_ID = 128
MAX_DESCRIPTION = 500
MAX_LINES = 100  # keeps an invoice far below DynamoDB's 400 KB item limit
MAX_QUANTITY = 1_000_000
MAX_TOTAL = 10**12  # cents: ten billion in major units; anything larger is a typo, not an invoice
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


def _lines(raw: object) -> tuple[Line, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LINES:
        raise Unprocessable(f"line_items must be a list of 1 to {MAX_LINES} lines.", code="invalid_line_items")
    lines = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != _LINE_FIELDS:
            raise Unprocessable(f"Line {n} must have exactly description, quantity and unit_amount.",
                                code="invalid_line_items")
        description = item["description"]
        if not isinstance(description, str) or not description.strip() or len(description) > MAX_DESCRIPTION:
            raise Unprocessable(f"Line {n}: description must be 1-{MAX_DESCRIPTION} characters.",
                                code="invalid_line_items")
        quantity, unit_amount = item["quantity"], item["unit_amount"]
        if not is_cents(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            raise Unprocessable(f"Line {n}: quantity must be a whole number from 1 to {MAX_QUANTITY}.",
                                code="invalid_line_items")
        if not is_cents(unit_amount) or not 0 <= unit_amount <= MAX_TOTAL:
            raise Unprocessable(f"Line {n}: unit_amount must be a whole number of cents, 0 or more "
                                "(e.g. 12500 for $125.00).", code="invalid_amount")
        lines.append(Line(description.strip(), quantity, unit_amount))
    return tuple(lines)


def _policy(raw: object) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "kind" not in raw or not set(raw) <= _POLICY_FIELDS \
            or not all(is_cents(raw[k]) for k in ("amount", "basis_points", "grace_days") if k in raw):
        raise Unprocessable("late_fee_policy must be {\"kind\": \"none\" | \"flat\" | \"percent\", \"amount\": "
                            "<cents>, \"basis_points\": <1-10000>, \"grace_days\": <0-30>} with whole numbers.",
                            code="invalid_late_fee_policy")
    try:
        policy = parse_policy(raw)
    except (ValueError, TypeError):
        policy = None
    if policy is None or not isinstance(raw["kind"], str):
        raise Unprocessable("late_fee_policy: kind must be none, flat (amount > 0 cents) or percent "
                            "(basis_points 1-10000), with grace_days 0-30.", code="invalid_late_fee_policy")
    # Stored as given by kind: a flat policy keeps no basis points and the other way round.
    return {"kind": policy.kind, "amount": policy.amount if policy.kind == "flat" else 0,
            "basis_points": policy.basis_points if policy.kind == "percent" else 0,
            "grace_days": policy.grace_days}


def parse_invoice_request(body: object) -> InvoiceRequest:
    body = json_object(body, request_schemas.INVOICE)

    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > MAX_CLIENT_ID \
            or client_id != client_id.strip():
        raise Unprocessable("client_id must be the id of one of your clients.", code="invalid_field")

    number = body.get("number")
    if not isinstance(number, str) or not number.strip() or len(number.strip()) > MAX_NUMBER \
            or not number.isprintable():
        raise Unprocessable(f"number must be 1-{MAX_NUMBER} characters, e.g. INV-1042.", code="invalid_number")

    lines = _lines(body.get("line_items"))
    total = sum(line.amount for line in lines)
    if total <= 0:
        raise Unprocessable("The line items must add up to more than zero.", code="invalid_amount")
    if total > MAX_TOTAL:
        raise Unprocessable("The line items add up to more than an invoice can hold.", code="invalid_amount")

    due = _date(body.get("due_date"), "due_date")
    issued_raw = body.get("issued_date")
    if issued_raw is not None:
        issued = _date(issued_raw, "issued_date")
        if due < issued:
            raise Unprocessable("due_date can't be before issued_date.", code="invalid_date")

    currency = body.get("currency", "usd")
    if currency not in CURRENCIES:
        raise Unprocessable(f"currency must be one of: {', '.join(CURRENCIES)} (lowercase).", code="invalid_field")

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

    return InvoiceRequest(client_id=client_id, number=number.strip(), line_items=lines, due_date=due.isoformat(),
                          issued_date=issued_raw, currency=currency, allow_partial=allow_partial,
                          minimum_payment=minimum, late_fee_policy=_policy(body.get("late_fee_policy")))


def check_issued_before_due(issued_date: str, due_date: str) -> None:
    """For a defaulted issued_date (today), checked once today is known."""
    if date.fromisoformat(due_date) < date.fromisoformat(issued_date):
        raise Unprocessable(f"due_date can't be before the issue date ({issued_date}, today).", code="invalid_date")

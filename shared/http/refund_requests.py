"""Validation of a merchant's refund request. Pure."""

import hashlib
import json

from shared.domain.ids import derived_id
from shared.domain.money import is_cents
from shared.http import request_schemas
from shared.http.errors import Unprocessable
from shared.http.validation import json_object, text_field

MAX_REASON = 500  # bytes


def parse_refund(body: object) -> tuple[int, str, bool]:
    """(amount, reason, correction). `correction`: the refund corrects an overcharge, so the invoice's total
    comes down with its amount_paid and the invoice stays paid; otherwise the money is owed again."""
    body = json_object(body, request_schemas.REFUND)
    amount, reason, correction = body.get("amount"), body.get("reason"), body.get("correction", False)
    if not is_cents(amount) or amount <= 0:
        raise Unprocessable("amount must be a whole, positive number of cents.", code="invalid_amount")
    reason = text_field(reason, "reason", "invalid_reason", MAX_REASON, what=": say why")
    if not isinstance(correction, bool):
        raise Unprocessable("correction must be true or false.", code="invalid_field")
    return amount, reason, correction


def refund_fingerprint(payment_id: str, amount: int | str, reason: str, correction: bool) -> str:
    canonical = json.dumps(
        {"payment_id": payment_id, "amount": amount, "reason": reason, "correction": correction}, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def refund_id_for(payment_id: str, idempotency_key: str) -> str:
    return derived_id("re", payment_id, idempotency_key)

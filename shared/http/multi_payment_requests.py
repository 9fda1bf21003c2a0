"""Validation of a request to pay several invoices at once (POST /payments and its quote). Pure: no storage, no
processor. What the invoices themselves allow (unpaid, one currency) is checked on the records:
shared/services/multi_payments.py."""

import hashlib
import json
from dataclasses import asdict, dataclass

from shared.domain.ach_authorization import accepted_text, check_current
from shared.domain.money import is_cents
from shared.http import request_schemas
from shared.http.errors import Unprocessable
from shared.http.payment_requests import SUPPORTED_METHODS
from shared.http.request_schemas import MAX_INVOICES
from shared.http.validation import is_id, json_object


@dataclass(frozen=True)
class PaymentsRequest:
    invoice_ids: tuple[str, ...]  # as sent
    method: str
    payment_method_id: str | None = None  # a saved card or bank account
    stripe_payment_method: str | None = None  # a new card Stripe.js collected ("pm_...")
    save_payment_method: bool = False
    card_fee: int = 0  # the card fee the client was shown and accepted, in cents
    ach_authorization: str | None = None

    def fingerprint(self) -> str:
        """Same key + same fingerprint = the same payment; same key + another fingerprint = key reused."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def parse_quote(body: object) -> PaymentsRequest:
    body = json_object(body, request_schemas.PAYMENT_QUOTE)
    return _parse(body)


def parse_payments(body: object, ach_authorization_text: str) -> PaymentsRequest:
    """`ach_authorization_text`: the merchant's current debit authorization, which an ACH request must have accepted
    word for word."""
    body = json_object(body, request_schemas.PAYMENTS)
    request = _parse(body)
    save = body.get("save_payment_method", False)
    if not isinstance(save, bool):
        raise Unprocessable("save_payment_method must be true or false.", code="invalid_field")
    if save and request.method != "card":
        raise Unprocessable(
            "save_payment_method is for cards; bank accounts are saved when linked.", code="invalid_field"
        )
    fee = body.get("card_fee", 0)
    if not is_cents(fee) or fee < 0:
        raise Unprocessable(
            "card_fee must be the card fee you were shown, a whole number of cents (0 for none).", code="invalid_field"
        )
    authorization = None
    if request.method == "ach":
        authorization = accepted_text(body.get("ach_authorization"))
        check_current(authorization, ach_authorization_text)
        if fee:
            raise Unprocessable(
                "Bank transfers never carry a card fee: send card_fee 0 or leave it out.", code="invalid_field"
            )
    elif "ach_authorization" in body:
        raise Unprocessable("ach_authorization is for bank transfers only.", code="invalid_field")
    return PaymentsRequest(
        request.invoice_ids,
        request.method,
        request.payment_method_id,
        request.stripe_payment_method,
        save,
        fee,
        authorization,
    )


def _parse(body: dict) -> PaymentsRequest:
    method = body.get("method")
    if method not in SUPPORTED_METHODS:
        raise Unprocessable(f"method must be one of: {', '.join(SUPPORTED_METHODS)}.", code="unsupported_method")
    ids = body.get("invoice_ids")
    if not isinstance(ids, list) or not ids or not all(is_id(i) for i in ids):
        raise Unprocessable(f"invoice_ids must be a list of 1 to {MAX_INVOICES} invoice ids.", code="invalid_field")
    if len(set(ids)) != len(ids):
        raise Unprocessable("An invoice is listed twice: list each invoice once.", code="duplicate_invoices")
    if len(ids) > MAX_INVOICES:
        raise Unprocessable(
            f"Pay at most {MAX_INVOICES} invoices at once; pay the rest in another payment.", code="too_many_invoices"
        )
    saved, new_card = body.get("payment_method_id"), body.get("stripe_payment_method")
    if saved is not None and not is_id(saved):
        raise Unprocessable("payment_method_id must be the id of a saved payment method.", code="invalid_field")
    if new_card is not None and not (
        isinstance(new_card, str)
        and new_card.startswith("pm_")
        and is_id(new_card)
        and new_card.isascii()
        and new_card.replace("_", "").isalnum()
    ):
        raise Unprocessable(
            "stripe_payment_method must be the id of a card Stripe.js collected (pm_...).", code="invalid_field"
        )
    if saved is not None and new_card is not None:
        raise Unprocessable(
            "Send either payment_method_id (a saved method) or stripe_payment_method (a new card), not both.",
            code="invalid_field",
        )
    if method == "ach" and new_card is not None:
        raise Unprocessable(
            "stripe_payment_method is a card; a bank transfer needs payment_method_id.", code="invalid_field"
        )
    if method == "ach" and saved is None:
        raise Unprocessable("Choose the bank account to pay from (payment_method_id).", code="payment_method_required")
    return PaymentsRequest(tuple(ids), method, saved, new_card)

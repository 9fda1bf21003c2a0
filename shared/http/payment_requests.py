"""Validation of a client's request to pay an invoice, and the amount rules. Pure: no storage, no processor."""

import hashlib
import json
import os
from dataclasses import asdict, dataclass

from shared.domain.ach_authorization import accepted_text, check_current
from shared.domain.invoices import PAID, PROCESSING, VOID
from shared.domain.money import format_amount, is_cents
from shared.http import request_schemas
from shared.http.errors import BadRequest, Conflict, Unprocessable
from shared.http.validation import is_id, json_object

SUPPORTED_METHODS = ("card", "ach")
MAX_IDEMPOTENCY_KEY = 255


@dataclass(frozen=True)
class PaymentRequest:
    method: str
    amount: int | None  # None: pay the whole balance
    payment_method_id: str | None
    save_payment_method: bool
    ach_authorization: str | None = None  # ach: the debit authorization text the client accepted

    def fingerprint(self, invoice_id: str) -> str:
        """Same key + same fingerprint = the same payment; same key + other fingerprint = key reused."""
        fields = asdict(self)
        if fields["ach_authorization"] is None:
            del fields["ach_authorization"]  # card fingerprints stay what they were before the field existed
        canonical = json.dumps({"invoice_id": invoice_id, **fields}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise BadRequest(
            "Send an Idempotency-Key header (a unique value per payment attempt) so a retry can never charge twice.",
            code="idempotency_key_required",
        )
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable() or not key.isascii():
        raise BadRequest(
            f"The Idempotency-Key header must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters.",
            code="invalid_idempotency_key",
        )
    return key


def parse_payment_request(body: object, ach_authorization_text: str) -> PaymentRequest:
    """`ach_authorization_text`: the merchant's current debit authorization, which an ACH request must have
    accepted word for word."""
    body = json_object(body, request_schemas.PAYMENT)
    method = body.get("method")
    if method not in SUPPORTED_METHODS:
        raise Unprocessable(f"method must be one of: {', '.join(SUPPORTED_METHODS)}.", code="unsupported_method")

    amount = body.get("amount")
    if amount is not None and (not is_cents(amount) or amount <= 0):
        raise Unprocessable(
            "amount must be a whole, positive number of cents (e.g. 5000 for $50.00).", code="invalid_amount"
        )

    payment_method_id = body.get("payment_method_id")
    if payment_method_id is not None and not is_id(payment_method_id):
        raise Unprocessable("payment_method_id must be the id of a saved payment method.", code="invalid_field")

    save = body.get("save_payment_method", False)
    if not isinstance(save, bool):
        raise Unprocessable("save_payment_method must be true or false.", code="invalid_field")
    authorization = None
    if method == "ach":
        authorization = accepted_text(body.get("ach_authorization"))
        check_current(authorization, ach_authorization_text)
    elif "ach_authorization" in body:
        raise Unprocessable("ach_authorization is for bank transfers only.", code="invalid_field")
    return PaymentRequest(
        method=method,
        amount=amount,
        payment_method_id=payment_method_id,
        save_payment_method=save,
        ach_authorization=authorization,
    )


# Stripe's minimum charge per currency (docs.stripe.com/currencies, "Minimum and maximum charge amounts"): below
# it Stripe refuses the PaymentIntent, so the API refuses first, with a clear code.
CARD_MINIMUMS = {"usd": 50, "aud": 50, "cad": 50, "eur": 50, "gbp": 30}


# Stripe's largest amount: "The amount value supports up to eight digits (e.g., a value of 99999999 for a USD
# charge of $999,999.99)" (PaymentIntent `amount`, stripe-python 16.1 params/_payment_intent_create_params.py;
# docs.stripe.com/currencies, "Minimum and maximum charge amounts"). Every currency billed here has two decimals.
CARD_MAXIMUMS = {"usd": 99_999_999, "aud": 99_999_999, "cad": 99_999_999, "eur": 99_999_999, "gbp": 99_999_999}
# Dwolla's default send limit for the Unverified Customers this backend creates: $5,000 (developers.dwolla.com,
# "Customer types"; "Invalid amount. The supplied amount is greater than your transaction limit" otherwise). A
# merchant with other limits in its Dwolla agreement sets AchMaxTransferCents.
DEFAULT_ACH_MAXIMUM = 500_000


def card_maximum(currency: str) -> int:
    return CARD_MAXIMUMS.get(currency.lower(), 99_999_999)


def ach_maximum() -> int:
    """ACH_MAX_TRANSFER_CENTS (the template's AchMaxTransferCents), else Dwolla's default."""
    raw = os.environ.get("ACH_MAX_TRANSFER_CENTS", "")
    if raw and not raw.isdigit():
        raise ValueError(f"ACH_MAX_TRANSFER_CENTS must be whole cents, not {raw!r}")
    return int(raw) if raw else DEFAULT_ACH_MAXIMUM


def check_card_amount(amount: int, currency: str) -> None:
    """Within Stripe's minimum and maximum charge for the currency, checked before any call to Stripe."""
    minimum = CARD_MINIMUMS.get(currency.lower(), 50)
    if amount < minimum:
        raise Unprocessable(
            f"Card payments must be at least {format_amount(minimum, currency)}; pay this amount by bank transfer.",
            code="amount_below_card_minimum",
        )
    maximum = card_maximum(currency)
    if amount > maximum:
        raise Unprocessable(
            f"A card payment can be at most {format_amount(maximum, currency)}; pay part of it, or contact us.",
            code="amount_above_card_maximum",
        )


def check_ach_amount(amount: int) -> None:
    """Within the ACH processor's limit per transfer, checked before anything is recorded or sent."""
    maximum = ach_maximum()
    if amount > maximum:
        raise Unprocessable(
            f"A bank transfer can be at most {format_amount(maximum, 'usd')}; pay part of it by bank "
            "transfer if this invoice allows it, or pay by card.",
            code="amount_above_ach_maximum",
        )


def choose_amount(
    request: PaymentRequest, *, status: str, balance: int, allow_partial: bool, minimum_payment: int, currency: str
) -> int:
    """The amount to charge, or the error the client sees. `balance` excludes unconfirmed card payments,
    which a new payment replaces."""
    if status == VOID:
        raise Conflict("This invoice was voided and can't be paid.", code="invoice_void")
    if status == PAID or (balance == 0 and status != PROCESSING):
        raise Conflict("This invoice is already paid.", code="invoice_paid")
    if balance == 0:
        raise Conflict(
            "A payment for the rest of this invoice is already being processed. Check your "
            "payment history before paying again.",
            code="payment_in_progress",
        )
    if request.amount is None or request.amount == balance:
        return balance
    if request.amount > balance:
        raise Unprocessable(
            f"The amount is more than the {format_amount(balance, currency)} still owed.", code="amount_exceeds_balance"
        )
    if not allow_partial:
        raise Unprocessable(
            f"This invoice must be paid in full ({format_amount(balance, currency)}).",
            code="partial_payment_not_allowed",
        )
    if request.amount < minimum_payment:
        raise Unprocessable(
            f"The minimum payment for this invoice is {format_amount(minimum_payment, currency)}"
            " (or the whole balance).",
            code="amount_below_minimum",
        )
    return request.amount

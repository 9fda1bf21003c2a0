"""Stripe webhook events, read from the event JSON only (no SDK import on the webhook path)."""

import json
from dataclasses import dataclass
from typing import cast

from shared.domain.declines import failure_from
from shared.domain.dispute_states import BalanceTransaction, DisputeReport
from shared.domain.payment_states import CANCELED, FAILED, PROCESSING, SUCCEEDED, Outcome, PaymentUpdate

PAYMENT_INTENT_EVENTS = {
    "payment_intent.succeeded": SUCCEEDED,
    "payment_intent.payment_failed": FAILED,
    "payment_intent.processing": PROCESSING,
    "payment_intent.canceled": CANCELED,
}
METHOD_EVENTS = {
    "setup_intent.succeeded",
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "payment_method.automatically_updated",
}


class InvalidPayload(Exception):
    pass


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    created: int
    obj: dict


@dataclass(frozen=True)
class CardSnapshot:
    """A PaymentMethod of type card as an event shows it: ids and display fields only."""

    processor_method_id: str
    customer_id: str | None
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


def parse(payload: bytes) -> StripeEvent:
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidPayload("body is not JSON") from exc
    if not isinstance(event, dict):
        raise InvalidPayload("event is not an object")
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if (
        not isinstance(event_id, str)
        or not event_id
        or not isinstance(event_type, str)
        or not isinstance(created, int)
        or not isinstance(obj, dict)
    ):
        raise InvalidPayload("event lacks id, type, created or data.object")
    return StripeEvent(event_id, event_type, created, obj)


def payment_update(event: StripeEvent) -> PaymentUpdate | None:
    """The payment outcome a payment_intent.* event reports; None for intents this system did not create.
    The metadata only says which payment to look at: apply_update checks the payment is a Stripe card payment
    with this intent id (or, with none stored, that Stripe's own record ties the intent to it)."""
    obj = event.obj
    intent_id, amount, metadata = obj.get("id"), obj.get("amount"), obj.get("metadata") or {}
    received, currency = obj.get("amount_received"), obj.get("currency")
    if (
        not isinstance(intent_id, str)
        or not isinstance(amount, int)
        or not isinstance(received, (int, type(None)))
        or not isinstance(currency, str)
        or not currency
        or not isinstance(metadata, dict)
    ):
        raise InvalidPayload("payment_intent lacks id, amount or currency")
    ids = [metadata.get(k) for k in ("client_id", "invoice_id", "payment_id")]
    if not all(isinstance(v, str) and v for v in ids):
        return None

    status = PAYMENT_INTENT_EVENTS[event.type]
    failure = None
    if status == FAILED:
        error = obj.get("last_payment_error") or {}
        failure = failure_from(error.get("code"), error.get("decline_code"))
    if status == SUCCEEDED and received is not None:  # Stripe always sends it; localstripe does not
        amount = received  # what Stripe really received (less than asked after a partial capture)
    method = obj.get("payment_method")
    method_id = method if isinstance(method, str) else (method or {}).get("id")
    client_id, invoice_id, payment_id = cast(list[str], ids)  # each checked a string above
    return PaymentUpdate(
        source="stripe",
        event_id=event.id,
        event_type=event.type,
        client_id=client_id,
        invoice_id=invoice_id,
        payment_id=payment_id,
        processor_payment_id=intent_id,
        outcome=Outcome(
            status=status, amount=amount, occurred_at=event.created, failure=failure, currency=currency.lower()
        ),
        payment_method_id=method_id,
        processor="stripe",
        method="card",
    )


def dispute_report(event: StripeEvent) -> tuple[str | None, DisputeReport]:
    """A charge.dispute.* event -> (its PaymentIntent id, what it reports)."""
    obj = event.obj
    dispute_id, status, amount, currency = obj.get("id"), obj.get("status"), obj.get("amount"), obj.get("currency")
    intent = obj.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    transactions = obj.get("balance_transactions")
    if (
        not all(isinstance(v, str) and v for v in (dispute_id, status, currency))
        or not isinstance(amount, int)
        or not isinstance(transactions, list)
        or not (intent_id is None or isinstance(intent_id, str))
    ):
        raise InvalidPayload("dispute lacks id, status, amount, currency or balance_transactions")
    dispute_id, status, currency = cast(tuple[str, str, str], (dispute_id, status, currency))  # checked just above
    balance_transactions = []
    for t in transactions:
        if not isinstance(t, dict) or not isinstance(t.get("amount"), int) or not isinstance(t.get("currency"), str):
            raise InvalidPayload("dispute balance transaction lacks amount or currency")
        balance_transactions.append(BalanceTransaction(t["amount"], t["currency"].lower()))
    return intent_id, DisputeReport(
        dispute_id,
        status,
        amount,
        currency.lower(),
        event.created,
        tuple(balance_transactions),
        funds_withdrawn=event.type == "charge.dispute.funds_withdrawn",
        funds_reinstated=event.type == "charge.dispute.funds_reinstated",
    )


@dataclass(frozen=True)
class EarlyFraudWarning:
    """A radar.early_fraud_warning as Stripe sends it (stripe-python's radar/_early_fraud_warning.py)."""

    id: str
    actionable: bool  # no dispute yet and not fully refunded: a refund now may avoid the dispute
    fraud_type: str
    payment_intent: str | None


def early_fraud_warning(event: StripeEvent) -> EarlyFraudWarning:
    obj = event.obj
    intent = obj.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    if (
        not isinstance(obj.get("id"), str)
        or not isinstance(obj.get("actionable"), bool)
        or not isinstance(obj.get("fraud_type"), str)
        or not (intent_id is None or isinstance(intent_id, str))
    ):
        raise InvalidPayload("early fraud warning lacks id, actionable, fraud_type or payment_intent")
    return EarlyFraudWarning(obj["id"], obj["actionable"], obj["fraud_type"], intent_id)


def card_snapshot(obj: dict) -> CardSnapshot | None:
    """A card PaymentMethod object -> snapshot; None for other method types."""
    card = obj.get("card")
    if obj.get("type") != "card" or not isinstance(card, dict) or not isinstance(obj.get("id"), str):
        return None
    customer = obj.get("customer")
    return CardSnapshot(
        processor_method_id=obj["id"],
        customer_id=customer if isinstance(customer, str) else None,
        brand=str(card.get("brand") or "card"),
        last4=str(card.get("last4") or ""),
        exp_month=card.get("exp_month") if isinstance(card.get("exp_month"), int) else None,
        exp_year=card.get("exp_year") if isinstance(card.get("exp_year"), int) else None,
    )

"""Route a verified Stripe event to the use case that handles it.

Money moves wherever it moves: a refund made in Stripe's Dashboard or by Stripe itself (a prevented dispute's)
counts exactly like one made through the API, whichever of `refund.created`, `refund.updated` and
`charge.refunded` arrives first, and however often. An event about a payment whose success is not recorded yet
(its own event is late) first asks Stripe for the PaymentIntent and applies that, so the order in which Stripe
delivers never changes the books.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from shared.aws.event_records import record_event_only
from shared.aws.models import Payment, Refund
from shared.domain import clock
from shared.domain.dispute_states import PREVENTED
from shared.domain.payment_states import SUCCESS_RECORDED, PaymentUpdate, UpdateResult
from shared.emails.jobs import Enqueue
from shared.processors.card import CardDetails, IntentOutcome, RefundInfo
from shared.processors.stripe_events import (
    PAYMENT_INTENT_EVENTS,
    CardSnapshot,
    InvalidPayload,
    StripeEvent,
    card_snapshot,
    dispute_report,
    early_fraud_warning,
    payment_update,
)
from shared.services.payment_updates import apply_update

if TYPE_CHECKING:
    from shared.processors.refunds import RefundProcessor

log = Logger(child=True)

REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refunded"}
# Every dispute event carries the whole dispute, its status and its balance transactions (see dispute_states).
DISPUTE_EVENTS = {
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
}
EARLY_FRAUD_WARNING_EVENTS = {"radar.early_fraud_warning.created", "radar.early_fraud_warning.updated"}
REFUND_FINAL = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}


@dataclass(frozen=True)
class StripeSide:
    """What handling an event may ask Stripe (each built and called only when an event needs it)."""

    card_details: Callable[[str], CardDetails | None]
    intent_outcome: Callable[[str], IntentOutcome]
    refunds_of: Callable[[str], list[RefundInfo]] = lambda intent_id: []
    refunds: "Callable[[], RefundProcessor] | None" = None  # the refund port, for refunds this system decides
    refund_on_early_fraud_warning: bool = False


def refund_on_early_fraud_warning() -> bool:
    """The RefundOnEarlyFraudWarning template parameter (REFUND_ON_EARLY_FRAUD_WARNING): off unless "true"."""
    return os.environ.get("REFUND_ON_EARLY_FRAUD_WARNING", "false").strip().lower() == "true"


def handle(event: StripeEvent, *, enqueue: Enqueue, stripe: StripeSide) -> UpdateResult:
    key = f"stripe:{event.id}"
    if event.type in DISPUTE_EVENTS:
        return _dispute_event(event, key, enqueue, stripe)
    if event.type in REFUND_EVENTS:
        return _refund_event(event, key, enqueue, stripe)
    if event.type in EARLY_FRAUD_WARNING_EVENTS:
        return _early_fraud_warning(event, key, enqueue, stripe)
    if event.type in PAYMENT_INTENT_EVENTS:
        update = payment_update(event)
        if update is None:
            return UpdateResult("not_ours")
        return apply_update(update, enqueue, confirm_id=_tied_at_stripe(update, stripe.intent_outcome))

    from shared.services import saved_methods  # the saved-card events below

    if event.type == "payment_method.detached":
        if not isinstance(event.obj.get("id"), str):
            raise InvalidPayload("payment_method lacks id")
        return UpdateResult(saved_methods.remove_detached(key, event.type, event.obj["id"], enqueue))

    if event.type in ("payment_method.attached", "payment_method.updated", "payment_method.automatically_updated"):
        card = card_snapshot(event.obj)
        if card is None:
            return UpdateResult("not_a_card")
        if event.type == "payment_method.attached":
            return UpdateResult(saved_methods.save_card(key, event.type, card))
        return UpdateResult(saved_methods.update_card(key, event.type, card))

    if event.type == "setup_intent.succeeded":
        method_id = event.obj.get("payment_method")
        if not isinstance(method_id, str):
            raise InvalidPayload("setup_intent lacks payment_method")
        # The event names the method only; its display fields come from Stripe.
        details = stripe.card_details(method_id)
        if details is None:
            return UpdateResult("not_a_card")
        customer = event.obj.get("customer") if isinstance(event.obj.get("customer"), str) else details.customer_id
        return UpdateResult(
            saved_methods.save_card(
                key,
                event.type,
                CardSnapshot(
                    processor_method_id=method_id,
                    customer_id=customer,
                    brand=details.brand,
                    last4=details.last4,
                    exp_month=details.exp_month,
                    exp_year=details.exp_year,
                ),
            )
        )

    return UpdateResult("not_handled")


def _tied_at_stripe(update: PaymentUpdate, intent_outcome: Callable[[str], IntentOutcome]) -> Callable[[Payment], bool]:
    """For a payment whose intent id was never stored: Stripe's own record of the event's intent (never the
    event's metadata) must name this payment. Asked at most once per event."""
    fetch = cache(lambda: intent_outcome(update.processor_payment_id))  # type: ignore[arg-type]  # asked only when named

    def tied(payment: Payment) -> bool:
        intent = fetch()
        return (
            intent.id == update.processor_payment_id
            and intent.metadata.get("client_id") == payment.client_id
            and intent.metadata.get("invoice_id") == payment.invoice_id
            and intent.metadata.get("payment_id") == payment.payment_id
        )

    return tied


def _card_payment(intent_id: str | None, key: str, event_type: str, what: str) -> Payment | UpdateResult:
    """The card payment a PaymentIntent id names, or the answer when there is none (recorded, so it counts once)."""
    found = Payment.by_processor_id.query(intent_id, limit=1) if intent_id else []
    payment = next(iter(found), None)
    if payment is None:
        log.warning(f"{what} for a charge this system does not know", extra={"intent_id": intent_id})
        return UpdateResult(record_event_only(key, event_type))
    if (payment.processor, payment.method) != ("stripe", "card"):
        log.error(f"card {what} names a payment of another method", extra={"payment_id": payment.payment_id})
        recorded = record_event_only(key, event_type)
        return UpdateResult(recorded, payment.status, "processor_id_mismatch" if recorded == "ignored" else None)
    return payment


def _synced(payment: Payment, enqueue: Enqueue, stripe: StripeSide) -> Payment:
    """A refund or dispute is always of money Stripe received: if this payment's success is not recorded yet,
    apply what Stripe says of its intent first, through reconciliation's own event (so the two count once
    between them), then read it again."""
    if payment.status in SUCCESS_RECORDED:  # its success is recorded (whatever happened since)
        return payment
    from shared.services.reconciliation import card_outcome

    intent = stripe.intent_outcome(payment.processor_payment_id)
    outcome = card_outcome(intent, clock.now())
    if outcome is not None:
        apply_update(
            PaymentUpdate(
                source="reconcile",
                event_id=f"{payment.payment_id}:{outcome.status}",
                event_type=f"reconcile.{outcome.status}",
                client_id=payment.client_id,
                invoice_id=payment.invoice_id,
                payment_id=payment.payment_id,
                processor_payment_id=intent.id,
                outcome=outcome,
                payment_method_id=intent.payment_method_id,
            ),
            enqueue,
        )
    return Payment.get(payment.client_id, payment.payment_id, consistent_read=True)


def _dispute_event(event: StripeEvent, key: str, enqueue: Enqueue, stripe: StripeSide) -> UpdateResult:
    from shared.services import disputes

    intent_id, report = dispute_report(event)
    payment = _card_payment(intent_id, key, event.type, "dispute")
    if isinstance(payment, UpdateResult):
        return payment
    result = disputes.apply_dispute(key, event.type, _synced(payment, enqueue, stripe), report, enqueue)
    if report.status == PREVENTED:  # settled by the issuer's refund: count it now, whatever its events do
        _sync_refunds(payment, f"{key}:refunds", enqueue, stripe)
    return result


def _refund_event(event: StripeEvent, key: str, enqueue: Enqueue, stripe: StripeSide) -> UpdateResult:
    """refund.* carry the Refund; charge.refunded carries the Charge, whose refunds this API version no longer
    embeds: they are listed from Stripe (the truth, whatever else arrived). Ours are found by the metadata we set
    or by Stripe's refund id; any other is a refund made outside this system."""
    intent_id = event.obj.get("payment_intent")
    if intent_id is not None and not isinstance(intent_id, str):
        raise InvalidPayload("refund or charge lacks payment_intent")
    if event.type.startswith("refund."):
        infos = [_refund_info(event.obj)]
    elif isinstance(intent_id, str):
        infos = stripe.refunds_of(intent_id)
    else:
        raise InvalidPayload("charge lacks payment_intent")
    results = _apply_refunds(infos, intent_id, key, enqueue, stripe)
    if all(r.outcome in ("ignored", "duplicate") for r in results):
        return UpdateResult(record_event_only(key, event.type))
    anomaly = next((r.anomaly for r in results if r.anomaly), None)
    return UpdateResult(next(r.outcome for r in results if r.outcome not in ("ignored", "duplicate")), anomaly=anomaly)


def _refund_info(obj) -> RefundInfo:
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("id"), str)
        or not isinstance(obj.get("amount"), int)
        or isinstance(obj.get("amount"), bool)
        or not isinstance(obj.get("currency"), str)
        or not isinstance(obj.get("status"), str)
    ):
        raise InvalidPayload("refund lacks id, amount, currency or status")
    metadata = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    reason = obj.get("reason") if isinstance(obj.get("reason"), str) else None
    return RefundInfo(obj["id"], obj["amount"], obj["currency"].lower(), obj["status"], reason, metadata)


def _apply_refunds(
    infos: list[RefundInfo], intent_id: str | None, key: str, enqueue: Enqueue, stripe: StripeSide
) -> list[UpdateResult]:
    from shared.services import refunds

    results: list[UpdateResult] = []
    payment: Payment | None = None
    for n, info in enumerate(infos):
        client_id, refund_id = info.metadata.get("client_id"), info.metadata.get("refund_id")
        if not (client_id and refund_id):
            found = next(iter(Refund.by_processor_id.query(info.id, limit=1)), None)
            client_id, refund_id = (found.client_id, found.refund_id) if found else (None, None)
        if client_id and refund_id:  # one this system asked for (or already counted)
            final = REFUND_FINAL.get(info.status)
            if final is not None:
                results.append(
                    refunds.apply_refund_outcome(client_id, refund_id, final, f"{key}:{n}", "refund", enqueue)
                )
            continue
        if payment is None:
            card_payment = _card_payment(intent_id, f"{key}:{n}", "refund", "refund")
            if isinstance(card_payment, UpdateResult):
                return [card_payment]
            payment = _synced(card_payment, enqueue, stripe)
        status = REFUND_FINAL.get(info.status, "pending")
        results.append(
            refunds.record_outside_refund(
                payment, refunds.OutsideRefund(info.id, info.amount, info.currency, status, info.reason), enqueue
            )
        )
    return results


def _sync_refunds(payment: Payment, key: str, enqueue: Enqueue, stripe: StripeSide) -> None:
    _apply_refunds(stripe.refunds_of(payment.processor_payment_id), payment.processor_payment_id, key, enqueue, stripe)


def _early_fraud_warning(event: StripeEvent, key: str, enqueue: Enqueue, stripe: StripeSide) -> UpdateResult:
    """Stripe's advice: refund a charge with an actionable early fraud warning to avoid the dispute (and its
    fee) that usually follows. The merchant is told once per warning; with RefundOnEarlyFraudWarning on, the
    payment's refundable rest is refunded through the merchant's own refund path, once (its key is the
    warning's id)."""
    warning = early_fraud_warning(event)
    payment = _card_payment(warning.payment_intent, key, event.type, "early fraud warning")
    if isinstance(payment, UpdateResult):
        return payment
    refund_id = None
    if warning.actionable and stripe.refund_on_early_fraud_warning and stripe.refunds is not None:
        refund_id = _refund_for_warning(payment, warning.id, enqueue, stripe)
    enqueue(
        {
            "kind": "early_fraud_warning",
            "client_id": payment.client_id,
            "payment_id": payment.payment_id,
            "warning_id": warning.id,
            "fraud_type": warning.fraud_type,
            "actionable": warning.actionable,
            "refund_id": refund_id,
        }
    )
    log.warning(
        "early fraud warning",
        extra={
            "payment_id": payment.payment_id,
            "warning_id": warning.id,
            "actionable": warning.actionable,
            "refund_id": refund_id,
        },
    )
    return UpdateResult(record_event_only(key, event.type), payment.status)


def _refund_for_warning(payment: Payment, warning_id: str, enqueue: Enqueue, stripe: StripeSide) -> str | None:
    from shared.services import refunds

    port = stripe.refunds
    assert port is not None  # the caller checked
    return refunds.refund_for_warning(_synced(payment, enqueue, stripe), warning_id, lambda _: port(), enqueue)

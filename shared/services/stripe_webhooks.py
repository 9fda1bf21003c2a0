"""Route a verified Stripe event to the use case that handles it."""

from collections.abc import Callable
from functools import cache

from shared.processors.card import CardDetails, IntentOutcome
from shared.processors.stripe_events import (
    PAYMENT_INTENT_EVENTS,
    CardSnapshot,
    InvalidPayload,
    StripeEvent,
    card_snapshot,
    dispute_report,
    payment_update,
)
from shared.models import Payment, Refund
from shared.event_records import record_event_only
from shared.init_type import load_ahead
from shared.jobs import Enqueue
from shared.payment_states import PaymentUpdate, UpdateResult
from shared.services.payment_updates import apply_update

# Disputes, refunds and saved cards are imported by the branch that handles them: a cold instance whose first
# event is a payment's (most events) does not load them.
load_ahead("shared.services.disputes", "shared.services.refunds", "shared.services.saved_methods")

REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refunded"}
# Every dispute event carries the whole dispute, its status and its balance transactions (see dispute_states).
DISPUTE_EVENTS = {"charge.dispute.created", "charge.dispute.updated", "charge.dispute.funds_withdrawn",
                  "charge.dispute.funds_reinstated", "charge.dispute.closed"}


def handle(event: StripeEvent, *, enqueue: Enqueue, card_details: Callable[[str], CardDetails | None],
           intent_outcome: Callable[[str], IntentOutcome]) -> UpdateResult:
    key = f"stripe:{event.id}"
    if event.type in DISPUTE_EVENTS:
        from shared.services import disputes

        intent_id, report = dispute_report(event)
        return disputes.apply_dispute(key, event.type, intent_id, report, enqueue)
    if event.type in REFUND_EVENTS:
        return _refund_event(event, key, enqueue)
    if event.type in PAYMENT_INTENT_EVENTS:
        update = payment_update(event)
        if update is None:
            return UpdateResult("not_ours")
        return apply_update(update, enqueue, confirm_id=_tied_at_stripe(update, intent_outcome))

    from shared.services import saved_methods  # the saved-card events below

    if event.type == "payment_method.detached":
        if not isinstance(event.obj.get("id"), str):
            raise InvalidPayload("payment_method lacks id")
        return UpdateResult(saved_methods.remove_detached(key, event.type, event.obj["id"]))

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
        # The event names the method only; its display fields come from Stripe (this is the one webhook
        # path that calls Stripe, so the SDK is imported only when it arrives).
        details = card_details(method_id)
        if details is None:
            return UpdateResult("not_a_card")
        customer = event.obj.get("customer") if isinstance(event.obj.get("customer"), str) else details.customer_id
        return UpdateResult(saved_methods.save_card(key, event.type, CardSnapshot(
            processor_method_id=method_id, customer_id=customer, brand=details.brand, last4=details.last4,
            exp_month=details.exp_month, exp_year=details.exp_year)))

    return UpdateResult("not_handled")


def _tied_at_stripe(update: PaymentUpdate, intent_outcome: Callable[[str], IntentOutcome]) -> Callable[[Payment], bool]:
    """For a payment whose intent id was never stored: Stripe's own record of the event's intent (never the
    event's metadata) must name this payment. Asked at most once per event."""
    fetch = cache(lambda: intent_outcome(update.processor_payment_id))

    def tied(payment: Payment) -> bool:
        intent = fetch()
        return intent.id == update.processor_payment_id and intent.metadata.get("client_id") == payment.client_id \
            and intent.metadata.get("invoice_id") == payment.invoice_id \
            and intent.metadata.get("payment_id") == payment.payment_id

    return tied


def _refund_event(event: StripeEvent, key: str, enqueue: Enqueue) -> UpdateResult:
    """refund.* carry the Refund; charge.refunded carries the Charge, with its refunds where the API version
    still includes them. Our refund is found by the metadata we set, or by Stripe's refund id."""
    from shared.services import refunds

    finals = {"succeeded": refunds.DONE, "failed": refunds.FAILED, "canceled": refunds.FAILED}
    if event.type.startswith("refund."):
        objects = [event.obj]
    else:
        listed = event.obj.get("refunds")
        objects = (listed.get("data") or []) if isinstance(listed, dict) else []
    results = []
    for n, obj in enumerate(o for o in objects if isinstance(o, dict)):
        final = finals.get(obj.get("status"))
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        client_id, refund_id = meta.get("client_id"), meta.get("refund_id")
        if not (client_id and refund_id) and isinstance(obj.get("id"), str):
            found = next(iter(Refund.by_processor_id.query(obj["id"], limit=1)), None)
            client_id, refund_id = (found.client_id, found.refund_id) if found else (None, None)
        if final is None or not (client_id and refund_id):
            continue
        results.append(refunds.apply_refund_outcome(client_id, refund_id, final, f"{key}:{n}", event.type, enqueue))
    if all(r.outcome == "ignored" for r in results):
        return UpdateResult(record_event_only(key, event.type))
    anomaly = next((r.anomaly for r in results if r.anomaly), None)
    return UpdateResult(next(r.outcome for r in results if r.outcome != "ignored"), anomaly=anomaly)

"""Route a verified Stripe event to the use case that handles it."""

from collections.abc import Callable

from shared.processors.card import CardDetails
from shared.processors.stripe_events import (
    PAYMENT_INTENT_EVENTS,
    CardSnapshot,
    InvalidPayload,
    StripeEvent,
    card_snapshot,
    payment_update,
)
from shared.services import saved_methods
from shared.services.payment_updates import UpdateResult, apply_update


def handle(event: StripeEvent, *, enqueue_notice: Callable[[str, str, str], None],
           card_details: Callable[[str], CardDetails | None]) -> UpdateResult:
    key = f"stripe:{event.id}"
    if event.type in PAYMENT_INTENT_EVENTS:
        update = payment_update(event)
        return apply_update(update, enqueue_notice) if update else UpdateResult("not_ours")

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

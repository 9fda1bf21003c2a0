"""Stripe webhook events -> PaymentUpdate. Reads only the event JSON (no SDK import on the webhook path)."""

import json

from shared.declines import failure_from
from shared.payment_states import CANCELED, FAILED, PROCESSING, SUCCEEDED, Outcome
from shared.services.payment_updates import PaymentUpdate

HANDLED = {
    "payment_intent.succeeded": SUCCEEDED,
    "payment_intent.payment_failed": FAILED,
    "payment_intent.processing": PROCESSING,
    "payment_intent.canceled": CANCELED,
}


class InvalidPayload(Exception):
    pass


def parse(payload: bytes) -> tuple[str, str, PaymentUpdate | None]:
    """(event id, event type, update). The update is None for events this system does not act on,
    including PaymentIntents it did not create (no payment metadata)."""
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidPayload("body is not JSON") from exc
    if not isinstance(event, dict):
        raise InvalidPayload("event is not an object")
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) \
            or not isinstance(created, int) or not isinstance(obj, dict):
        raise InvalidPayload("event lacks id, type, created or data.object")
    if event_type not in HANDLED:
        return event_id, event_type, None

    intent_id, amount, metadata = obj.get("id"), obj.get("amount"), obj.get("metadata") or {}
    if not isinstance(intent_id, str) or not isinstance(amount, int) or not isinstance(metadata, dict):
        raise InvalidPayload("payment_intent lacks id or amount")
    ids = [metadata.get(k) for k in ("client_id", "invoice_id", "payment_id")]
    if not all(isinstance(v, str) and v for v in ids):
        return event_id, event_type, None

    status = HANDLED[event_type]
    failure = None
    if status == FAILED:
        error = obj.get("last_payment_error") or {}
        failure = failure_from(error.get("code"), error.get("decline_code"))
    if status == SUCCEEDED:
        received = obj.get("amount_received")
        amount = received if isinstance(received, int) and received > 0 else amount
    method = obj.get("payment_method")
    method_id = method if isinstance(method, str) else (method or {}).get("id")
    client_id, invoice_id, payment_id = ids
    update = PaymentUpdate(source="stripe", event_id=event_id, event_type=event_type, client_id=client_id,
                           invoice_id=invoice_id, payment_id=payment_id, processor_payment_id=intent_id,
                           outcome=Outcome(status=status, amount=amount, occurred_at=created, failure=failure),
                           payment_method_id=method_id)
    return event_id, event_type, update

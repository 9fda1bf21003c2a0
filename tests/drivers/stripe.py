"""Driving Stripe's side in tests: an event signed as Stripe signs it (the Stripe-Signature header) and posted to
the webhook handler as API Gateway calls it, and the events localstripe recorded forwarded the same way."""

import json
import time

import requests

from tests.conftest import STRIPE_API_KEY, WEBHOOK_SECRET
from tests.helpers import call, signed_webhook

HOOK = "StripeWebhookFunction"
LOCALSTRIPE_AUTH = (STRIPE_API_KEY, "")


def post(
    event: dict | bytes,
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    signature: str | None = None,
    headers: dict | None = None,
) -> tuple[int, dict, dict]:
    """The event signed with `secret` (or carrying `signature` as given) and posted: the handler's answer."""
    payload, signed = signed_webhook(event, secret, timestamp=timestamp, signature=signature)
    return call(HOOK, body=payload, headers=signed | (headers or {}), client_id=None)


def deliver(event: dict, capsys=None) -> int | None:
    """Deliver a signed event (it must be answered 200); with capsys, how many PaymentAnomaly metrics the
    webhook emitted."""
    if capsys is not None:
        capsys.readouterr()
    status, body, _ = post(event)
    assert (status, body) == (200, {"received": True})
    if capsys is None:
        return None
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return sum(sum(doc.get("PaymentAnomaly", [])) for doc in docs)


def deliver_new(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    """A new event of `event_type` about `obj` (a Stripe object), delivered (answered 200); the event."""
    event = {
        "id": event_id or f"evt_{event_type}_{obj.get('id')}_{time.time_ns()}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    status, body, _ = post(event)
    assert status == 200, body
    return event


def forward_localstripe_events(base: str, intent_id: str) -> list[str]:
    """The events localstripe (at `base`) recorded for this intent, oldest first, each posted to the webhook
    signed as at its creation (so possibly late); their types."""
    events = requests.get(f"{base}/v1/events", auth=LOCALSTRIPE_AUTH, timeout=5).json()["data"]
    delivered = []
    for event in reversed(events):
        if event["data"]["object"].get("id") == intent_id:
            payload = requests.get(f"{base}/v1/events/{event['id']}", auth=LOCALSTRIPE_AUTH, timeout=5).content
            status, _, _ = post(payload, timestamp=event["created"])
            assert status == 200
            delivered.append(event["type"])
    return delivered

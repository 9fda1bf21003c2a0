"""Delivering signed Stripe events in tests, and reading what the webhook raised."""

import json

from tests.conftest import WEBHOOK_SECRET
from tests.helpers import call, signed_webhook


def deliver(evt: dict, capsys=None) -> int | None:
    """Deliver a signed event (it must be answered 200); with capsys, how many PaymentAnomaly metrics the
    webhook emitted."""
    if capsys is not None:
        capsys.readouterr()
    payload, headers = signed_webhook(evt, WEBHOOK_SECRET)
    status, body, _ = call("StripeWebhookFunction", body=payload, headers=headers, client_id=None)
    assert (status, body) == (200, {"received": True})
    if capsys is None:
        return None
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return sum(sum(doc.get("PaymentAnomaly", [])) for doc in docs)


def without_events(snapshot: dict) -> dict:
    """A table snapshot but the event records (a refused event is still recorded once)."""
    return {k: v for k, v in snapshot.items() if not k.endswith("events")}

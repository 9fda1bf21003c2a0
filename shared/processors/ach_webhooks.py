"""ACH processor (Dwolla) webhooks: signature and envelope. The envelope only names the resource; the
handler fetches the resource itself from the processor, as Dwolla's docs advise, so the state it applies is
the processor's current truth whatever order the events arrive in.

A signed event of any age is taken: Dwolla's own recovery re-sends old ones (a subscription paused after 400
failures is unpaused and its failed webhooks retried, "Webhook subscriptions", "Retry a webhook"), the resource is
read again anyway, and each event id still counts once."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import cast

SIGNATURE_HEADER = "X-Request-Signature-SHA-256"
TRANSFER_TOPICS = frozenset(
    f"{prefix}transfer_{step}"
    for prefix in ("", "customer_")
    for step in ("created", "completed", "failed", "cancelled")
)
BANK_TOPICS = frozenset(
    {
        "customer_funding_source_verified",
        "customer_microdeposits_failed",
        "customer_microdeposits_maxattempts",
        "customer_funding_source_removed",
        "customer_funding_source_unverified",
        "customer_microdeposits_completed",
    }
)
# A customer's status changes ("Webhook events"; the return codes that cause them: "Transfer Failures").
# customer_activated is Dwolla's name for a customer reactivated (or unsuspended).
CUSTOMER_TOPICS = frozenset({"customer_suspended", "customer_deactivated", "customer_activated"})
HANDLED_TOPICS = TRANSFER_TOPICS | BANK_TOPICS | CUSTOMER_TOPICS  # Dwolla sends many more; the rest change nothing


class InvalidSignature(Exception):
    pass


class InvalidPayload(Exception):
    pass


@dataclass(frozen=True)
class AchEvent:
    id: str
    topic: str
    resource_url: str
    timestamp: datetime


def verify(payload: bytes, signature: str | None, secret: str | list[str]) -> None:
    """Hex HMAC-SHA256 of the raw body with the webhook secret, compared in constant time. `secret` may be a list
    while a secret is rotated (two Dwolla subscriptions, each signing with its own secret, during the overlap)."""
    if not signature:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    if not signature.isascii():  # compare_digest takes ASCII text only; a hex digest is nothing else
        raise InvalidSignature(f"malformed {SIGNATURE_HEADER} header")
    given = signature.strip().lower()
    if not any(
        hmac.compare_digest(hmac.new(s.encode(), payload, hashlib.sha256).hexdigest(), given)
        for s in ([secret] if isinstance(secret, str) else secret)
    ):
        raise InvalidSignature("signature does not match the payload")


def sign(payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def parse(payload: bytes) -> AchEvent:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidPayload("body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidPayload("event is not an object")
    event_id, topic = body.get("id"), body.get("topic")
    resource = (
        ((body.get("_links") or {}).get("resource") or {}).get("href") if isinstance(body.get("_links"), dict) else None
    )
    stamp = body.get("timestamp") or body.get("created")
    if not all(isinstance(v, str) and v for v in (event_id, topic, resource, stamp)):
        raise InvalidPayload("event lacks id, topic, timestamp or _links.resource.href")
    event_id, topic, resource, stamp = cast(tuple[str, str, str, str], (event_id, topic, resource, stamp))  # checked
    try:
        timestamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidPayload("timestamp is not ISO 8601") from exc
    if timestamp.tzinfo is None:
        raise InvalidPayload("timestamp has no time zone")
    return AchEvent(event_id, topic, resource, timestamp)

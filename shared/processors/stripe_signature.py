"""Stripe webhook signatures, checked without importing the stripe SDK (it doubles the webhook's cold start).

The scheme (Stripe docs, "Verify webhook signatures"): header `t=<unix>,v1=<hex>[,v1=...]`; the signature is
HMAC-SHA256 of "<t>.<raw body>" with the endpoint's signing secret. Tests check this agrees with stripe-python.
"""

import hashlib
import hmac
import time

DEFAULT_TOLERANCE = 300  # seconds, Stripe's own default


class InvalidSignature(Exception):
    pass


def verify(
    payload: bytes,
    header: str | None,
    secret: str | list[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """`secret` may be a list while a secret is rotated: a signature made with any of them is accepted (Stripe
    itself signs with both the old and the new secret until the old one expires)."""
    if not header:
        raise InvalidSignature("missing Stripe-Signature header")
    if not header.isascii():  # compare_digest takes ASCII text only; no real signature is anything else
        raise InvalidSignature("malformed Stripe-Signature header")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise InvalidSignature("malformed Stripe-Signature header")
    expected = [
        hmac.new(s.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
        for s in ([secret] if isinstance(secret, str) else secret)
    ]
    if not any(hmac.compare_digest(e, candidate) for e in expected for candidate in signatures):
        raise InvalidSignature("no signature matches the payload")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance window (possible replay)")


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The header Stripe would send; used by the local stack's and tests' event senders."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"

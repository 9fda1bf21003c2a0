"""Identifiers. A payment's id is derived from the client and the request's Idempotency-Key, so a retried
request lands on the same record whatever happened to the first attempt."""

import base64
import hashlib
import secrets


def derived_id(prefix: str, *parts: str) -> str:
    """A stable id from the parts that make a request unique (the same parts, the same record)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return f"{prefix}_" + base64.b32encode(digest).decode().rstrip("=").lower()[:26]


def payment_id_for(client_id: str, idempotency_key: str) -> str:
    return derived_id("pay", client_id, idempotency_key)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"

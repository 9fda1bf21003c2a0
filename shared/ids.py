"""Identifiers. A payment's id is derived from the client and the request's Idempotency-Key, so a retried
request lands on the same record whatever happened to the first attempt."""

import base64
import hashlib
import secrets


def payment_id_for(client_id: str, idempotency_key: str) -> str:
    digest = hashlib.sha256(f"{client_id}\x00{idempotency_key}".encode()).digest()
    return "pay_" + base64.b32encode(digest).decode().rstrip("=").lower()[:26]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"

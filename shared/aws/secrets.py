"""Secrets come from Secrets Manager at run time (cached), never from code, the template or logs.

template.yaml creates each secret with `unset` in every field the operator must fill (changing a created secret's
template would regenerate its value, so the marker stays what stacks were first deployed with). A secret is used only
when every field its processor needs holds a real value: until then every read raises SecretNotConfigured, which
shared/http/web.py answers with a 503, so the processor's webhook retries later and nothing is charged or recorded.
"""

import json
import os
import threading
import time
from functools import cache

from shared.aws import clients as aws
from shared.http.errors import SecretNotConfigured

# A secret's value is kept this long per process, so a rotation reaches every warm function within it
# (ops-rotate-webhook-secret tells the operator to wait that long).
MAX_AGE_SECONDS = 300

NOT_CONFIGURED = "unset"  # what template.yaml writes; never a usable secret
STRIPE_FIELDS = ("api_key", "webhook_secret")
ACH_FIELDS = ("client_id", "client_secret", "webhook_secret")


def stripe_secrets() -> dict:
    """{"api_key": "sk_...", "webhook_secret": "whsec_..."} from the secret named by STRIPE_SECRET_ARN."""
    return _configured("StripeSecret", "STRIPE_SECRET_ARN", STRIPE_FIELDS)


def ach_secrets() -> dict:
    """{"client_id", "client_secret", "webhook_secret"} (Dwolla) from the secret named by ACH_SECRET_ARN."""
    return _configured("AchSecret", "ACH_SECRET_ARN", ACH_FIELDS)


# Rotating a webhook secret (ops-rotate-webhook-secret): the new one becomes `webhook_secret` and the old one stays
# accepted until `previous_webhook_secret_expires_at` (unix seconds), so no event signed either way is refused.
PREVIOUS_WEBHOOK_SECRET = "previous_webhook_secret"
PREVIOUS_WEBHOOK_SECRET_EXPIRES_AT = "previous_webhook_secret_expires_at"


def webhook_secrets(secret: dict, now: float | None = None) -> list[str]:
    """The secrets a webhook signature may be made with: the current one, and the previous one until it expires."""
    accepted = [secret["webhook_secret"]]
    previous, expires_at = secret.get(PREVIOUS_WEBHOOK_SECRET), secret.get(PREVIOUS_WEBHOOK_SECRET_EXPIRES_AT)
    try:
        expires_at = float(expires_at)  # type: ignore[arg-type]  # None: the TypeError below
    except (TypeError, ValueError):
        return accepted  # no expiry, no overlap: an old secret is never accepted forever
    if is_configured(previous) and (time.time() if now is None else now) < expires_at:
        accepted.append(previous)
    return accepted


def is_configured(value) -> bool:
    """A real value: a non-blank string other than the template's marker."""
    return isinstance(value, str) and value.strip() != "" and value.strip().casefold() != NOT_CONFIGURED


_cache: dict[str, tuple[float, str]] = {}  # secret ARN -> (time.monotonic() when read, SecretString)
_cache_lock = threading.Lock()


@cache
def _client():
    return aws.client("secretsmanager")


def _secret_string(arn: str) -> str:
    """The secret's current value, read from Secrets Manager at most once per MAX_AGE_SECONDS."""
    with _cache_lock:
        read_at, value = _cache.get(arn, (None, ""))
    if read_at is not None and time.monotonic() - read_at < MAX_AGE_SECONDS:
        return value
    value = _client().get_secret_value(SecretId=arn)["SecretString"]
    with _cache_lock:
        _cache[arn] = (time.monotonic(), value)
    return value


def forget_cached_values() -> None:
    """As if MAX_AGE_SECONDS had passed: the next read asks Secrets Manager again (tests, after a change)."""
    with _cache_lock:
        _cache.clear()


def _configured(name: str, arn_variable: str, fields: tuple[str, ...]) -> dict:
    try:
        secret = json.loads(_secret_string(os.environ[arn_variable]))
    except ValueError:
        raise SecretNotConfigured(name, ["(the value is not JSON)"]) from None
    if not isinstance(secret, dict):
        raise SecretNotConfigured(name, ["(the value is not a JSON object)"])
    missing = [field for field in fields if not is_configured(secret.get(field))]
    if missing:
        raise SecretNotConfigured(name, missing)
    return secret

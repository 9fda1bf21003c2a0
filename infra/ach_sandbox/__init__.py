"""A local, in-memory ACH processor that speaks the subset of Dwolla's API v2 the payments backend uses,
bound to 127.0.0.1 only. Shapes (URLs, HAL `_links`, 201 + Location, error JSON, webhook events and their
HMAC signature, status values, topic names) follow Dwolla's public documentation; see docs/ach-sandbox.md
for what is implemented, where it deviates, and the magic account numbers that decide how a transfer settles.

Unlike Dwolla's own sandbox (where bank transfers stay `pending` until you call /sandbox-simulations), this
one also settles by itself after `settle_seconds`, standing in for the 3-5 business days of real ACH.

The package: `server.py` (AchSandbox and its route table), `routes/` (one module per resource), `middlewares.py`,
`state.py` (what it holds, its clock), `settlement.py`, `webhooks.py`, `rules.py` (Dwolla's rules, each citing
its page), `hal.py` (the wire format).

Run: python -m infra.ach_sandbox --port 8430 --settle-seconds 5
"""

from infra.ach_sandbox.hal import CONTENT_TYPE, HAL, format_amount, iso_ms, parse_amount, parse_iso
from infra.ach_sandbox.rules import (
    FORBIDDEN_NAME_CHARACTERS,
    MAX_CUSTOMER_BANKS,
    MAX_MICRO_DEPOSIT_ATTEMPTS,
    MAX_WEBHOOK_SUBSCRIPTIONS,
    MICRO_DEPOSIT_FAILURE_SUFFIXES,
    MICRO_DEPOSIT_INVALID_ABOVE,
    NAME_LIMITS,
    REACTIVATION_WINDOW_SECONDS,
    RETURN_CODES,
    SEND_LIMITS,
    routing_number_valid,
    settlement_plan,
    week_of,
)
from infra.ach_sandbox.server import AchSandbox
from infra.ach_sandbox.state import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_BALANCE_FUNDING_SOURCE_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_MERCHANT_FUNDING_SOURCE_ID,
)
from infra.ach_sandbox.webhooks import WEBHOOK_RETRY_UNITS

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_BALANCE_FUNDING_SOURCE_ID",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_MERCHANT_FUNDING_SOURCE_ID",
    "FORBIDDEN_NAME_CHARACTERS",
    "HAL",
    "MAX_CUSTOMER_BANKS",
    "MAX_MICRO_DEPOSIT_ATTEMPTS",
    "MAX_WEBHOOK_SUBSCRIPTIONS",
    "MICRO_DEPOSIT_FAILURE_SUFFIXES",
    "MICRO_DEPOSIT_INVALID_ABOVE",
    "NAME_LIMITS",
    "REACTIVATION_WINDOW_SECONDS",
    "RETURN_CODES",
    "SEND_LIMITS",
    "WEBHOOK_RETRY_UNITS",
    "AchSandbox",
    "format_amount",
    "iso_ms",
    "parse_amount",
    "parse_iso",
    "routing_number_valid",
    "settlement_plan",
    "week_of",
]

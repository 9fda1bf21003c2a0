"""The card fee a merchant may pass on to clients who pay by credit card (a "surcharge"), off by default.

- The rate: the template parameter CardFeeBasisPoints (CARD_FEE_BASIS_POINTS), 0 by default. The networks cap a US
  credit card surcharge: Visa at 3 % since April 15, 2023, Mastercard at 4 % (docs/several-invoices-and-card-fees.md, has the
  sources); the lowest, CAP_BASIS_POINTS, is the template parameter's MaxValue, and a rate above it (or one that is
  not a whole number) is refused here too: no fee at all, and an error in the log.
- The switch: an SSM parameter (CARD_FEE_SWITCH, created by the template with "on") that `ops-card-fee off` sets to
  "off": every function sees it within SWITCH_MAX_AGE_SECONDS, without a deployment. Read only while a rate is set;
  a switch that cannot be read is off (a fee nobody can confirm is on is never charged).
- Only credit cards: Stripe's `card.funding` "credit". Debit and prepaid cards never carry a fee (the networks'
  rules, and state laws such as Colorado's), nor does an "unknown" funding, nor a bank transfer.
- Per invoice, rounded down: the fee never exceeds the rate on any invoice's amount.
"""

import os
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

log = Logger(child=True)

CAP_BASIS_POINTS = 300  # Visa's US cap (3 %), the lowest of Visa's 3 % and Mastercard's 4 %
SWITCH_MAX_AGE_SECONDS = 30  # how long a function keeps the switch it read
ON, OFF = "on", "off"
SURCHARGED_FUNDING = "credit"  # Stripe's card.funding values: credit, debit, prepaid, unknown


@dataclass(frozen=True)
class CardFee:
    """The fee the merchant charges on credit cards right now."""

    basis_points: int  # 300 = 3 %

    def on(self, amount: int) -> int:
        """The fee on `amount` cents, rounded down."""
        return amount * self.basis_points // 10_000

    def for_card(self, funding: str | None) -> "CardFee | None":
        """The fee for a card of this funding: None for anything but a credit card."""
        return self if funding == SURCHARGED_FUNDING else None


def configured_basis_points() -> int:
    """CARD_FEE_BASIS_POINTS, checked against the networks' cap: 0 when unset, invalid or above the cap."""
    raw = os.environ.get("CARD_FEE_BASIS_POINTS", "0").strip() or "0"
    if not raw.isascii() or not raw.isdigit():
        log.error("CARD_FEE_BASIS_POINTS is not a whole number: no card fee", extra={"value": raw})
        return 0
    value = int(raw)
    if value > CAP_BASIS_POINTS:
        log.error(
            "CARD_FEE_BASIS_POINTS is above the networks' cap: no card fee",
            extra={"value": value, "cap": CAP_BASIS_POINTS},
        )
        return 0
    return value


def current() -> CardFee | None:
    """The card fee in force: None when none is set or the switch is off."""
    basis_points = configured_basis_points()
    if not basis_points or not switch_on():
        return None
    return CardFee(basis_points)


_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


@cache
def _client() -> Any:
    from shared.aws import clients as aws

    return aws.client("ssm")


def switch_on() -> bool:
    name = os.environ.get("CARD_FEE_SWITCH", "")
    if not name:
        log.error("CARD_FEE_SWITCH is not set: no card fee")
        return False
    with _lock:
        read_at, value = _cache.get(name, (None, OFF))
    if read_at is None or time.monotonic() - read_at >= SWITCH_MAX_AGE_SECONDS:
        try:
            value = _client().get_parameter(Name=name)["Parameter"]["Value"].strip().lower()
        except Exception:  # any failure to read it: the fee is off until it can be read
            log.exception("the card fee switch could not be read: no card fee", extra={"parameter": name})
            return False
        with _lock:
            _cache[name] = (time.monotonic(), value)
    return value == ON


def forget_switch() -> None:
    """As if SWITCH_MAX_AGE_SECONDS had passed (tests, after a change)."""
    with _lock:
        _cache.clear()

"""Time in one place so tests can freeze it. Due dates are calendar dates in the merchant's time zone."""

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """The one timestamp format of records and index keys (sortable as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso(now())


def today() -> date:
    """Today's date where the merchant is (MERCHANT_TIMEZONE, default UTC)."""
    return now().astimezone(ZoneInfo(os.environ.get("MERCHANT_TIMEZONE", "UTC"))).date()

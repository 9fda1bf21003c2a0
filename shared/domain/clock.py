"""Time in one place, so tests can freeze it and the local stack can move it. Due dates are calendar dates in the
merchant's time zone.

The local stack's test clock (infra/stack_clock.py, `POST /_local/clock`) writes how far its time is ahead of real
time to the file named by LOCAL_CLOCK_FILE, which only the local stack sets: every function and job of that stack
then reads the moved time here. The deployed template never sets it, so deployed code always reads real time.
What a processor signs or stamps (webhook timestamps) is checked against `real_now`: the processors' clocks do
not move.
"""

import json
import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CLOCK_FILE = "LOCAL_CLOCK_FILE"
_read: tuple = (None, None, timedelta(0))  # (path, the file's stat signature, its offset): re-read on change only


def offset() -> timedelta:
    """How far the local stack's test clock is ahead of real time (zero without one)."""
    global _read
    path = os.environ.get(CLOCK_FILE)
    if not path:
        return timedelta(0)
    try:
        stat = os.stat(path)
    except FileNotFoundError:  # the clock is at real time
        return timedelta(0)
    signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # the file is replaced whole (a rename) on each move
    if _read[:2] != (path, signature):
        with open(path, encoding="utf-8") as file:
            _read = (path, signature, timedelta(seconds=float(json.load(file)["offset_seconds"])))
    return _read[2]


def real_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    return real_now() + offset()


def iso(moment: datetime) -> str:
    """The one timestamp format of records and index keys (sortable as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso(now())


def merchant_zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("MERCHANT_TIMEZONE", "UTC"))


def today() -> date:
    """Today's date where the merchant is (MERCHANT_TIMEZONE, default UTC)."""
    return now().astimezone(merchant_zone()).date()

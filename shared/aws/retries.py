"""Retry on a lost race: every conditional write that can lose to a concurrent writer re-reads and decides
again, a few times, then gives up with one error (409, so an API client retries later and a processor's
webhook delivery, answered non-2xx, is delivered again)."""

from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError

from shared.aws.store import lost_race
from shared.http.errors import Conflict

ATTEMPTS = 5


class TryAgain(Exception):
    """Raised inside an attempt: another writer got there first, decide again on fresh data."""


class LostRace(TryAgain):
    """A repository's commit was refused because something it read changed (a condition failed)."""


class KeptLosingRaces(Conflict):
    code = "concurrent_change"


def until_won[T](
    attempt: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    message: str = "This changed while we were updating it; try again in a moment.",
    code: str = "concurrent_change",
    before_retry: Callable[[], None] | None = None,
    give_up: Callable[[], Exception] | None = None,
) -> T:
    """`before_retry` re-reads what the attempt decides on, after each lost race (for attempts that do not read
    it themselves); `give_up` makes the error raised after the last lost race (it may decide again on fresh
    data, e.g. that the other writer did what this one meant to); by default, KeptLosingRaces (409)."""
    for n in range(attempts):
        if n and before_retry:
            before_retry()
        try:
            return attempt()
        except TryAgain:
            continue
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
    raise give_up() if give_up else KeptLosingRaces(message, code=code)

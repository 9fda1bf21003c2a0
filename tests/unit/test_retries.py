"""shared/retries.until_won, the one lost-race loop: a lost conditional write is decided again on fresh data
(`before_retry` re-reads between attempts, never before the first), other errors pass through, and after the
last lost race the caller's `give_up` error (or 409 `concurrent_change`) is raised."""

from typing import ClassVar

import pytest
from pynamodb.exceptions import TransactWriteError

from shared.aws.retries import KeptLosingRaces, TryAgain, until_won
from shared.http.errors import Unprocessable


class Reason:
    def __init__(self, code: str):
        self.code = code


class LostRace(TransactWriteError):
    """What DynamoDB answers when another writer got there first: every item's reason a failed condition."""

    cancellation_reasons: ClassVar[list] = [Reason("ConditionalCheckFailed"), Reason("None")]


class Refused(TransactWriteError):
    cancellation_reasons: ClassVar[list] = [Reason("ValidationError")]


def lost_race() -> TransactWriteError:
    return LostRace("lost")


def test_re_reads_only_between_attempts_and_returns_the_winning_attempt():
    log = []
    outcomes = iter([lost_race(), TryAgain(), "won"])

    def attempt():
        log.append("attempt")
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert until_won(attempt, before_retry=lambda: log.append("re-read")) == "won"
    assert log == ["attempt", "re-read", "attempt", "re-read", "attempt"]


def test_after_the_last_lost_race_the_callers_error_or_409():
    def always_loses():
        raise lost_race()

    with pytest.raises(KeptLosingRaces) as kept:
        until_won(always_loses, attempts=2)
    assert (kept.value.status, kept.value.code) == (409, "concurrent_change")
    with pytest.raises(Unprocessable):
        until_won(always_loses, attempts=2, give_up=lambda: Unprocessable("changed", code="concurrent_change"))


def test_a_write_refused_for_another_reason_is_not_retried():
    calls = []

    def refused():
        calls.append(1)
        raise Refused("refused")

    with pytest.raises(Refused):
        until_won(refused, before_retry=lambda: calls.append("re-read"))
    assert calls == [1]

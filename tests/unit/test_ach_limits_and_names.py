"""The pure parts of Dwolla's rules: the weekly limit and its week (shared/domain/ach_limits.py), a restricted customer, and
names made acceptable to Dwolla (shared/processors/dwolla_names.py): the README's mapping, character by character."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.domain.ach_limits import WEEKLY_LIMIT, check_sender_allowed, check_weekly_limit, week_of
from shared.http.errors import Unprocessable
from shared.processors.dwolla_names import FORBIDDEN, acceptable, business_name, person_names


def test_the_week_runs_from_monday_to_sunday_utc():
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert week_of(monday) == (monday, monday + timedelta(days=7))
    assert week_of(datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=UTC))[0] == monday
    assert week_of(datetime(2026, 3, 9, tzinfo=UTC))[0] == monday + timedelta(days=7)
    # Sunday 20:00 in New York is already Monday in UTC: the next week.
    new_york_sunday = datetime(2026, 3, 8, 20, 0, tzinfo=timezone(timedelta(hours=-4)))
    assert week_of(new_york_sunday)[0] == monday + timedelta(days=7)


def test_the_weekly_limit_allows_exactly_what_is_left():
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    check_weekly_limit(100000, WEEKLY_LIMIT - 100000, now)
    with pytest.raises(Unprocessable) as over:
        check_weekly_limit(100001, WEEKLY_LIMIT - 100000, now)
    assert over.value.code == "ach_weekly_limit"
    assert over.value.details == {"available": 100000, "limit": 500000, "resets_on": "2026-03-09"}
    assert "up to $1,000.00 by bank transfer this week" in over.value.message
    assert "resets on Monday, March 9" in over.value.message
    with pytest.raises(Unprocessable) as spent:
        check_weekly_limit(1, WEEKLY_LIMIT + 5, now)  # more than the limit went through (a verified period)
    assert spent.value.details["available"] == 0 and "after the limit resets" in spent.value.message


@pytest.mark.parametrize(
    "status, code", [("suspended", "bank_payments_suspended"), ("deactivated", "bank_payments_deactivated")]
)
def test_a_restricted_customer_sends_nothing(status, code):
    with pytest.raises(Unprocessable) as refused:
        check_sender_allowed(status)
    assert refused.value.code == code and "card" in refused.value.message
    check_sender_allowed(None)


@pytest.mark.parametrize(
    "given, wanted",
    [
        ("Yahoo!", "Yahoo"),
        ("Who? Me", "Who Me"),
        ('The "Best" Shop', "The 'Best' Shop"),
        ("`quoted`", "'quoted'"),
        ("Smith <West>", "Smith (West)"),
        ("[Draft]", "(Draft)"),
        ("{Curly}", "(Curly)"),
        ("A=B", "A-B"),
        ("Approx~Co", "Approx-Co"),
        ("Back\\slash", "Back/slash"),
        ("100% Organic", "100 percent Organic"),
        ("Ca$h Flow", "CaSh Flow"),
        ("  Many   spaces  ", "Many spaces"),
        ("Zoë O'Brien-Smith", "Zoë O'Brien-Smith"),
    ],
)
def test_each_forbidden_character_is_mapped_as_documented(given, wanted):
    assert acceptable(given, 255) == wanted


def test_names_within_dwollas_lengths_and_never_empty():
    assert person_names("Ann Marie Archer") == ("Ann", "Marie Archer")
    assert person_names("Cher!") == ("Cher", "Cher")
    assert person_names("!?!", "bob@example.test") == ("bob", "bob")
    assert person_names("", "!!@example.test") == ("Customer", "Customer")
    first, last = person_names("A" * 80 + " " + "B" * 80)
    assert (len(first), len(last)) == (50, 50)
    assert len(business_name("x" * 300)) == 255 and business_name("!?") is None
    assert not FORBIDDEN & set("".join(person_names('<>="`!?%~${}\\[] x')) + (business_name('a<>"`$%') or ""))

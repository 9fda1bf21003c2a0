"""Due-date rules (shared/domain/due_dates.py): late-fee policies and amounts, when a fee is due, reminder days,
extension requests. Pure: these run without any emulator (and hold the module under mutation testing)."""

from datetime import date

import pytest

from shared.domain.due_dates import (
    FeePolicy,
    check_extendable,
    fee_due,
    late_fee,
    parse_extension_request,
    parse_policy,
    reminder_due,
)
from shared.http.errors import Conflict, Unprocessable

DUE = date(2026, 12, 10)


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "flat"},
        {"kind": "flat", "amount": 0},
        {"kind": "percent"},
        {"kind": "percent", "basis_points": 10001},
        {"kind": "weekly", "amount": 5},
        {"kind": "flat", "amount": 100, "grace_days": 31},
        {"kind": "flat", "amount": 100, "grace_days": -1},
    ],
)
def test_a_policy_missing_its_number_or_out_of_range_is_refused_never_guessed(raw):
    with pytest.raises(ValueError):
        parse_policy(raw)


def test_policies_read_back_as_given():
    assert parse_policy(None) == FeePolicy("none")
    assert parse_policy({"kind": "flat", "amount": 2500, "grace_days": 30}) == FeePolicy("flat", 2500, 0, 30)
    assert parse_policy({"kind": "percent", "basis_points": 10000}) == FeePolicy("percent", 0, 10000, 0)


@pytest.mark.parametrize(
    "policy,unpaid,fee",
    [
        (FeePolicy("flat", 2500), 100, 2500),
        (FeePolicy("percent", basis_points=150), 10000, 150),
        (FeePolicy("percent", basis_points=150), 33333, 500),  # 499.995 rounds half up
        (FeePolicy("percent", basis_points=150), 33300, 500),
        (FeePolicy("percent", basis_points=150), 33299, 499),
        (FeePolicy("none"), 10000, 0),
    ],
)
def test_the_fee_is_flat_or_a_share_of_the_unpaid_balance_rounded_half_up(policy, unpaid, fee):
    assert late_fee(policy, unpaid) == fee


def test_a_fee_is_due_from_the_day_after_the_grace_period():
    policy = FeePolicy("flat", 100, grace_days=2)
    assert [fee_due(policy, DUE, date(2026, 12, d)) for d in (10, 11, 12, 13)] == [False, False, False, True]
    assert fee_due(FeePolicy("flat", 100), DUE, date(2026, 12, 11)) and not fee_due(
        FeePolicy("none"), DUE, date(2027, 1, 1)
    )


def test_the_descriptions_name_the_fee():
    assert FeePolicy("flat", 2500).describe(lambda c: f"${c / 100:.2f}") == "Late fee ($25.00)"
    assert (
        FeePolicy("percent", basis_points=150).describe(str) == "Late fee (1.50% of the unpaid balance, at most 10000)"
    )
    assert (
        FeePolicy("percent", basis_points=1005).describe(str)
        == "Late fee (10.05% of the unpaid balance, at most 10000)"
    )


def test_a_reminder_falls_on_the_clients_days_only():
    assert [reminder_due(DUE, date(2026, 12, d), [7, 1]) for d in (2, 3, 4, 9, 10)] == [None, 7, None, 1, None]


def test_an_extension_must_move_the_due_date_later_within_90_days():
    body = {"requested_due_date": "2026-12-20", "reason": " Waiting on a grant "}
    assert parse_extension_request(body, DUE, date(2026, 12, 1)) == (date(2026, 12, 20), "Waiting on a grant")
    assert parse_extension_request({**body, "requested_due_date": "2027-03-10"}, DUE, date(2026, 12, 1))[0] == date(
        2027, 3, 10
    )  # exactly 90 days
    for requested, code in (
        ("2027-03-11", "date_too_far"),
        ("2026-12-10", "date_not_after_due_date"),
        ("2026-12-31x", "invalid_date"),
        ("2026-02-30", "invalid_date"),
    ):
        with pytest.raises(Unprocessable) as refused:
            parse_extension_request({**body, "requested_due_date": requested}, DUE, date(2026, 12, 1))
        assert refused.value.code == code


def test_an_extension_of_an_overdue_invoice_to_today_is_refused():
    """Overdue since the 10th; asking on the 15th for the 15th gives no time at all."""
    with pytest.raises(Unprocessable) as refused:
        parse_extension_request({"requested_due_date": "2026-12-15", "reason": "x"}, DUE, date(2026, 12, 15))
    assert refused.value.code == "date_not_after_due_date"
    assert parse_extension_request({"requested_due_date": "2026-12-16", "reason": "x"}, DUE, date(2026, 12, 15))[
        0
    ] == date(2026, 12, 16)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001, 5])
def test_an_extension_needs_a_reason(reason):
    with pytest.raises(Unprocessable) as refused:
        parse_extension_request({"requested_due_date": "2026-12-20", "reason": reason}, DUE, date(2026, 12, 1))
    assert refused.value.code == "invalid_reason"


@pytest.mark.parametrize(
    "status,open_request,code",
    [("paid", False, "invoice_paid"), ("void", False, "invoice_void"), ("open", True, "extension_request_pending")],
)
def test_only_an_unpaid_invoice_without_a_pending_request_can_be_extended(status, open_request, code):
    with pytest.raises(Conflict) as refused:
        check_extendable(status, open_request)
    assert refused.value.code == code
    check_extendable("partially_paid", False)


def test_the_merchants_default_policy_is_read_from_its_setting(monkeypatch):
    from shared.domain.due_dates import merchant_default_policy

    monkeypatch.delenv("DEFAULT_LATE_FEE_POLICY", raising=False)
    assert merchant_default_policy() == FeePolicy("none")
    monkeypatch.setenv("DEFAULT_LATE_FEE_POLICY", '{"kind": "flat", "amount": 1500, "grace_days": 5}')
    assert merchant_default_policy() == FeePolicy("flat", 1500, 0, 5)
    assert parse_policy({"kind": "none"}) == FeePolicy("none")


def test_a_percentage_fee_rounds_half_a_cent_up():
    assert late_fee(FeePolicy("percent", basis_points=1), 4999) == 0
    assert late_fee(FeePolicy("percent", basis_points=1), 5000) == 1


def test_no_fee_is_above_the_cap(monkeypatch):
    assert late_fee(FeePolicy("flat", 20000), 100) == 10000  # the default cap, $100.00
    assert late_fee(FeePolicy("flat", 20000), 100, cap=2500) == 2500
    monkeypatch.setenv("MAX_LATE_FEE_CENTS", "3000")
    assert late_fee(FeePolicy("percent", basis_points=2500), 1_000_000) == 3000


def test_a_reason_of_exactly_its_limit_is_taken():
    from shared.domain.due_dates import MAX_REASON

    reason = "x" * MAX_REASON
    assert (
        parse_extension_request({"requested_due_date": "2026-12-20", "reason": reason}, DUE, date(2026, 12, 1))[1]
        == reason
    )


@pytest.mark.parametrize("raw", [20261220, None, ["2026-12-20"], "2026-12-2", "2026-12-200"])
def test_a_requested_date_that_is_not_a_date_string_is_refused(raw):
    with pytest.raises(Unprocessable) as refused:
        parse_extension_request({"requested_due_date": raw, "reason": "x"}, DUE, date(2026, 12, 1))
    assert refused.value.code == "invalid_date"


def test_the_smallest_fees_are_policies_and_a_quarter_is_the_most_a_merchant_may_set():
    from shared.http.invoice_requests import parse_invoice_request

    assert parse_policy({"kind": "flat", "amount": 1}) == FeePolicy("flat", 1)
    assert parse_policy({"kind": "percent", "basis_points": 1}) == FeePolicy("percent", 0, 1)
    body = {
        "client_id": "c",
        "number": "INV-1",
        "currency": "usd",
        "due_date": "2027-01-10",
        "line_items": [{"description": "Work", "quantity": 1, "unit_amount": 10000}],
    }
    parse_invoice_request({**body, "late_fee_policy": {"kind": "percent", "basis_points": 2500}})
    with pytest.raises(Unprocessable) as refused:
        parse_invoice_request({**body, "late_fee_policy": {"kind": "percent", "basis_points": 2501}})
    assert refused.value.code == "late_fee_too_high"


def test_the_too_far_message_names_the_last_date_allowed():
    with pytest.raises(Unprocessable) as refused:
        parse_extension_request({"requested_due_date": "2027-06-01", "reason": "x"}, DUE, date(2026, 12, 1))
    assert "no later than 2027-03-10" in refused.value.message


def test_an_extension_can_be_approved_up_to_its_own_date_and_not_after():
    from shared.domain.due_dates import check_approvable

    check_approvable(date(2026, 12, 20), date(2026, 12, 20))
    with pytest.raises(Conflict) as refused:
        check_approvable(date(2026, 12, 20), date(2026, 12, 21))
    assert refused.value.code == "extension_request_expired"

"""Autopay's calendar (shared/domain/autopay.py): the notice 10-12 days before the charge day, an invoice too close to
announce, the charge on its day and two retries on set days, never more than the notice said, and the ids that make
a day's try one try."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from shared.domain import autopay
from shared.domain.invoices import InvoiceMoney
from shared.domain.merchant import Merchant
from shared.domain.payment_plans import Installment, states

DUE = date(2027, 3, 1)
SINCE = date(2027, 1, 1)


@dataclass
class Notice:
    due_date: str
    charge_date: str
    amount: int
    sent_on: str
    method_label: str = "Visa ending in 4242"


@dataclass
class Invoice:
    invoice_id: str = "inv-1"
    due_date: str = DUE.isoformat()
    autopay_notices: list = field(default_factory=list)


def kinds(invoice, today, balance=50000, days_before=0, plan=None, since=SINCE):
    return [
        (s.kind, s.item.due_date, s.charge_date.isoformat(), s.attempt, s.amount)
        for s in autopay.steps(invoice, plan, balance, today, days_before, since)
    ]


@pytest.mark.parametrize(
    "days_ahead,expected",
    [(13, []), (12, ["notice"]), (11, ["notice"]), (10, ["notice"]), (9, ["too_late"]), (0, ["too_late"]), (-1, [])],
)
def test_the_notice_goes_10_to_12_days_ahead_and_later_is_too_late(days_ahead, expected):
    assert [k[0] for k in kinds(Invoice(), DUE - timedelta(days=days_ahead))] == expected


def test_autopay_days_before_moves_the_charge_and_its_notice():
    assert kinds(Invoice(), DUE - timedelta(days=15), days_before=5) == [
        ("notice", "2027-03-01", "2027-02-24", 0, 50000)
    ]


def test_once_announced_it_is_charged_on_its_day_then_retried_twice_on_set_days_never_above_the_notice():
    invoice = Invoice(autopay_notices=[Notice("2027-03-01", "2027-03-01", 40000, "2027-02-18")])
    tries = {day: kinds(invoice, DUE + timedelta(days=day)) for day in range(-1, 10)}
    assert {day: found for day, found in tries.items() if found} == {
        0: [("charge", "2027-03-01", "2027-03-01", 1, 40000)],  # 50,000 owed now; the notice said 40,000
        3: [("charge", "2027-03-01", "2027-03-01", 2, 40000)],
        7: [("charge", "2027-03-01", "2027-03-01", 3, 40000)],
    }
    assert kinds(invoice, DUE, balance=25000) == [("charge", "2027-03-01", "2027-03-01", 1, 25000)]  # paid in part


def test_a_notice_from_before_autopay_was_turned_on_again_does_not_count():
    invoice = Invoice(autopay_notices=[Notice("2027-03-01", "2027-03-01", 50000, "2027-02-18")])
    assert kinds(invoice, DUE, since=date(2027, 2, 25)) == [("too_late", "2027-03-01", "2027-03-01", 0, 0)]


def test_each_installment_has_its_own_calendar():
    plan = states(
        [Installment(30000, date(2027, 3, 1)), Installment(20000, date(2027, 3, 20))],
        0,
        InvoiceMoney(50000, 0, 0, 0),
        "open",
        date(2027, 2, 18),
    )
    invoice = Invoice(due_date="2027-03-20")
    assert kinds(invoice, date(2027, 2, 18), plan=plan) == [("notice", "2027-03-01", "2027-03-01", 0, 30000)]
    assert kinds(invoice, date(2027, 3, 9), plan=plan) == [("notice", "2027-03-20", "2027-03-20", 0, 20000)]


def test_a_try_is_named_by_invoice_due_date_and_day():
    first = autopay.attempt_id("c1", "inv-1", "2027-03-01", "2027-03-01")
    assert first == autopay.attempt_id("c1", "inv-1", "2027-03-01", "2027-03-01")  # the job run twice: one try
    assert (
        len(
            {
                first,
                autopay.attempt_id("c1", "inv-1", "2027-03-01", "2027-03-04"),
                autopay.attempt_id("c1", "inv-1", "2027-03-20", "2027-03-01"),
                autopay.attempt_id("c2", "inv-1", "2027-03-01", "2027-03-01"),
            }
        )
        == 4
    )
    assert (
        autopay.idempotency_key("c1", "inv-1", "2027-03-01", "2027-03-04") == "autopay:c1:inv-1:2027-03-01:2027-03-04"
    )
    notice = Notice("2027-03-01", "2027-03-01", 1, "2027-02-18")
    assert autopay.recent_attempt_ids("c1", Invoice(autopay_notices=[notice]), date(2027, 3, 4)) == [
        first,
        autopay.attempt_id("c1", "inv-1", "2027-03-01", "2027-03-04"),
    ]


@dataclass
class Method:
    type: str = "card"
    card_exp_month: int | None = 2
    card_exp_year: int | None = 2027
    bank_status: str | None = None


def test_a_removed_expired_or_unverified_method_cannot_pay():
    assert autopay.unusable_reason(None, DUE) == "method_removed"
    assert autopay.unusable_reason(Method(), date(2027, 2, 28)) is None  # a card works through its expiry month
    assert autopay.unusable_reason(Method(), date(2027, 3, 1)) == "method_expired"
    assert autopay.unusable_reason(Method(type="bank_account", bank_status="verified"), DUE) is None
    assert (
        autopay.unusable_reason(Method(type="bank_account", bank_status="verification_failed"), DUE)
        == "method_unusable"
    )


def test_the_authorization_names_the_merchant_the_timing_the_notice_and_how_to_revoke():
    merchant = Merchant("Acme Bookkeeping", "billing@acme.test", "help@acme.test", "", "https://portal.acme.test")
    text = autopay.authorization_text(merchant, 3)
    for words in (
        "I authorize Acme Bookkeeping",
        "3 days before its due date",
        "At least 10 days before each charge",
        "stays in effect until I turn autopay off",
        "help@acme.test",
        "credit my account",
    ):
        assert words in text
    assert "on its due date" in autopay.authorization_text(merchant, 0)

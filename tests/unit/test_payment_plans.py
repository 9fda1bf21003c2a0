"""Payment plans' rules (shared/domain/payment_plans.py): what the merchant may ask for, and what each installment still
owes as money arrives, goes in flight, comes back, and as fees are added."""

from datetime import date

import pytest

from shared.domain.due_dates import FeePolicy
from shared.domain.invoices import InvoiceMoney
from shared.domain.payment_plans import (
    MAX_INSTALLMENTS,
    Installment,
    late_fees,
    next_owed,
    parse_plan,
    payment_rules,
    states,
)
from shared.http.errors import DomainError

TODAY = date(2027, 1, 10)
PLAN = [
    Installment(30000, date(2027, 1, 15)),
    Installment(30000, date(2027, 2, 15)),
    Installment(40000, date(2027, 3, 15)),
]


def body(*pairs):
    return {"installments": [{"amount": a, "due_date": d} for a, d in pairs]}


def refused(raw, balance=100000) -> str:
    with pytest.raises(DomainError) as error:
        parse_plan(raw, balance=balance, currency="usd", today=TODAY)
    return error.value.code


def test_a_plan_that_adds_up_with_ascending_dates_from_today_is_taken():
    plan = parse_plan(body((50000, "2027-01-10"), (50000, "2027-02-10")), balance=100000, currency="usd", today=TODAY)
    assert plan == [Installment(50000, date(2027, 1, 10)), Installment(50000, date(2027, 2, 10))]


@pytest.mark.parametrize(
    "raw,code",
    [
        (body((60000, "2027-01-15"), (50000, "2027-02-15")), "installments_do_not_sum"),
        (body((50000, "2027-02-15"), (50000, "2027-01-15")), "installment_dates_not_ascending"),
        (body((50000, "2027-01-15"), (50000, "2027-01-15")), "installment_dates_not_ascending"),
        (body((50000, "2027-01-09"), (50000, "2027-02-15")), "installment_before_today"),
        (body((50000, "2027-01-15"), (50000, "2028-02-15")), "invalid_date"),  # more than a year away
        (body((50000, "2027-1-15"), (50000, "2027-02-15")), "invalid_date"),
        (body((50000.5, "2027-01-15"), (49999.5, "2027-02-15")), "invalid_amount"),
        (body((0, "2027-01-15"), (100000, "2027-02-15")), "invalid_amount"),
        (body((True, "2027-01-15"), (99999, "2027-02-15")), "invalid_amount"),
        (body((100000, "2027-01-15")), "invalid_installments"),  # one installment is no plan
        (body(*[(1, f"2027-02-{d:02d}") for d in range(1, MAX_INSTALLMENTS + 2)]), "invalid_installments"),
        ({"installments": [{"amount": 100000}]}, "invalid_installments"),
        ({"installments": "two"}, "invalid_installments"),
        ({"installments": [], "note": "x"}, "unknown_field"),
        ([], "invalid_json"),
    ],
)
def test_a_plan_the_merchant_cannot_have_is_refused_with_its_reason(raw, code):
    assert refused(raw) == code


def test_installments_start_due_and_a_payment_covers_them_in_date_order():
    fresh = states(PLAN, 0, InvoiceMoney(100000, 0, 0, 0), "open", TODAY)
    assert [(s.status, s.owed) for s in fresh] == [("due", 30000), ("due", 30000), ("due", 40000)]
    # 45,000 paid: the first installment is paid, the second half paid; the next one still owed is the second.
    part = states(PLAN, 0, InvoiceMoney(100000, 0, 45000, 0), "partially_paid", TODAY)
    assert [(s.status, s.owed) for s in part] == [("paid", 0), ("due", 15000), ("due", 40000)]
    assert next_owed(part).number == 2
    assert sum(s.owed for s in part) == 55000  # always the balance


def test_money_in_flight_covers_an_installment_without_paying_it():
    flight = states(PLAN, 0, InvoiceMoney(100000, 0, 0, 30000), "partially_paid", date(2027, 1, 20))
    assert [(s.status, s.owed, s.unpaid) for s in flight][0] == ("due", 0, 30000)  # not overdue: it is on its way


def test_past_due_with_nothing_on_its_way_is_overdue_and_fees_are_per_installment_once():
    later = date(2027, 2, 20)
    plan = states(PLAN, 0, InvoiceMoney(100000, 0, 10000, 0), "partially_paid", later)
    assert [s.status for s in plan] == ["overdue", "overdue", "due"]
    flat = FeePolicy("flat", amount=2500)
    assert late_fees(plan, flat, later, None) == [("2027-01-15", 2500), ("2027-02-15", 2500)]
    assert late_fees(plan, flat, later, "2027-01-15") == [("2027-02-15", 2500)]  # the first one's was charged
    assert late_fees(plan, FeePolicy("percent", basis_points=1000), later, None) == [
        ("2027-01-15", 2000),
        ("2027-02-15", 3000),
    ]
    assert late_fees(plan, FeePolicy("flat", amount=2500, grace_days=10), later, None) == [("2027-01-15", 2500)]


def test_fees_and_corrections_fall_on_the_last_installment_and_returned_money_reopens_the_first():
    fee = states(PLAN, 0, InvoiceMoney(100000, 2500, 60000, 0), "partially_paid", TODAY)
    assert [s.amount for s in fee] == [30000, 30000, 42500] and [s.owed for s in fee] == [0, 0, 42500]
    # A plan made after 20,000 was paid, which a bank then returned: the first installment owes it again.
    returned = states(PLAN, 20000, InvoiceMoney(120000, 0, 0, 0), "open", TODAY)
    assert [s.owed for s in returned] == [50000, 30000, 40000] and sum(s.owed for s in returned) == 120000
    corrected = states(PLAN, 0, InvoiceMoney(90000, 0, 60000, 0), "partially_paid", TODAY)
    assert [s.amount for s in corrected] == [30000, 30000, 30000] and [s.owed for s in corrected] == [0, 0, 30000]


def test_pay_now_may_be_the_next_installment_even_where_partial_payments_are_not_allowed():
    plan = states(PLAN, 0, InvoiceMoney(100000, 0, 45000, 0), "partially_paid", TODAY)
    assert payment_rules(plan, allow_partial=False, minimum_payment=0, balance=55000) == (True, 15000)
    assert payment_rules(plan, allow_partial=True, minimum_payment=5000, balance=55000) == (True, 5000)

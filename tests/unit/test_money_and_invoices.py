from datetime import date

import pytest

from shared.domain.invoices import InvoiceMoney, derive_status, is_overdue, is_payable
from shared.domain.money import format_amount, is_cents


@pytest.mark.parametrize(
    "cents,text", [(0, "$0.00"), (5, "$0.05"), (125000, "$1,250.00"), (123456789, "$1,234,567.89"), (-250, "-$2.50")]
)
def test_format_amount_uses_integer_cents(cents, text):
    assert format_amount(cents, "usd") == text


def test_floats_and_bools_are_not_amounts():
    assert is_cents(100)
    assert not is_cents(100.0)
    assert not is_cents(True)
    with pytest.raises(TypeError):
        format_amount(10.5, "usd")


def test_balance_subtracts_paid_and_pending_and_adds_fees():
    money = InvoiceMoney(total=10000, fees=500, amount_paid=3000, amount_pending=2000)
    assert money.owed == 10500
    assert money.balance == 5500


@pytest.mark.parametrize(
    "paid,pending,void,status",
    [
        (0, 0, False, "open"),
        (3000, 0, False, "partially_paid"),
        (0, 4000, False, "partially_paid"),
        (3000, 7000, False, "processing"),
        (0, 10000, False, "processing"),
        (10000, 0, False, "paid"),
        (0, 0, True, "void"),
    ],
)
def test_status_follows_from_the_numbers(paid, pending, void, status):
    assert derive_status(InvoiceMoney(10000, 0, paid, pending), void=void) == status


def test_overdue_only_after_the_due_date_and_while_money_is_owed():
    due = date(2026, 12, 1)
    assert not is_overdue("open", 100, due, date(2026, 12, 1))
    assert is_overdue("open", 100, due, date(2026, 12, 2))
    assert is_overdue("partially_paid", 100, due, date(2027, 1, 1))
    assert not is_overdue("paid", 0, due, date(2027, 1, 1))
    assert not is_overdue("processing", 0, due, date(2027, 1, 1))


def test_payable_only_with_a_balance():
    assert is_payable("open", 1)
    assert not is_payable("processing", 0)
    assert not is_payable("void", 100)


@pytest.mark.parametrize(
    "cents,currency,text",
    [
        (123456, "eur", "€1,234.56"),
        (5, "aud", "A$0.05"),
        (-250, "gbp", "-£2.50"),
        (100000000, "cad", "CA$1,000,000.00"),
        (99, "jpy", "JPY 0.99"),
    ],
)
def test_every_currency_the_portal_bills_in_is_formatted_with_its_symbol_and_two_digits(cents, currency, text):
    assert format_amount(cents, currency) == text


def test_every_billed_currency_has_two_minor_units_and_true_is_never_an_amount():
    from shared.domain.money import minor_units

    assert [minor_units(c) for c in ("usd", "USD", "eur", "gbp", "aud", "cad", "xyz")] == [2] * 7
    with pytest.raises(TypeError):
        format_amount(True, "usd")


def test_the_status_follows_from_the_numbers_and_void_only_when_said():
    from shared.domain.invoices import InvoiceMoney, derive_status

    assert derive_status(InvoiceMoney(10000, 0, 0, 0)) == "open"
    assert derive_status(InvoiceMoney(10000, 500, 10000, 0)) == "partially_paid"
    assert derive_status(InvoiceMoney(10000, 500, 10000, 500)) == "processing"
    assert derive_status(InvoiceMoney(10000, 0, 0, 1)) == "partially_paid"
    assert derive_status(InvoiceMoney(10000, 0, 12000, 0)) == "paid"
    assert derive_status(InvoiceMoney(10000, 0, 0, 0), void=True) == "void"


def test_the_balance_is_never_shown_below_zero():
    from shared.domain.invoices import InvoiceMoney

    assert InvoiceMoney(10000, 0, 9000, 2000).balance == 0 and InvoiceMoney(10000, 0, 9000, 0).balance == 1000


@pytest.mark.parametrize(
    "status,balance,payable",
    [
        ("open", 1, True),
        ("partially_paid", 1, True),
        ("open", 0, False),
        ("processing", 100, False),
        ("paid", 0, False),
    ],
)
def test_only_an_open_or_partly_paid_invoice_with_a_balance_is_payable_or_overdue(status, balance, payable):
    from datetime import date

    from shared.domain.invoices import is_overdue, is_payable

    assert is_payable(status, balance) is payable
    assert is_overdue(status, balance, date(2026, 12, 1), date(2026, 12, 2)) is payable
    assert is_overdue(status, balance, date(2026, 12, 1), date(2026, 12, 1)) is False


def test_one_cent_paid_or_in_flight_is_partly_paid():
    from shared.domain.invoices import InvoiceMoney, derive_status

    assert derive_status(InvoiceMoney(10000, 0, 1, 0)) == "partially_paid"
    assert derive_status(InvoiceMoney(10000, 0, 0, 1)) == "partially_paid"

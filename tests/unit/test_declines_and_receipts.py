import re

import pytest

from shared.domain.declines import GENERIC, failure_from
from shared.domain.merchant import Merchant
from shared.emails.receipts import ReceiptFacts, method_line, receipt_number, render_receipt


@pytest.mark.parametrize(
    "code,decline,expected_code,words",
    [
        ("card_declined", "insufficient_funds", "insufficient_funds", "insufficient funds"),
        ("expired_card", None, "expired_card", "expired"),
        ("incorrect_cvc", None, "incorrect_cvc", "security code"),
        ("card_declined", "do_not_honor", "do_not_honor", "Contact your bank"),
        ("card_declined", "stolen_card", "card_declined", "Try another card"),
        (None, None, "card_declined", "Try another card"),
    ],
)
def test_declines_become_sentences_a_client_can_act_on(code, decline, expected_code, words):
    failure = failure_from(code, decline)
    assert failure.code == expected_code
    assert words in failure.message


def test_lost_or_stolen_cards_get_the_generic_message():
    assert failure_from("card_declined", "lost_card").message == GENERIC


MERCHANT = Merchant(
    name="Acme & Co",
    sender_email="billing@acme.test",
    support_email="help@acme.test",
    support_phone="+1 555 0100",
    portal_url="https://portal.acme.test",
    time_zone="America/New_York",
)


def facts(**overrides):
    base = dict(
        to="ann@example.test",
        client_name="Ann <Admin>",
        invoice_number="INV-1042",
        invoice_id="inv-1",
        amount=125000,
        currency="usd",
        method_line=method_line("visa", "4242"),
        paid_at="2026-11-25T19:05:00.000000Z",
        invoice_total=125000,
        paid_to_date=125000,
        remaining_balance=0,
        payment_id="pay_1",
    )
    return ReceiptFacts(**(base | overrides))


def test_receipt_has_everything_the_client_needs_in_text_and_html():
    email = render_receipt(facts(), MERCHANT)
    assert email.subject == "Receipt: $1,250.00 paid on invoice INV-1042"
    for part in (email.text, email.html):
        for needle in (
            "INV-1042",
            "$1,250.00",
            "Visa ending in 4242",
            "November 25, 2026 at 2:05 PM EST",
            receipt_number("pay_1"),
            "Invoice total",
            "Paid to date",
            "Remaining balance",
            "paid in full",
            "help@acme.test",
            "+1 555 0100",
            "https://portal.acme.test/invoices/inv-1",
        ):
            assert needle in part, needle
        assert "pay_1" not in part  # a receipt number, not the internal id
    assert email.text.splitlines()[0] == "Acme & Co"  # the merchant first
    assert "Acme &amp; Co" in email.html and "Ann &lt;Admin&gt;" in email.html  # escaped in HTML


def test_receipt_of_a_partial_payment_shows_paid_to_date_and_the_remaining_balance():
    email = render_receipt(
        facts(amount=5000, invoice_total=125000, paid_to_date=25000, remaining_balance=100000), MERCHANT
    )
    assert "Paid to date: $250.00" in email.text
    assert "Remaining balance: $1,000.00" in email.text
    assert "$1,000.00 is still due on this invoice." in email.text


def test_receipt_numbers_are_stable_and_differ_per_payment():
    assert receipt_number("pay_1") == receipt_number("pay_1")
    assert receipt_number("pay_1") != receipt_number("pay_2")
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", receipt_number("pay_1"))


def test_method_line_names_the_brand():
    assert method_line("amex", "0005") == "American Express ending in 0005"
    assert method_line(None, None) == "Card"

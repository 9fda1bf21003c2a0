"""What a person receives: every email laid out like a processor's receipt, with a plain-text part that says
the same, and nothing in it the person should not read."""

import re
from html import unescape

import pytest

from shared.receipts import receipt_number
from tests.email_samples import CLIENT_EMAILS, MERCHANT_EMAILS, PAYMENT_ID, REFUND_ID

ALL = {**CLIENT_EMAILS, **MERCHANT_EMAILS}


def visible_text(html: str) -> str:
    body = re.sub(r"<(title|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<br>", " ", re.sub(r"<[^>]+>", " ", body)))).strip()


def words(text: str) -> set[str]:
    return set(re.findall(r"[\w$.,@+/-]+", text.replace(": ", " ")))


@pytest.mark.parametrize("name", ALL)
def test_the_text_part_says_what_the_html_says(name):
    email = ALL[name]
    links = " ".join(re.findall(r'href="([^"]+)"', email.html))
    assert words(visible_text(email.html) + " " + links) == words(email.text)
    assert email.text.splitlines()[0] == "Acme Bookkeeping"  # the merchant's name first, in both parts
    assert visible_text(email.html).startswith("Acme Bookkeeping")
    assert "Contact us at help@acme.test or +1 555 0100." in email.text


@pytest.mark.parametrize("name", ALL)
def test_dates_are_written_for_people_subject_included(name):
    email = ALL[name]
    for part in (email.subject, email.text, visible_text(email.html)):
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", part), part  # "January 10, 2027", never 2027-01-10


@pytest.mark.parametrize("name", CLIENT_EMAILS)
def test_client_emails_show_reference_numbers_not_internal_ids(name):
    email = CLIENT_EMAILS[name]
    for part in (email.text, email.html):
        assert PAYMENT_ID not in part and REFUND_ID not in part and "client-acme" not in part


def test_the_receipt_has_what_a_processors_receipt_has():
    text = CLIENT_EMAILS["receipt"].text
    for line in ("Receipt from Acme Bookkeeping", "$300.00", "Paid December 1, 2026 at 2:26 PM EST",
                 f"Receipt number: {receipt_number(PAYMENT_ID)}", "Invoice: INV-1042", "Paid with: Visa ending in 4242",
                 "Invoice total: $480.00", "Paid to date: $300.00", "Remaining balance: $180.00"):
        assert line in text.splitlines(), line


def test_overdue_notice_says_the_fee_was_charged_once_it_was():
    before, after = CLIENT_EMAILS["overdue"].text, CLIENT_EMAILS["overdue-fee-charged"].text
    assert "a late fee may apply" in before
    assert "a late fee may apply" not in after.lower()
    assert "A late fee of $25.00 has been added to this invoice; the amount due includes it." in after


def test_refund_receipt_does_not_show_the_merchants_internal_reason():
    email = CLIENT_EMAILS["refund"]
    assert "Reason" not in email.text and "Reason" not in email.html
    assert f"Refund number: {receipt_number(REFUND_ID)}" in email.text
    assert f"Original payment: {receipt_number(PAYMENT_ID)}" in email.text

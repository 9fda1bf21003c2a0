"""What a person receives: every email laid out like a processor's receipt, with a plain-text part that says
the same, and nothing in it the person should not read."""

import re
from html import unescape

import pytest

from shared.emails.receipts import receipt_number
from tests.email_samples import ACCOUNT_EMAILS, CLIENT_EMAILS, MERCHANT, MERCHANT_EMAILS, PAYMENT_ID, REFUND_ID

ALL = {**CLIENT_EMAILS, **MERCHANT_EMAILS, **ACCOUNT_EMAILS}


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


@pytest.mark.parametrize("name", {**CLIENT_EMAILS, **ACCOUNT_EMAILS})
def test_client_emails_show_reference_numbers_not_internal_ids(name):
    email = {**CLIENT_EMAILS, **ACCOUNT_EMAILS}[name]
    for part in (email.text, email.html):
        assert PAYMENT_ID not in part and REFUND_ID not in part and "client-acme" not in part


def test_the_receipt_has_what_a_processors_receipt_has():
    text = CLIENT_EMAILS["receipt"].text
    for line in (
        "Receipt from Acme Bookkeeping",
        "$300.00",
        "Paid December 1, 2026 at 2:26 PM EST",
        f"Receipt number: {receipt_number(PAYMENT_ID)}",
        "Invoice: INV-1042",
        "Paid with: Visa ending in 4242",
        "Invoice total: $480.00",
        "Paid to date: $300.00",
        "Remaining balance: $180.00",
    ):
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


def test_the_link_to_a_new_billing_email_holds_nothing_the_client_wrote():
    email = ACCOUNT_EMAILS["billing-email-confirmation"]
    assert email.to == "accounts@acme.test" and "Ana" not in email.text + email.html
    assert "https://portal.acme.test/account#confirm_email=3q2-7wEXAMPLEtoken" in email.text


HOSTILE = "Ana\r\nBcc: x@evil.test\u2028\u202eKCAB\x00"


def test_text_stored_before_the_rules_cannot_break_a_header_or_a_line():
    """A name and an invoice number stored with CR/LF, NUL, U+2028 and U+202E (accepted before the API refused
    them) reach the subject and the greeting as spaces: no header, no extra line, nothing reordered."""
    from shared.emails.invoice_emails import InvoiceFacts, render_reminder

    facts = InvoiceFacts(
        to="ana@acme.test",
        client_name=HOSTILE,
        invoice_number="INV-1\r\nX-Injected: 1",
        invoice_id="inv-1",
        amount_due=100,
        currency="usd",
        due_date="2026-12-10",
    )
    email = render_reminder(facts, MERCHANT, 7)
    assert email.subject == "Reminder: invoice INV-1  X-Injected: 1 is due in 7 days"
    for part in (email.subject, email.text, email.html):
        assert not set(part) & {"\r", "\x00", "\u2028", "\u202e"}
    assert "Hello Ana  Bcc: x@evil.test  KCAB ," in email.text.splitlines()


@pytest.mark.parametrize(
    "to,subject,sender",
    [
        ('"ana" <x@evil.test>', "Receipt", "billing@acme.test"),
        ("ana@acme.test, x@evil.test", "Receipt", "billing@acme.test"),
        ("ana@acme.test", "Receipt\r\nBcc: x@evil.test", "billing@acme.test"),
        ("ana@acme.test", "Receipt", "billing@acme.test\nBcc: x@evil.test"),
    ],
)
def test_ses_is_never_asked_to_send_a_header_with_a_line_break_or_a_named_recipient(to, subject, sender, monkeypatch):
    from shared.aws import notify
    from shared.emails.email_layout import Email

    monkeypatch.setattr(notify, "_client", lambda service: pytest.fail("SES was called"))
    with pytest.raises(notify.UnsafeHeader):
        notify.send_email(Email(to=to, subject=subject, text="t", html="h"), sender)

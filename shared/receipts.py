"""The payment receipt email, in plain text and HTML. Pure rendering: no I/O."""

from dataclasses import dataclass
from html import escape

from shared.merchant import Merchant
from shared.money import format_amount


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class ReceiptFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount: int
    currency: str
    method_line: str  # "Visa ending in 4242"
    paid_on: str  # YYYY-MM-DD
    remaining_balance: int
    payment_id: str


def method_line(brand: str | None, last4: str | None) -> str:
    if not brand:
        return "Card"
    names = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
    return f"{names.get(brand, brand.title())} ending in {last4}"


def render_receipt(facts: ReceiptFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    balance = format_amount(facts.remaining_balance, facts.currency)
    status_line = ("This invoice is now paid in full." if facts.remaining_balance == 0
                   else f"Remaining balance on this invoice: {balance}.")
    help_line = merchant.help_line("Questions about this payment?")
    link = merchant.invoice_link(facts.invoice_id)
    rows = [("Invoice", facts.invoice_number), ("Amount paid", amount), ("Paid with", facts.method_line),
            ("Date", facts.paid_on), ("Payment reference", facts.payment_id)]

    text = "\n".join([
        f"Hello {facts.client_name},", "",
        f"Thank you for your payment to {merchant.name}.", "",
        *[f"{label}: {value}" for label, value in rows], "",
        status_line,
        *([f"View the invoice: {link}"] if link else []), "",
        help_line, "", merchant.name,
    ])
    html_rows = "".join(f"<tr><th align=\"left\">{escape(label)}</th><td>{escape(value)}</td></tr>"
                        for label, value in rows)
    html_link = f"<p><a href=\"{escape(link)}\">View the invoice</a></p>" if link else ""
    html = (f"<html><body><p>Hello {escape(facts.client_name)},</p>"
            f"<p>Thank you for your payment to {escape(merchant.name)}.</p>"
            f"<table>{html_rows}</table><p>{escape(status_line)}</p>{html_link}"
            f"<p>{escape(help_line)}</p><p>{escape(merchant.name)}</p></body></html>")
    subject = f"Receipt: {amount} paid on invoice {facts.invoice_number}"
    return Email(to=facts.to, subject=subject, text=text, html=html)

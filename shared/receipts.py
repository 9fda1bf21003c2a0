"""The payment receipt email, in plain text and HTML. Pure rendering: no I/O."""

from dataclasses import dataclass
from datetime import timedelta

from shared.email_layout import Email, Message, local_time, render
from shared.merchant import Merchant
from shared.money import format_amount
from shared.receipt_numbers import RECEIPTED, receipt_number

__all__ = ["Email", "RECEIPTED", "RESEND_INTERVAL", "ReceiptFacts", "method_line", "receipt_number", "render_receipt"]

RESEND_INTERVAL = timedelta(minutes=10)  # a client may ask for a payment's receipt again once per interval


@dataclass(frozen=True)
class ReceiptFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount: int
    currency: str
    method_line: str  # "Visa ending in 4242"
    paid_at: str  # ISO 8601 UTC; shown in the merchant's time zone
    invoice_total: int  # total + fees
    paid_to_date: int
    remaining_balance: int
    payment_id: str


def method_line(brand: str | None, last4: str | None) -> str:
    if not brand:
        return "Card"
    names = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
    return f"{names.get(brand, brand.title())} ending in {last4}"


def render_receipt(facts: ReceiptFacts, merchant: Merchant) -> Email:
    money = lambda cents: format_amount(cents, facts.currency)  # noqa: E731
    amount = money(facts.amount)
    status = ("This invoice is now paid in full." if facts.remaining_balance == 0
              else f"{money(facts.remaining_balance)} is still due on this invoice.")
    link = merchant.invoice_link(facts.invoice_id)
    message = Message(
        heading=f"Receipt from {merchant.name}", amount=amount, caption=f"Paid {local_time(facts.paid_at, merchant)}",
        greeting=f"Hello {facts.client_name},",
        rows=(("Receipt number", receipt_number(facts.payment_id)), ("Invoice", facts.invoice_number),
              ("Paid with", facts.method_line), ("Amount paid", amount)),
        totals=(("Invoice total", money(facts.invoice_total)), ("Paid to date", money(facts.paid_to_date)),
                ("Remaining balance", money(facts.remaining_balance))),
        paragraphs=(f"Thank you for your payment to {merchant.name}. {status}",),
        action=("View the invoice", link) if link else None, help_opening="Questions about this payment?")
    return render(facts.to, f"Receipt: {amount} paid on invoice {facts.invoice_number}", message, merchant)

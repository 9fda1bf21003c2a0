"""The payment receipt email, in plain text and HTML. Pure rendering: no I/O."""

from dataclasses import dataclass
from datetime import timedelta

from shared.domain.merchant import Merchant
from shared.domain.money import format_amount
from shared.domain.receipt_numbers import RECEIPTED, receipt_number
from shared.emails.email_layout import Email, Message, local_time, render

__all__ = ["RECEIPTED", "RESEND_INTERVAL", "Email", "ReceiptFacts", "method_line", "receipt_number", "render_receipt"]

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
    # A payment of several invoices: (invoice number, amount paid on it, what it still owes) each, in order of
    # allocation; then the fields above are the first invoice's.
    invoices: tuple[tuple[str, int, int], ...] = ()
    card_fee: int = 0  # the card fee (credit card surcharge) in `amount`: its own line


def method_line(brand: str | None, last4: str | None) -> str:
    if not brand:
        return "Card"
    names = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
    return f"{names.get(brand, brand.title())} ending in {last4}"


def render_receipt(facts: ReceiptFacts, merchant: Merchant) -> Email:
    if facts.invoices:
        return _render_several(facts, merchant)
    money = lambda cents: format_amount(cents, facts.currency)  # noqa: E731
    amount = money(facts.amount)
    status = (
        "This invoice is now paid in full."
        if facts.remaining_balance == 0
        else f"{money(facts.remaining_balance)} is still due on this invoice."
    )
    link = merchant.invoice_link(facts.invoice_id)
    message = Message(
        heading=f"Receipt from {merchant.name}",
        amount=amount,
        caption=f"Paid {local_time(facts.paid_at, merchant)}",
        greeting=f"Hello {facts.client_name},",
        rows=(
            ("Receipt number", receipt_number(facts.payment_id)),
            ("Invoice", facts.invoice_number),
            ("Paid with", facts.method_line),
            *(
                (("Invoice payment", money(facts.amount - facts.card_fee)), (CARD_FEE_LABEL, money(facts.card_fee)))
                if facts.card_fee
                else ()
            ),
            ("Amount paid", amount),
        ),
        totals=(
            ("Invoice total", money(facts.invoice_total)),
            ("Paid to date", money(facts.paid_to_date)),
            ("Remaining balance", money(facts.remaining_balance)),
        ),
        paragraphs=(f"Thank you for your payment to {merchant.name}. {status}",),
        action=("View the invoice", link) if link else None,
        help_opening="Questions about this payment?",
    )
    return render(facts.to, f"Receipt: {amount} paid on invoice {facts.invoice_number}", message, merchant)


CARD_FEE_LABEL = "Card fee (credit card surcharge)"


def _render_several(facts: ReceiptFacts, merchant: Merchant) -> Email:
    """One receipt for a payment of several invoices: each invoice with what was paid on it, the card fee on its own
    line, the amount paid; then what each invoice still owes."""
    money = lambda cents: format_amount(cents, facts.currency)  # noqa: E731
    amount = money(facts.amount)
    owed = sum(left for _, _, left in facts.invoices)
    status = "These invoices are now paid in full." if owed == 0 else f"{money(owed)} is still due on these invoices."
    link = f"{merchant.portal_url}/invoices" if merchant.portal_url else ""
    rows = (
        ("Receipt number", receipt_number(facts.payment_id)),
        ("Paid with", facts.method_line),
        *((f"Invoice {number}", money(paid)) for number, paid, _ in facts.invoices),
        *(((CARD_FEE_LABEL, money(facts.card_fee)),) if facts.card_fee else ()),
        ("Amount paid", amount),
    )
    totals = tuple((f"Still due on {number}", money(left)) for number, _, left in facts.invoices if left) or (
        ("Remaining balance", money(0)),
    )
    message = Message(
        heading=f"Receipt from {merchant.name}",
        amount=amount,
        caption=f"Paid {local_time(facts.paid_at, merchant)}",
        greeting=f"Hello {facts.client_name},",
        rows=rows,
        totals=totals,
        paragraphs=(f"Thank you for your payment to {merchant.name}. {status}",),
        action=("View your invoices", link) if link else None,
        help_opening="Questions about this payment?",
    )
    return render(facts.to, f"Receipt: {amount} paid on {len(facts.invoices)} invoices", message, merchant)

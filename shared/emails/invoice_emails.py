"""Emails about an invoice's due date: reminder, overdue notice, extension request (to the merchant) and the
merchant's answer (to the client). Each names the invoice, the amount due, the due date, links to the
invoice in the portal and says where to get help. Pure rendering."""

from dataclasses import dataclass

from shared.domain.merchant import Merchant
from shared.domain.money import format_amount
from shared.emails.email_layout import Email, Message, long_date, render


@dataclass(frozen=True)
class InvoiceFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount_due: int
    currency: str
    due_date: str


def _email(
    facts: InvoiceFacts,
    merchant: Merchant,
    subject: str,
    heading: str,
    paragraphs: list[str],
    greeting: str | None = None,
    due_label: str = "Due",
) -> Email:
    link = merchant.invoice_link(facts.invoice_id)
    amount = format_amount(facts.amount_due, facts.currency)
    message = Message(
        heading=heading,
        amount=amount,
        caption=f"{due_label} {long_date(facts.due_date)}",
        greeting=greeting or f"Hello {facts.client_name},",
        rows=(("Invoice", facts.invoice_number), ("Amount due", amount), ("Due date", long_date(facts.due_date))),
        paragraphs=tuple(paragraphs),
        action=("Pay or view the invoice", link) if link else None,
    )
    return render(facts.to, subject, message, merchant)


def render_reminder(facts: InvoiceFacts, merchant: Merchant, days_before: int) -> Email:
    when = "tomorrow" if days_before == 1 else f"in {days_before} days"
    return _email(
        facts,
        merchant,
        f"Reminder: invoice {facts.invoice_number} is due {when}",
        f"Invoice {facts.invoice_number} is due {when}",
        [
            f"This is a friendly reminder that invoice {facts.invoice_number} is due {when}, on "
            f"{long_date(facts.due_date)}.",
            "Paying by the due date avoids late fees. You can turn these reminders off in your account settings.",
        ],
    )


def render_overdue(facts: InvoiceFacts, merchant: Merchant, fee_charged: int = 0, fee_may_apply: bool = True) -> Email:
    """fee_charged: the late fee already added for this due date (then the email says so, and the amount due
    includes it); fee_may_apply: whether the invoice's policy charges one at all."""
    if fee_charged:
        fee = (
            f"A late fee of {format_amount(fee_charged, facts.currency)} has been added to this invoice; the "
            "amount due includes it."
        )
    else:
        fee = (
            "Please pay it as soon as you can; a late fee may apply."
            if fee_may_apply
            else "Please pay it as soon as you can."
        )
    return _email(
        facts,
        merchant,
        f"Invoice {facts.invoice_number} is overdue",
        f"Invoice {facts.invoice_number} is overdue",
        [
            f"Invoice {facts.invoice_number} was due on {long_date(facts.due_date)} and has not been paid in full.",
            fee,
            "If you need more time, you can request an extension from the invoice page.",
        ],
        due_label="Was due",
    )


def render_extension_requested(
    facts: InvoiceFacts, merchant: Merchant, requested: str, reason: str, request_id: str
) -> Email:
    return _email(
        facts,
        merchant,
        f"Extension requested for invoice {facts.invoice_number}",
        f"Extension requested by {facts.client_name}",
        [
            f"{facts.client_name} asks to move the due date of invoice {facts.invoice_number} from "
            f"{long_date(facts.due_date)} to {long_date(requested)}.",
            f"Their reason: {reason}",
            f"Approve or decline request {request_id} in the back office.",
        ],
        greeting="Hello,",
    )


def render_extension_decided(
    facts: InvoiceFacts, merchant: Merchant, approved: bool, requested: str, note: str | None = None
) -> Email:
    said = [f"Our note: {note}"] if note else []
    if approved:
        return _email(
            facts,
            merchant,
            f"Extension approved: invoice {facts.invoice_number} is now due {long_date(requested)}",
            "Your extension was approved",
            [
                f"Your request was approved: invoice {facts.invoice_number} is now due on {long_date(requested)}. No "
                "late fee will be charged before then.",
                *said,
            ],
        )
    return _email(
        facts,
        merchant,
        f"Extension declined for invoice {facts.invoice_number}",
        "Your extension request was declined",
        [
            f"We could not approve moving the due date of invoice {facts.invoice_number} to {long_date(requested)}; it "
            f"stays due on {long_date(facts.due_date)}.",
            *said,
            "Please contact us if you need to discuss it.",
        ],
    )

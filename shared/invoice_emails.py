"""Emails about an invoice's due date: reminder, overdue notice, extension request (to the merchant) and the
merchant's answer (to the client). Each names the invoice, the amount due, the due date, links to the
invoice in the portal and says where to get help. Pure rendering."""

from dataclasses import dataclass
from html import escape

from shared.merchant import Merchant
from shared.money import format_amount
from shared.receipts import Email


@dataclass(frozen=True)
class InvoiceFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount_due: int
    currency: str
    due_date: str


def _email(facts: InvoiceFacts, merchant: Merchant, subject: str, paragraphs: list[str],
           greeting: str | None = None) -> Email:
    link, help_line = merchant.invoice_link(facts.invoice_id), merchant.help_line()
    details = [f"Invoice: {facts.invoice_number}", f"Amount due: {format_amount(facts.amount_due, facts.currency)}",
               f"Due date: {facts.due_date}"]
    hello = greeting or f"Hello {facts.client_name},"
    text = "\n".join([hello, "", *paragraphs, "", *details, *([f"Pay or view it here: {link}"] if link else []),
                      "", help_line, "", merchant.name])
    html = (f"<html><body><p>{escape(hello)}</p>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
            + "<ul>" + "".join(f"<li>{escape(d)}</li>" for d in details) + "</ul>"
            + (f"<p><a href=\"{escape(link)}\">Pay or view the invoice</a></p>" if link else "")
            + f"<p>{escape(help_line)}</p><p>{escape(merchant.name)}</p></body></html>")
    return Email(to=facts.to, subject=subject, text=text, html=html)


def render_reminder(facts: InvoiceFacts, merchant: Merchant, days_before: int) -> Email:
    when = "tomorrow" if days_before == 1 else f"in {days_before} days"
    return _email(facts, merchant, f"Reminder: invoice {facts.invoice_number} is due {when}", [
        f"This is a friendly reminder that invoice {facts.invoice_number} is due {when}, on {facts.due_date}.",
        "Paying by the due date avoids late fees. You can turn these reminders off in your account settings."])


def render_overdue(facts: InvoiceFacts, merchant: Merchant) -> Email:
    return _email(facts, merchant, f"Invoice {facts.invoice_number} is overdue", [
        f"Invoice {facts.invoice_number} was due on {facts.due_date} and has not been paid in full.",
        "Please pay it as soon as you can; a late fee may apply. If you need more time, you can request an "
        "extension from the invoice page."])


def render_extension_requested(facts: InvoiceFacts, merchant: Merchant, requested: str, reason: str,
                               request_id: str) -> Email:
    return _email(facts, merchant, f"Extension requested for invoice {facts.invoice_number}", [
        f"{facts.client_name} asks to move the due date of invoice {facts.invoice_number} from {facts.due_date} "
        f"to {requested}.", f"Their reason: {reason}",
        f"Approve or decline request {request_id} in the back office."],
        greeting="Hello,")


def render_extension_decided(facts: InvoiceFacts, merchant: Merchant, approved: bool, requested: str) -> Email:
    if approved:
        return _email(facts, merchant, f"Extension approved: invoice {facts.invoice_number} is now due {requested}", [
            f"Your request was approved: invoice {facts.invoice_number} is now due on {requested}. No late fee "
            "will be charged before then."])
    return _email(facts, merchant, f"Extension declined for invoice {facts.invoice_number}", [
        f"We could not approve moving the due date of invoice {facts.invoice_number} to {requested}; it stays "
        f"due on {facts.due_date}. Please contact us if you need to discuss it."])

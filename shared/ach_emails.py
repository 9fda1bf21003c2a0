"""Emails about bank transfers: "payment on its way" and "payment failed or returned". Pure rendering."""

from dataclasses import dataclass
from html import escape

from shared.merchant import Merchant
from shared.money import format_amount
from shared.receipts import Email


@dataclass(frozen=True)
class AchFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount: int
    currency: str
    bank_name: str
    last4: str
    payment_id: str
    failure_message: str | None = None  # for the failure notice
    failure_code: str | None = None


def _render(facts: AchFacts, merchant: Merchant, subject: str, paragraphs: list[str]) -> Email:
    help_line, link = merchant.help_line(), merchant.invoice_link(facts.invoice_id)
    lines = [f"Hello {facts.client_name},", "", *paragraphs, *([f"View the invoice: {link}"] if link else []),
             "", help_line, "", merchant.name]
    html_link = f"<p><a href=\"{escape(link)}\">View the invoice</a></p>" if link else ""
    html = (f"<html><body><p>Hello {escape(facts.client_name)},</p>"
            + "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p)
            + f"{html_link}<p>{escape(help_line)}</p><p>{escape(merchant.name)}</p></body></html>")
    return Email(to=facts.to, subject=subject, text="\n".join(lines), html=html)


def render_ach_initiated(facts: AchFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    return _render(facts, merchant, f"Bank payment of {amount} started for invoice {facts.invoice_number}", [
        f"We have started a bank transfer (ACH) of {amount} for invoice {facts.invoice_number} from your "
        f"{facts.bank_name} account ending in {facts.last4}.",
        "Bank transfers take 3-5 business days to settle. The invoice shows the payment as processing until "
        "then, and we will email your receipt when it completes.",
        f"Payment reference: {facts.payment_id}", "",
    ])


def render_payment_failed(facts: AchFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    code = f" (return code {facts.failure_code})" if facts.failure_code else ""
    return _render(facts, merchant, f"Bank payment of {amount} for invoice {facts.invoice_number} did not go through", [
        f"The bank transfer (ACH) of {amount} for invoice {facts.invoice_number} from your {facts.bank_name} "
        f"account ending in {facts.last4} did not go through{code}.",
        facts.failure_message or "",
        "The amount is owed again on the invoice; no fee was added for this.",
        f"Payment reference: {facts.payment_id}", "",
    ])

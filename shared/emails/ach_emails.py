"""Emails about bank transfers: "payment on its way" and "payment failed or returned". Pure rendering."""

from dataclasses import dataclass

from shared.domain.merchant import Merchant
from shared.domain.money import format_amount
from shared.emails.email_layout import Email, Message, local_time, render
from shared.emails.receipts import receipt_number


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
    created_at: str  # ISO 8601 UTC
    failure_message: str | None = None  # for the failure notice
    failure_code: str | None = None
    authorization: str | None = None  # the debit authorization the client accepted (NACHA: a copy for the client)


def _message(
    facts: AchFacts, merchant: Merchant, heading: str, caption: str, rows: tuple, paragraphs: tuple[str, ...]
) -> Message:
    link = merchant.invoice_link(facts.invoice_id)
    return Message(
        heading=heading,
        amount=format_amount(facts.amount, facts.currency),
        caption=caption,
        greeting=f"Hello {facts.client_name},",
        rows=(
            ("Payment reference", receipt_number(facts.payment_id)),
            ("Invoice", facts.invoice_number),
            ("From", f"{facts.bank_name} account ending in {facts.last4}"),
            *rows,
        ),
        paragraphs=paragraphs,
        action=("View the invoice", link) if link else None,
        help_opening="Questions about this payment?",
    )


def render_ach_initiated(facts: AchFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    message = _message(
        facts,
        merchant,
        "Bank payment started",
        f"Started {local_time(facts.created_at, merchant)}",
        (("Expected to settle", "in 3-5 business days"),),
        (
            f"We have started a bank transfer (ACH) of {amount} for invoice {facts.invoice_number}.",
            "Bank transfers take 3-5 business days to settle. The invoice shows the payment as processing "
            "until then, and we will email your receipt when it completes.",
            *(
                (f"The debit authorization you accepted, for your records: \u201c{facts.authorization}\u201d",)
                if facts.authorization
                else ()
            ),
        ),
    )
    return render(facts.to, f"Bank payment of {amount} started for invoice {facts.invoice_number}", message, merchant)


def render_payment_failed(facts: AchFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    code = (("Return code", facts.failure_code),) if facts.failure_code else ()
    message = _message(
        facts,
        merchant,
        "Bank payment did not go through",
        f"Started {local_time(facts.created_at, merchant)}",
        code,
        tuple(
            p
            for p in (
                f"The bank transfer (ACH) of {amount} for invoice {facts.invoice_number} did not go through.",
                facts.failure_message,
                "The amount is owed again on the invoice; no fee was added for this.",
            )
            if p
        ),
    )
    return render(
        facts.to, f"Bank payment of {amount} for invoice {facts.invoice_number} did not go through", message, merchant
    )

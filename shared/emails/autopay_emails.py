"""Autopay's emails to the client: the copy of the authorization they accepted, the notice before each charge (its
amount, date and method: Regulation E 12 CFR 1005.10(d)), a charge that did not go through (with a link to pay), an
invoice autopay cannot pay in time, and autopay turned off because its method went away. Pure rendering."""

from dataclasses import dataclass

from shared.domain.merchant import Merchant
from shared.domain.money import format_amount
from shared.emails.email_layout import Email, Message, local_time, long_date, render

OFF_REASONS = {
    "method_removed": "the payment method it used was removed",
    "method_expired": "the card it used has expired",
    "method_unusable": "the bank account it used can no longer be debited",
}


@dataclass(frozen=True)
class AutopayFacts:
    to: str
    client_name: str
    method: str  # "Visa ending in 4242"


def render_authorized(facts: AutopayFacts, merchant: Merchant, text: str, authorized_at: str) -> Email:
    """The client's copy of the recurring authorization (Regulation E 1005.10(b): "a copy to the consumer")."""
    when = local_time(authorized_at, merchant)
    return render(
        facts.to,
        "Autopay is on: your copy of the authorization",
        Message(
            heading="Autopay is on",
            greeting=f"Hello {facts.client_name},",
            rows=(("Pays with", facts.method), ("Authorized", when)),
            paragraphs=(
                "This is your copy of the authorization you accepted in the portal:",
                text,
                "Before each charge we email you its amount and date. You can turn autopay off at any time in "
                "your account settings.",
            ),
            action=("Account settings", f"{merchant.portal_url}/account") if merchant.portal_url else None,
        ),
        merchant,
    )


def render_off(facts: AutopayFacts, merchant: Merchant, reason: str) -> Email:
    why = OFF_REASONS.get(reason, "it can no longer be used")
    return render(
        facts.to,
        "Autopay is off",
        Message(
            heading="Autopay is off",
            greeting=f"Hello {facts.client_name},",
            rows=(("Was paying with", facts.method),),
            paragraphs=(
                f"We turned autopay off because {why}. Nothing will be charged automatically from now on.",
                "Please pay your invoices in the portal, or turn autopay on again there with another card or "
                "bank account.",
            ),
            action=("Account settings", f"{merchant.portal_url}/account") if merchant.portal_url else None,
        ),
        merchant,
    )


@dataclass(frozen=True)
class ChargeFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount: int
    currency: str
    method: str
    charge_date: str
    due_date: str
    installment: str | None = None  # "installment 2 of 4"
    retries: tuple[str, ...] = ()  # the days it is tried again if it does not go through


def _what(facts: ChargeFacts) -> str:
    return (
        f"{facts.installment} of invoice {facts.invoice_number}"
        if facts.installment
        else f"invoice {facts.invoice_number}"
    )


def _rows(facts: ChargeFacts) -> tuple:
    rows = [("Invoice", facts.invoice_number)]
    if facts.installment:
        rows.append(("Installment", facts.installment[0].upper() + facts.installment[1:]))
    return (*rows, ("Amount", format_amount(facts.amount, facts.currency)), ("Due date", long_date(facts.due_date)))


def render_notice(facts: ChargeFacts, merchant: Merchant) -> Email:
    amount, when = format_amount(facts.amount, facts.currency), long_date(facts.charge_date)
    retry = (
        f"If the charge does not go through, we will try again on {' and '.join(long_date(d) for d in facts.retries)}."
        if facts.retries
        else ""
    )
    link = merchant.invoice_link(facts.invoice_id)
    return render(
        facts.to,
        f"Autopay: {facts.method} will be charged {amount} on {when}",
        Message(
            heading=f"Autopay will charge {_what(facts)}",
            amount=amount,
            caption=f"On {when}",
            greeting=f"Hello {facts.client_name},",
            rows=(*_rows(facts), ("Will be charged on", when), ("Charged to", facts.method)),
            paragraphs=(
                f"{facts.method} will be charged {amount} on {when} for {_what(facts)}. " + retry,
                "Nothing to do. To pay another way, pay it in the portal before then; to stop autopay, turn it "
                "off in your account settings before that date.",
            ),
            action=("View the invoice", link) if link else None,
        ),
        merchant,
    )


def render_too_late(facts: ChargeFacts, merchant: Merchant) -> Email:
    link = merchant.invoice_link(facts.invoice_id)
    return render(
        facts.to,
        f"Please pay invoice {facts.invoice_number} yourself",
        Message(
            heading=f"Autopay will not pay {_what(facts)}",
            amount=format_amount(facts.amount, facts.currency),
            caption=f"Due {long_date(facts.due_date)}",
            greeting=f"Hello {facts.client_name},",
            rows=_rows(facts),
            paragraphs=(
                "Autopay tells you each charge's amount and date at least 10 days before it is made, and "
                f"{_what(facts)} is due sooner than that, so it will not be charged automatically.",
                f"Please pay it in the portal by {long_date(facts.due_date)}. Autopay pays the next ones.",
            ),
            action=("Pay the invoice", link) if link else None,
        ),
        merchant,
    )


def render_failed(facts: ChargeFacts, merchant: Merchant, reason: str, next_try: str | None) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    again = (
        f"We will try again on {long_date(next_try)}, unless it is paid by then."
        if next_try
        else "Autopay will not try this one again."
    )
    link = merchant.invoice_link(facts.invoice_id)
    return render(
        facts.to,
        f"Autopay could not charge {facts.method} for invoice {facts.invoice_number}",
        Message(
            heading="An automatic payment did not go through",
            amount=amount,
            caption=f"Tried {long_date(facts.charge_date)}",
            greeting=f"Hello {facts.client_name},",
            rows=(*_rows(facts), ("Charged to", facts.method)),
            paragraphs=(
                reason,
                f"{_what(facts)[0].upper()}{_what(facts)[1:]} is still open. Please pay it in the portal "
                "with this or another card or bank account.",
                again,
            ),
            action=("Pay the invoice", link) if link else None,
        ),
        merchant,
    )

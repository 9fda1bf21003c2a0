"""Emails about a client's bank-transfer account (not about one payment): to the client when the micro-deposits
have arrived; to the merchant when the processor suspended, deactivated or reactivated the client, or unverified
the client's bank. Pure rendering: no I/O."""

from dataclasses import dataclass

from shared.domain.merchant import Merchant
from shared.emails.email_layout import Email, Message, render


@dataclass(frozen=True)
class BankFacts:
    to: str
    client_id: str
    client_name: str
    bank_name: str
    last4: str


def render_micro_deposits_arrived(facts: BankFacts, merchant: Merchant) -> Email:
    link = f"{merchant.portal_url}/account" if merchant.portal_url else ""
    message = Message(
        heading="Your bank account is ready to verify",
        greeting=f"Hello {facts.client_name},",
        rows=(("Bank account", f"{facts.bank_name} account ending in {facts.last4}"),),
        paragraphs=(
            "The two small deposits we sent to check this account have arrived. Each is under 10 cents; "
            "look for them on your bank statement or in your banking app.",
            "Enter both amounts in Account Settings to verify the account. Then you can pay invoices from it "
            "by bank transfer (ACH).",
        ),
        action=("Verify it in Account Settings", link) if link else None,
        help_opening="Questions about bank payments?",
    )
    return render(facts.to, f"Verify your bank account ending in {facts.last4}", message, merchant)


# status -> (subject, what happened, what the merchant can do)
_STATUS = {
    "suspended": (
        "Bank transfers suspended for {name}",
        "Our payment processor (Dwolla) suspended the bank-transfer customer of {name} ({client_id}), "
        "usually after a bank returned a payment with a code such as R05, R10, R16 or R29. {name} cannot "
        "start a bank transfer and is asked to pay by card.",
        "Only Dwolla can lift a suspension: look at the returned payment, then contact Dwolla's support.",
    ),
    "deactivated": (
        "Bank transfers turned off for {name}",
        "Our payment processor (Dwolla) deactivated the bank-transfer customer of {name} ({client_id}), "
        "usually after a bank returned a payment as not authorized (R07, R11). {name} cannot start a "
        "bank transfer and is asked to pay by card.",
        "Once you have checked with the client, Dwolla's API can reactivate the customer "
        '(POST /customers/{{id}} with status "reactivated").',
    ),
    "active": (
        "Bank transfers available again for {name}",
        "Our payment processor (Dwolla) reactivated the bank-transfer customer of {name} ({client_id}). "
        "{name} can pay by bank transfer again.",
        "",
    ),
}


def render_ach_status(to: str, client_id: str, client_name: str, status: str, merchant: Merchant) -> Email:
    subject, happened, todo = (part.format(name=client_name, client_id=client_id) for part in _STATUS[status])
    message = Message(
        heading=subject,
        greeting="Hello,",
        rows=(
            ("Client", f"{client_name} ({client_id})"),
            ("Bank transfers", "available" if status == "active" else status),
        ),
        paragraphs=tuple(
            p
            for p in (
                happened,
                "Payments already under way are not affected: each still settles or fails on its own.",
                todo,
            )
            if p
        ),
    )
    return render(to, subject, message, merchant)


def render_bank_unverified(to: str, facts: BankFacts, merchant: Merchant) -> Email:
    subject = f"Bank account of {facts.client_name} needs verifying again"
    message = Message(
        heading=subject,
        greeting="Hello,",
        rows=(
            ("Client", f"{facts.client_name} ({facts.client_id})"),
            ("Bank account", f"{facts.bank_name} account ending in {facts.last4}"),
        ),
        paragraphs=(
            "Our payment processor (Dwolla) unverified this bank account after a bank return "
            "(for example R22). New micro-deposits were sent; the client's portal asks them to "
            "verify it again, and until then they pay by card or with another account.",
            "Payments already under way are not affected: each still settles or fails on its own.",
        ),
    )
    return render(to, subject, message, merchant)

"""Emails when money goes back: the client's refund receipt, and the merchant's dispute, refund and early fraud
warning notices. Pure."""

from dataclasses import dataclass

from shared.domain.merchant import Merchant
from shared.domain.money import format_amount
from shared.emails.email_layout import Email, Message, local_time, render
from shared.emails.receipts import receipt_number


def _email(
    to: str,
    subject: str,
    greeting: str,
    lines: list[str],
    merchant: Merchant,
    link: str = "",
    *,
    heading: str = "",
    amount: str = "",
) -> Email:
    return render(
        to,
        subject,
        Message(
            heading=heading or subject,
            greeting=greeting,
            amount=amount,
            paragraphs=tuple(line for line in lines if line),
            action=("View the invoice", link) if link else None,
        ),
        merchant,
    )


@dataclass(frozen=True)
class RefundFacts:
    to: str
    client_name: str
    invoice_number: str
    invoice_id: str
    amount: int
    currency: str
    method_line: str  # "Visa ending in 4242" / "Sandbox Bank account ending in 0000"
    by_card: bool
    refund_id: str
    payment_id: str
    refunded_at: str  # ISO 8601 UTC
    balance_after: int
    # The merchant's reason for the refund is internal (written for the back office): never shown here.


def render_refund_receipt(facts: RefundFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    timing = (
        "Card refunds usually appear on your statement within 5-10 business days."
        if facts.by_card
        else "Bank refunds usually arrive within 3-5 business days."
    )
    balance = (
        "This invoice has nothing left to pay."
        if facts.balance_after == 0
        else f"Balance now due on this invoice: {format_amount(facts.balance_after, facts.currency)}."
    )
    link = merchant.invoice_link(facts.invoice_id)
    message = Message(
        heading=f"Refund from {merchant.name}",
        amount=amount,
        caption=f"Refunded {local_time(facts.refunded_at, merchant)}",
        greeting=f"Hello {facts.client_name},",
        rows=(
            ("Refund number", receipt_number(facts.refund_id)),
            ("Original payment", receipt_number(facts.payment_id)),
            ("Invoice", facts.invoice_number),
            ("Refunded to", facts.method_line),
        ),
        paragraphs=(
            f"We have refunded {amount} of your payment for invoice {facts.invoice_number} to your "
            f"{facts.method_line}.",
            timing,
            balance,
        ),
        action=("View the invoice", link) if link else None,
        help_opening="Questions about this refund?",
    )
    return render(facts.to, f"Refund of {amount} for invoice {facts.invoice_number}", message, merchant)


def render_overpayment(
    to: str,
    client_name: str,
    client_id: str,
    invoice_number: str,
    payment_id: str,
    credited: int,
    currency: str,
    merchant: Merchant,
) -> Email:
    amount = format_amount(credited, currency)
    return _email(
        to,
        f"Overpayment of {amount} kept as credit: {client_name}, invoice {invoice_number}",
        "Hello,",
        [
            f"A payment for invoice {invoice_number} brought in {amount} more than the invoice owed (for example a "
            "duplicate charge by the processor). Nothing was lost: the extra is kept as credit on the client's account "
            "and shown to them.",
            f"Client: {client_name} ({client_id})",
            f"Payment: {payment_id}",
            f"To give it back, refund {amount} of payment {payment_id} in the back office "
            f"(POST /admin/payments/{payment_id}/refunds); the refund comes off the credit first.",
        ],
        merchant,
        heading="Overpayment kept as credit",
        amount=amount,
    )


@dataclass(frozen=True)
class DisputeFacts:
    to: str
    client_name: str
    client_id: str
    invoice_number: str
    payment_id: str
    processor_payment_id: str
    dispute_id: str
    amount: int
    currency: str
    phase: str  # see _DISPUTE_NOTICES


# phase -> (subject, what happened); amounts are the disputed amount, or the money moved for withdrawn/reinstated.
_DISPUTE_NOTICES = {
    "inquiry": (
        "Dispute inquiry: {amount} on invoice {invoice}",
        "The cardholder's bank asked about a payment of {amount} (an inquiry: no money has moved). Answer "
        "with evidence in the Stripe dashboard, or refund the payment in full, before the deadline Stripe "
        "shows, or the bank may turn it into a chargeback. The invoice is unchanged.",
    ),
    "opened": (
        "Dispute opened: {amount} on invoice {invoice}",
        "The cardholder's bank opened a dispute (chargeback) on a payment of {amount}. Respond with evidence "
        "in the Stripe dashboard before the deadline Stripe shows.",
    ),
    "withdrawn": (
        "Chargeback: {amount} taken back on invoice {invoice}",
        "Stripe withdrew {amount} for a chargeback: it no longer counts as paid (the client's credit from "
        "this payment first, then the invoice, which is owed again).",
    ),
    "reinstated": (
        "Chargeback reversed: {amount} back on invoice {invoice}",
        "Stripe gave back {amount} withdrawn for a chargeback; it counts as paid on the invoice again.",
    ),
    "won": (
        "Dispute won: {amount} on invoice {invoice}",
        "The dispute on the payment of {amount} was decided in your favour; the payment stands.",
    ),
    "lost": (
        "Dispute lost: {amount} on invoice {invoice}",
        "The dispute on the payment of {amount} was lost: the bank keeps the money it took back.",
    ),
    "inquiry_closed": (
        "Dispute inquiry closed: {amount} on invoice {invoice}",
        "The bank closed its inquiry about the payment of {amount}; nothing was taken back.",
    ),
    "prevented": (
        "Dispute prevented: {amount} on invoice {invoice}",
        "The cardholder's bank stopped a dispute on the payment of {amount} before it became a chargeback, "
        "by refunding the cardholder (for example Visa's Rapid Dispute Resolution). That refund is counted "
        "on the invoice like any other; no chargeback fee applies.",
    ),
}


def render_dispute(facts: DisputeFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    subject, what = (text.format(amount=amount, invoice=facts.invoice_number) for text in _DISPUTE_NOTICES[facts.phase])
    return _email(
        facts.to,
        subject,
        "Hello,",
        [
            what,
            f"Client: {facts.client_name} ({facts.client_id})",
            f"Invoice: {facts.invoice_number}",
            f"Payment: {facts.payment_id} (Stripe PaymentIntent {facts.processor_payment_id})",
            f"Dispute: {facts.dispute_id}",
        ],
        merchant,
        heading=f"Dispute {facts.phase}",
        amount=amount,
    )


def render_outside_refund(
    to: str,
    client_name: str,
    client_id: str,
    invoice_number: str,
    payment_id: str,
    processor_payment_id: str,
    processor_refund_id: str,
    amount: int,
    currency: str,
    merchant: Merchant,
) -> Email:
    money = format_amount(amount, currency)
    return _email(
        to,
        f"Refund of {money} made outside the portal: {client_name}, invoice {invoice_number}",
        "Hello,",
        [
            f"Stripe reports a refund of {money} that was not made through the portal's back office (it was made in "
            "the Stripe Dashboard, or by Stripe itself, for example to settle a dispute before it became a chargeback).",
            "It is counted exactly like a refund made through the back office: the invoice and the payment history "
            "show it, and the client gets the usual refund receipt. Nothing more to do if you meant it.",
            f"Client: {client_name} ({client_id})",
            f"Invoice: {invoice_number}",
            f"Payment: {payment_id} (Stripe PaymentIntent {processor_payment_id})",
            f"Stripe refund: {processor_refund_id}",
        ],
        merchant,
        heading="Refund made outside the portal",
        amount=money,
    )


@dataclass(frozen=True)
class WarningFacts:
    to: str
    client_name: str
    client_id: str
    invoice_number: str
    payment_id: str
    processor_payment_id: str
    warning_id: str
    fraud_type: str
    actionable: bool
    amount: int
    currency: str
    refunded: int | None  # cents refunded automatically (RefundOnEarlyFraudWarning), None when not


def render_early_fraud_warning(facts: WarningFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    if facts.refunded:
        refunded = format_amount(facts.refunded, facts.currency)
        advice = (
            f"As this stack is set up to do (RefundOnEarlyFraudWarning), {refunded} was refunded at once, "
            "which usually prevents the dispute and its fee."
        )
    elif facts.actionable:
        advice = (
            "Stripe advises refunding a payment that gets an early fraud warning: a dispute usually follows, "
            "with a fee, even when it is won. Refund it in the back office "
            f"(POST /admin/payments/{facts.payment_id}/refunds) if you cannot confirm the payment is genuine."
        )
    else:
        advice = "The payment is already disputed or fully refunded, so there is nothing to do now."
    return _email(
        facts.to,
        f"Early fraud warning: {amount} on invoice {facts.invoice_number}",
        "Hello,",
        [
            f"The card issuer reported the payment of {amount} as possibly fraudulent "
            f"({facts.fraud_type.replace('_', ' ')}).",
            advice,
            f"Client: {facts.client_name} ({facts.client_id})",
            f"Invoice: {facts.invoice_number}",
            f"Payment: {facts.payment_id} (Stripe PaymentIntent {facts.processor_payment_id})",
            f"Warning: {facts.warning_id}",
        ],
        merchant,
        heading="Early fraud warning",
        amount=amount,
    )

"""Emails when money goes back: the client's refund receipt, and the merchant's dispute notices. Pure."""

from dataclasses import dataclass
from html import escape

from shared.merchant import Merchant
from shared.money import format_amount
from shared.receipts import Email


def _email(to: str, subject: str, greeting: str, lines: list[str], merchant: Merchant, link: str = "") -> Email:
    help_line = merchant.help_line()
    text = "\n".join([greeting, "", *lines, *([f"View the invoice: {link}"] if link else []), "", help_line, "",
                      merchant.name])
    html = (f"<html><body><p>{escape(greeting)}</p>" + "".join(f"<p>{escape(line)}</p>" for line in lines if line)
            + (f"<p><a href=\"{escape(link)}\">View the invoice</a></p>" if link else "")
            + f"<p>{escape(help_line)}</p><p>{escape(merchant.name)}</p></body></html>")
    return Email(to=to, subject=subject, text=text, html=html)


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
    reason: str
    refund_id: str
    payment_id: str
    balance_after: int


def render_refund_receipt(facts: RefundFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    timing = ("Card refunds usually appear on your statement within 5-10 business days." if facts.by_card
              else "Bank refunds usually arrive within 3-5 business days.")
    balance = ("This invoice has nothing left to pay." if facts.balance_after == 0 else
               f"Balance now due on this invoice: {format_amount(facts.balance_after, facts.currency)}.")
    link = merchant.invoice_link(facts.invoice_id)
    return _email(facts.to, f"Refund of {amount} for invoice {facts.invoice_number}",
                  f"Hello {facts.client_name},", [
                      f"We have refunded {amount} of your payment {facts.payment_id} for invoice "
                      f"{facts.invoice_number} to your {facts.method_line}.",
                      f"Reason: {facts.reason}", timing, balance, f"Refund reference: {facts.refund_id}", ""],
                  merchant, link)


def render_overpayment(to: str, client_name: str, client_id: str, invoice_number: str, payment_id: str,
                       credited: int, currency: str, merchant: Merchant) -> Email:
    amount = format_amount(credited, currency)
    return _email(to, f"Overpayment of {amount} kept as credit: {client_name}, invoice {invoice_number}", "Hello,", [
        f"A payment for invoice {invoice_number} brought in {amount} more than the invoice owed (for example a "
        "duplicate charge by the processor). Nothing was lost: the extra is kept as credit on the client's account "
        "and shown to them.",
        f"Client: {client_name} ({client_id})", f"Payment: {payment_id}",
        f"To give it back, refund {amount} of payment {payment_id} in the back office "
        f"(POST /admin/payments/{payment_id}/refunds); the refund comes off the credit first.", ""], merchant)


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
    "inquiry": ("Dispute inquiry: {amount} on invoice {invoice}",
                "The cardholder's bank asked about a payment of {amount} (an inquiry: no money has moved). Answer "
                "with evidence in the Stripe dashboard, or refund the payment in full, before the deadline Stripe "
                "shows, or the bank may turn it into a chargeback. The invoice is unchanged."),
    "opened": ("Dispute opened: {amount} on invoice {invoice}",
               "The cardholder's bank opened a dispute (chargeback) on a payment of {amount}. Respond with evidence "
               "in the Stripe dashboard before the deadline Stripe shows."),
    "withdrawn": ("Chargeback: {amount} taken back on invoice {invoice}",
                  "Stripe withdrew {amount} for a chargeback: it no longer counts as paid (the client's credit from "
                  "this payment first, then the invoice, which is owed again)."),
    "reinstated": ("Chargeback reversed: {amount} back on invoice {invoice}",
                   "Stripe gave back {amount} withdrawn for a chargeback; it counts as paid on the invoice again."),
    "won": ("Dispute won: {amount} on invoice {invoice}",
            "The dispute on the payment of {amount} was decided in your favour; the payment stands."),
    "lost": ("Dispute lost: {amount} on invoice {invoice}",
             "The dispute on the payment of {amount} was lost: the bank keeps the money it took back."),
    "inquiry_closed": ("Dispute inquiry closed: {amount} on invoice {invoice}",
                       "The bank closed its inquiry about the payment of {amount}; nothing was taken back."),
}


def render_dispute(facts: DisputeFacts, merchant: Merchant) -> Email:
    amount = format_amount(facts.amount, facts.currency)
    subject, what = (text.format(amount=amount, invoice=facts.invoice_number)
                     for text in _DISPUTE_NOTICES[facts.phase])
    return _email(facts.to, subject, "Hello,", [
        what, f"Client: {facts.client_name} ({facts.client_id})", f"Invoice: {facts.invoice_number}",
        f"Payment: {facts.payment_id} (Stripe PaymentIntent {facts.processor_payment_id})",
        f"Dispute: {facts.dispute_id}", ""], merchant)

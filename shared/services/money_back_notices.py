"""Send the refund receipt (to the client) and the dispute notices (to the merchant), each once: a ledger
entry per email is claimed before sending and marked sent after (shared.services.email_ledger)."""

from collections.abc import Callable

from shared.aws.models import Client, Invoice, Payment, Refund
from shared.aws.store import money_of
from shared.domain.merchant import Merchant
from shared.emails.money_back_emails import (
    DisputeFacts,
    RefundFacts,
    WarningFacts,
    render_dispute,
    render_early_fraud_warning,
    render_outside_refund,
    render_overpayment,
    render_refund_receipt,
)
from shared.emails.receipts import Email, method_line
from shared.services.email_ledger import send_once


def send_refund_receipt(job: dict, *, merchant: Merchant, send: Callable[[Email, str], str]) -> str:
    try:
        refund = Refund.get(job["client_id"], job["refund_id"], consistent_read=True)
        payment = Payment.get(refund.client_id, refund.payment_id)
        invoice = Invoice.get(refund.client_id, refund.invoice_id)
        client = Client.get(refund.client_id)
    except (Refund.DoesNotExist, Payment.DoesNotExist, Invoice.DoesNotExist, Client.DoesNotExist):
        return "unknown_refund"
    if refund.status != "succeeded":
        return "not_applicable"
    by_card = payment.method == "card"
    paid_with = (
        method_line(payment.card_brand, payment.card_last4)
        if by_card
        else f"{payment.bank_name or 'bank'} account ending in {payment.bank_last4}"
    )
    email = render_refund_receipt(
        RefundFacts(
            to=client.billing_email,
            client_name=client.name,
            invoice_number=invoice.number,
            invoice_id=invoice.invoice_id,
            amount=refund.amount,
            currency=refund.currency,
            method_line=paid_with,
            by_card=by_card,
            refund_id=refund.refund_id,
            payment_id=payment.payment_id,
            refunded_at=refund.created_at,
            balance_after=money_of(invoice).balance,
        ),
        merchant,
    )
    return send_once(
        f"email:refund_receipt:{refund.client_id}:{refund.refund_id}",
        "refund_receipt",
        email,
        merchant.sender_email,
        send,
    )


def send_dispute_notice(
    job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str]
) -> str:
    records = _payment_records(job)
    if records is None:
        return "unknown_payment"
    payment, invoice, client = records
    email = render_dispute(
        DisputeFacts(
            to=merchant_email,
            client_name=client.name,
            client_id=client.client_id,
            invoice_number=invoice.number,
            payment_id=payment.payment_id,
            processor_payment_id=payment.processor_payment_id or "",
            dispute_id=job["dispute_id"],
            amount=job.get("amount", payment.amount),
            currency=payment.currency,
            phase=job["phase"],
        ),
        merchant,
    )
    return send_once(f"email:dispute:{job['dispute_id']}:{job['phase']}", "dispute", email, merchant.sender_email, send)


def send_overpayment_flag(
    job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str]
) -> str:
    records = _payment_records(job)
    if records is None:
        return "unknown_payment"
    payment, invoice, client = records
    if not payment.credited_amount:
        return "not_applicable"  # refunded since
    email = render_overpayment(
        merchant_email,
        client.name,
        client.client_id,
        invoice.number,
        payment.payment_id,
        payment.credited_amount,
        payment.currency,
        merchant,
    )
    return send_once(f"email:overpayment:{payment.payment_id}", "overpayment", email, merchant.sender_email, send)


def send_outside_refund_notice(
    job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str]
) -> str:
    try:
        refund = Refund.get(job["client_id"], job["refund_id"], consistent_read=True)
    except Refund.DoesNotExist:
        return "unknown_refund"
    records = _payment_records({"client_id": refund.client_id, "payment_id": refund.payment_id})
    if records is None:
        return "unknown_payment"
    payment, invoice, client = records
    email = render_outside_refund(
        merchant_email,
        client.name,
        client.client_id,
        invoice.number,
        payment.payment_id,
        payment.processor_payment_id or "",
        refund.processor_refund_id or "",
        refund.amount,
        refund.currency,
        merchant,
    )
    return send_once(f"email:outside_refund:{refund.refund_id}", "outside_refund", email, merchant.sender_email, send)


def send_early_fraud_warning(
    job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str]
) -> str:
    records = _payment_records(job)
    if records is None:
        return "unknown_payment"
    payment, invoice, client = records
    refunded = None
    if job.get("refund_id"):
        try:
            refunded = Refund.get(payment.client_id, job["refund_id"]).amount
        except Refund.DoesNotExist:
            refunded = None
    email = render_early_fraud_warning(
        WarningFacts(
            to=merchant_email,
            client_name=client.name,
            client_id=client.client_id,
            invoice_number=invoice.number,
            payment_id=payment.payment_id,
            processor_payment_id=payment.processor_payment_id or "",
            warning_id=job["warning_id"],
            fraud_type=job.get("fraud_type", "unknown"),
            actionable=bool(job.get("actionable")),
            amount=payment.amount,
            currency=payment.currency,
            refunded=refunded,
        ),
        merchant,
    )
    # Once per warning, whichever of its created and updated events queued it first.
    return send_once(
        f"email:early_fraud_warning:{job['warning_id']}", "early_fraud_warning", email, merchant.sender_email, send
    )


def _payment_records(job: dict) -> tuple[Payment, Invoice, Client] | None:
    try:
        payment = Payment.get(job["client_id"], job["payment_id"])
        return payment, Invoice.get(payment.client_id, payment.invoice_id), Client.get(payment.client_id)
    except (Payment.DoesNotExist, Invoice.DoesNotExist, Client.DoesNotExist):
        return None

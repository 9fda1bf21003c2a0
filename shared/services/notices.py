"""Emails about a payment, each sent once through the email ledger (shared/services/email_ledger.py): the
receipt (and each receipt the client asked to be sent again), and for bank transfers the "initiated" and
"failed" notices. A job may arrive more than once (webhook retries, SQS redelivery); the ledger entry, not the
payment, is what is claimed."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice, Payment
from shared.aws.store import get_many, money_of
from shared.books.ledger import PaymentBalances
from shared.domain import clock
from shared.domain.merchant import Merchant
from shared.domain.payment_states import FAILED, SUCCEEDED
from shared.emails.ach_emails import AchFacts, render_ach_initiated, render_payment_failed
from shared.emails.receipts import RECEIPTED, Email, ReceiptFacts, method_line, render_receipt
from shared.processors.card import CardDetails
from shared.services.email_ledger import claim_email, mark_sent

log = Logger(child=True)


@dataclass(frozen=True)
class _Kind:
    ready: Callable[[Payment], bool]  # is the payment in a state this email describes?


KINDS = {
    "receipt": _Kind(lambda p: p.status == SUCCEEDED),
    "receipt_resend": _Kind(lambda p: p.status in RECEIPTED),
    "ach_initiated": _Kind(lambda p: p.method == "ach"),
    "payment_failed": _Kind(lambda p: p.method == "ach" and p.status == FAILED),
}


def ledger_key(kind: str, client_id: str, payment_id: str, resend_at: int | None = None) -> str:
    """One ledger entry per email: a resend is its own email, named by when it was asked for."""
    base = f"{kind}:{client_id}:{payment_id}"
    return base if resend_at is None else f"{base}:{resend_at}"


def send_notice(
    kind: str,
    client_id: str,
    payment_id: str,
    *,
    merchant: Merchant,
    send: Callable[[Email, str], str],
    card_details: Callable[[str], CardDetails | None],
    resend_at: int | None = None,
) -> str:
    """Raises AlreadySent / NoticeBusy (from the ledger) to the worker."""
    spec = KINDS.get(kind)
    if spec is None:
        log.error("unknown notice kind", extra={"kind": kind, "payment_id": payment_id})
        return "unknown_kind"
    try:
        payment = Payment.get(client_id, payment_id, consistent_read=True)
    except Payment.DoesNotExist:
        log.error("notice for an unknown payment", extra={"payment_id": payment_id, "kind": kind})
        return "unknown_payment"
    if not spec.ready(payment):
        log.warning(
            "notice no longer matches the payment",
            extra={"payment_id": payment_id, "kind": kind, "status": payment.status},
        )
        return "not_applicable"

    key = ledger_key(kind, client_id, payment_id, resend_at)
    claim_email(key, kind)
    # One request: the client and the payment's invoice(s) (a payment of several invoices has one receipt for all).
    client, *invoices = get_many((Client, client_id), *((Invoice, client_id, i) for i in payment.invoice_ids))
    invoice = invoices[0]
    actions: list[Any] = []
    if kind in ("receipt", "receipt_resend"):
        email, actions = _receipt(payment, invoices, client, merchant, card_details)
        actions.append(Payment.receipt_sent_at.set(clock.now_iso()))
    else:
        facts = AchFacts(
            to=client.billing_email,
            client_name=client.name,
            invoice_number=", ".join(i.number for i in invoices if i is not None),
            invoice_id=invoice.invoice_id,
            amount=payment.amount,
            currency=payment.currency,
            bank_name=payment.bank_name or "bank",
            last4=payment.bank_last4 or "",
            payment_id=payment.payment_id,
            created_at=payment.created_at,
            failure_message=payment.failure_message,
            failure_code=payment.failure_code,
            authorization=payment.ach_authorization.text if payment.ach_authorization else None,
        )
        email = (render_ach_initiated if kind == "ach_initiated" else render_payment_failed)(facts, merchant)
    message_id = send(email, merchant.sender_email)
    mark_sent(key)
    if actions:  # shown on the payment (receipt_sent, the card): no condition, nothing here counts money
        payment.update(actions=actions, add_version_condition=False)
    log.info("notice sent", extra={"payment_id": payment_id, "kind": kind, "message_id": message_id})
    return "sent"


def _receipt(
    payment: Payment,
    invoices: list[Invoice],
    client: Client,
    merchant: Merchant,
    card_details: Callable[[str], CardDetails | None],
) -> tuple[Email, list]:
    invoice = invoices[0]
    card_actions: list[Any] = []
    if payment.method == "ach":
        paid_with = f"{payment.bank_name or 'Bank'} account ending in {payment.bank_last4}"
    else:
        brand, last4 = payment.card_brand, payment.card_last4
        if brand is None and payment.processor_method_id:
            details = card_details(payment.processor_method_id)
            if details:
                brand, last4 = details.brand, details.last4
                card_actions = [Payment.card_brand.set(brand), Payment.card_last4.set(last4)]
        paid_with = method_line(brand, last4)
    email = render_receipt(
        ReceiptFacts(
            to=client.billing_email,
            client_name=client.name,
            invoice_number=invoice.number,
            invoice_id=invoice.invoice_id,
            amount=payment.amount,
            currency=payment.currency,
            method_line=paid_with,
            paid_at=payment.succeeded_at or clock.now_iso(),
            invoice_total=invoice.total + invoice.fees,
            paid_to_date=invoice.amount_paid,
            remaining_balance=money_of(invoice).balance,
            payment_id=payment.payment_id,
            invoices=_paid_on_each(payment, invoices),
            card_fee=int(payment.card_fee or 0),
        ),
        merchant,
    )
    return email, card_actions


def _paid_on_each(payment: Payment, invoices: list[Invoice]) -> tuple[tuple[str, int, int], ...]:
    """(number, paid on it, still owed) per invoice of a payment of several invoices; () for one invoice."""
    if len(invoices) < 2:
        return ()
    paid = PaymentBalances(payment.balance_map())
    return tuple((i.number, paid.paid(i.invoice_id), money_of(i).balance) for i in invoices if i is not None)

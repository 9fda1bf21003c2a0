"""Emails about a payment, each sent once: the receipt, and for bank transfers the "initiated" and
"failed" notices. A job may arrive more than once (webhook retries, SQS redelivery), so the payment is
claimed with a conditional write before sending and marked sent after. A claim expires, so a worker that
died mid-way does not block the email forever; SQS retries and then its DLQ keep a failing send from being
lost. The one way to get two emails is a worker dying after SES accepted the message and before the mark:
SES has no idempotency key, so that window can only be kept small."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from shared import clock
from shared.ach_emails import AchFacts, render_ach_initiated, render_payment_failed
from shared.merchant import Merchant
from shared.models import Client, Invoice, Payment
from shared.payment_states import FAILED, SUCCEEDED
from shared.processors.card import CardDetails
from shared.receipts import Email, ReceiptFacts, method_line, render_receipt
from shared.store import money_of

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120


class NoticeBusy(Exception):
    """Another worker holds the claim; let the queue deliver this job again later."""


@dataclass(frozen=True)
class _Kind:
    status: object  # the Payment attribute holding none | sending | sent
    claimed_until: object
    ready: Callable[[Payment], bool]  # is the payment in a state this email describes?


KINDS = {
    "receipt": _Kind(Payment.receipt_status, Payment.receipt_claimed_until, lambda p: p.status == SUCCEEDED),
    "ach_initiated": _Kind(Payment.initiated_notice_status, Payment.initiated_notice_claimed_until,
                           lambda p: p.method == "ach"),
    "payment_failed": _Kind(Payment.failure_notice_status, Payment.failure_notice_claimed_until,
                            lambda p: p.method == "ach" and p.status == FAILED),
}


def send_notice(kind: str, client_id: str, payment_id: str, *, merchant: Merchant,
                send: Callable[[Email, str], str],
                card_details: Callable[[str], CardDetails | None]) -> str:
    spec = KINDS.get(kind)
    if spec is None:
        log.error("unknown notice kind", extra={"kind": kind, "payment_id": payment_id})
        return "unknown_kind"
    try:
        payment = Payment.get(client_id, payment_id, consistent_read=True)
    except Payment.DoesNotExist:
        log.error("notice for an unknown payment", extra={"payment_id": payment_id, "kind": kind})
        return "unknown_payment"
    if getattr(payment, spec.status.attr_name) == "sent":
        return "already_sent"
    if not spec.ready(payment):
        log.warning("notice no longer matches the payment", extra={"payment_id": payment_id, "kind": kind,
                                                                    "status": payment.status})
        return "not_applicable"

    now = int(clock.now().timestamp())
    try:
        payment.update(actions=[spec.status.set("sending"), spec.claimed_until.set(now + CLAIM_SECONDS)],
                       condition=(spec.status == "none") | ((spec.status == "sending") & (spec.claimed_until < now)),
                       add_version_condition=False)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NoticeBusy(payment_id) from exc
        raise

    invoice = Invoice.get(client_id, payment.invoice_id)
    client = Client.get(client_id)
    actions = [spec.status.set("sent")]
    if kind == "receipt":
        email, card_actions = _receipt(payment, invoice, client, merchant, card_details)
        actions += card_actions
    else:
        facts = AchFacts(to=client.billing_email, client_name=client.name, invoice_number=invoice.number,
                         invoice_id=invoice.invoice_id, amount=payment.amount, currency=payment.currency,
                         bank_name=payment.bank_name or "bank", last4=payment.bank_last4 or "",
                         payment_id=payment.payment_id, created_at=payment.created_at,
                         failure_message=payment.failure_message, failure_code=payment.failure_code)
        email = (render_ach_initiated if kind == "ach_initiated" else render_payment_failed)(facts, merchant)
    message_id = send(email, merchant.sender_email)
    payment.update(actions=actions, condition=spec.status == "sending", add_version_condition=False)
    log.info("notice sent", extra={"payment_id": payment_id, "kind": kind, "message_id": message_id})
    return "sent"


def _receipt(payment: Payment, invoice: Invoice, client: Client, merchant: Merchant,
             card_details: Callable[[str], CardDetails | None]) -> tuple[Email, list]:
    card_actions = []
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
    email = render_receipt(ReceiptFacts(
        to=client.billing_email, client_name=client.name, invoice_number=invoice.number,
        invoice_id=invoice.invoice_id, amount=payment.amount, currency=payment.currency, method_line=paid_with,
        paid_at=payment.succeeded_at or clock.now_iso(), invoice_total=invoice.total + invoice.fees,
        paid_to_date=invoice.amount_paid, remaining_balance=money_of(invoice).balance, payment_id=payment.payment_id,
    ), merchant)
    return email, card_actions

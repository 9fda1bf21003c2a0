"""Send a payment's receipt once. The job may arrive more than once (webhook retries, SQS redelivery), so
the payment is claimed with a conditional write before sending and marked sent after. A claim expires,
so a worker that died mid-way does not block the receipt forever; SQS retries and then its DLQ keep a
failing send from being lost."""

import logging
from collections.abc import Callable

from pynamodb.exceptions import UpdateError

from shared import clock
from shared.merchant import Merchant
from shared.models import Client, Invoice, Payment
from shared.payment_states import SUCCEEDED
from shared.processors.card import CardDetails
from shared.receipts import Email, ReceiptFacts, method_line, render_receipt
from shared.store import money_of

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120


class ReceiptBusy(Exception):
    """Another worker holds the claim; let the queue deliver this job again later."""


def send_receipt(client_id: str, payment_id: str, *, merchant: Merchant,
                 send: Callable[[Email, str], str],
                 card_details: Callable[[str], CardDetails | None]) -> str:
    try:
        payment = Payment.get(client_id, payment_id, consistent_read=True)
    except Payment.DoesNotExist:
        log.error("receipt job for an unknown payment", extra={"payment_id": payment_id})
        return "unknown_payment"
    if payment.receipt_status == "sent":
        return "already_sent"
    if payment.status != SUCCEEDED:
        log.warning("receipt job for a payment that has not succeeded", extra={"payment_id": payment_id})
        return "not_succeeded"

    now = int(clock.now().timestamp())
    try:
        payment.update(actions=[Payment.receipt_status.set("sending"),
                                Payment.receipt_claimed_until.set(now + CLAIM_SECONDS)],
                       condition=(Payment.receipt_status == "none")
                       | ((Payment.receipt_status == "sending") & (Payment.receipt_claimed_until < now)),
                       add_version_condition=False)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise ReceiptBusy(payment_id) from exc
        raise

    invoice = Invoice.get(client_id, payment.invoice_id)
    client = Client.get(client_id)
    brand, last4 = payment.card_brand, payment.card_last4
    if brand is None and payment.processor_method_id:
        details = card_details(payment.processor_method_id)
        if details:
            brand, last4 = details.brand, details.last4
    email = render_receipt(ReceiptFacts(
        to=client.billing_email, client_name=client.name, invoice_number=invoice.number,
        invoice_id=invoice.invoice_id, amount=payment.amount, currency=payment.currency,
        method_line=method_line(brand, last4), paid_on=(payment.succeeded_at or clock.now_iso())[:10],
        remaining_balance=money_of(invoice).balance, payment_id=payment.payment_id,
    ), merchant)
    message_id = send(email, merchant.sender_email)

    actions = [Payment.receipt_status.set("sent")]
    if brand:
        actions += [Payment.card_brand.set(brand), Payment.card_last4.set(last4)]
    payment.update(actions=actions, condition=Payment.receipt_status == "sending", add_version_condition=False)
    log.info("receipt sent", extra={"payment_id": payment_id, "message_id": message_id})
    return "sent"

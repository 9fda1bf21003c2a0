"""Refunds, decided by the merchant and final when the processor says so.

Starting one is record-first, like an ACH payment: one transaction writes the refund as `pending` and adds
its amount to the payment's refund_pending_amount (conditional on the payment's version), so two refunds
can never send back more than was paid. Then the processor is asked with an idempotency key derived from
the refund id. The final state (from the processor's immediate answer, a webhook, or the refund's transfer
events) goes through `apply_refund_outcome`: one transaction moves the refund, the payment, the invoice
(and the client's credit) and records the event, so it counts once whatever the order of arrival.

Money comes back off the client's credit first (an overpayment kept as credit), then off the invoice's
amount_paid, which reopens it; a correction also lowers the invoice total, so the invoice stays paid.
"""

import logging
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError

from shared import clock
from shared.errors import Conflict, NotFound, Unprocessable
from shared.invoices import InvoiceMoney, derive_status
from shared.models import Client, Invoice, LineItem, Payment, ProcessedEvent, Refund, RefundSummary
from shared.money import format_amount
from shared.payment_states import PARTIALLY_REFUNDED, REFUNDED, SUCCEEDED
from shared.processors.refunds import RefundProcessor, RefundRefused
from shared.refund_requests import parse_refund, refund_fingerprint, refund_id_for
from shared.services.payment_updates import record_event_only, record_of
from shared.store import get_many, lost_race, money_of, status_actions, write_transaction
from shared.jobs import Enqueue

log = logging.getLogger(__name__)
REFUNDABLE = (SUCCEEDED, PARTIALLY_REFUNDED)
PENDING, DONE, FAILED = "pending", "succeeded", "failed"
MAX_ATTEMPTS = 5


def payment_by_id(payment_id: str) -> Payment:
    found = next(iter(Payment.by_payment_id.query(payment_id, limit=1)), None)
    if found is None:
        raise NotFound("We couldn't find that payment.", code="payment_not_found")
    return Payment.get(found.client_id, payment_id, consistent_read=True)


def start_refund(payment_id: str, idempotency_key: str, body: object,
                 processor_for: Callable[[Payment], RefundProcessor],
                 enqueue: Enqueue) -> Refund:
    amount, reason, correction = parse_refund(body)
    payment = payment_by_id(payment_id)
    refund_id = refund_id_for(payment_id, idempotency_key)
    fingerprint = refund_fingerprint(payment_id, amount, reason, correction)
    for _ in range(MAX_ATTEMPTS):
        existing, payment = get_many((Refund, payment.client_id, refund_id), (Payment, payment.client_id, payment_id))
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise Unprocessable("This Idempotency-Key was already used for a different refund.",
                                    code="idempotency_key_reused")
            if existing.status == PENDING and existing.processor_refund_id is None:
                return _submit(existing, payment, processor_for(payment), enqueue)  # finish a cut-off try
            return existing
        if payment.status not in REFUNDABLE:
            raise Conflict(f"Only a payment that went through can be refunded; this one is {payment.status}.",
                           code="payment_not_refundable")
        refundable = payment.amount - payment.refunded_amount - payment.refund_pending_amount
        if amount > refundable:
            raise Unprocessable(f"At most {format_amount(refundable, payment.currency)} of this payment can still "
                                "be refunded.", code="amount_exceeds_refundable")
        created_at = clock.now_iso()
        refund = Refund(payment.client_id, refund_id, payment_id=payment_id, invoice_id=payment.invoice_id,
                        amount=amount, currency=payment.currency, reason=reason, correction=correction,
                        status=PENDING, created_at=created_at, request_fingerprint=fingerprint,
                        payment_key=f"{payment_id}#{created_at}#{refund_id}")
        summary = RefundSummary(refund_id=refund_id, amount=amount, status=PENDING, created_at=created_at)
        try:
            with write_transaction() as tx:
                tx.save(refund)  # condition: new
                tx.update(payment, actions=[  # condition: the version the refundable amount was checked on
                    Payment.refund_pending_amount.set(payment.refund_pending_amount + amount),
                    Payment.refunds.set((Payment.refunds | []).append([summary]))])
        except TransactWriteError as exc:
            if lost_race(exc):
                continue
            raise
        log.info("refund recorded", extra={"refund_id": refund_id, "payment_id": payment_id, "amount": amount})
        return _submit(refund, payment, processor_for(payment), enqueue)
    raise Conflict("The payment changed while refunding; try again with the same key.", code="concurrent_change")


def _submit(refund: Refund, payment: Payment, processor: RefundProcessor,
            enqueue: Enqueue) -> Refund:
    """Ask the processor; ProcessorUnavailable leaves the refund pending (the same request finishes it)."""
    try:
        result = processor.refund(
            processor_payment_id=payment.processor_payment_id, processor_method_id=payment.processor_method_id,
            amount=refund.amount, idempotency_key=f"refund:{refund.refund_id}",
            metadata={"client_id": refund.client_id, "payment_id": refund.payment_id, "refund_id": refund.refund_id})
    except RefundRefused as exc:
        log.warning("refund refused by the processor", extra={"refund_id": refund.refund_id})
        apply_refund_outcome(refund.client_id, refund.refund_id, FAILED, f"refund-refused:{refund.refund_id}",
                             "refund_refused", enqueue)
        raise Unprocessable(f"The processor refused the refund: {exc.message}", code="refund_refused") from None
    Refund(refund.client_id, refund.refund_id).update(
        actions=[Refund.processor_refund_id.set(result.processor_refund_id)],
        condition=Refund.processor_refund_id.does_not_exist() | (Refund.processor_refund_id == result.processor_refund_id),
        add_version_condition=False)
    if result.status in (DONE, FAILED):
        apply_refund_outcome(refund.client_id, refund.refund_id, result.status,
                             f"refund-submit:{refund.refund_id}:{result.status}", "refund_submit", enqueue)
    return Refund.get(refund.client_id, refund.refund_id, consistent_read=True)


def apply_refund_outcome(client_id: str, refund_id: str, status: str, event_key: str, event_type: str,
                         enqueue: Enqueue) -> str:
    """The refund became final (succeeded or failed). At most once per event, never backwards."""
    for _ in range(MAX_ATTEMPTS):
        refund, seen = get_many((Refund, client_id, refund_id), (ProcessedEvent, event_key))
        if refund is None:
            log.warning("outcome for an unknown refund", extra={"refund_id": refund_id})
            return "unknown_refund"
        if seen is not None:
            return "duplicate"
        if refund.status != PENDING:  # already final: a late or repeated report changes nothing
            record_event_only(event_key, event_type)
            return "ignored"
        payment, invoice, client = get_many((Payment, client_id, refund.payment_id),
                                            (Invoice, client_id, refund.invoice_id), (Client, client_id))
        try:
            _commit(refund, payment, invoice, client, status, event_key, event_type)
        except TransactWriteError as exc:
            if lost_race(exc):
                continue
            raise
        if status == DONE:
            enqueue({"kind": "refund_receipt", "client_id": client_id, "refund_id": refund_id,
                         "invoice_id": refund.invoice_id})
        log.info("refund final", extra={"refund_id": refund_id, "status": status})
        return "applied"
    raise Conflict("The payment kept changing; the processor will retry.", code="concurrent_change")


def _commit(refund: Refund, payment: Payment, invoice: Invoice, client: Client, status: str, event_key: str,
            event_type: str) -> None:
    summaries = [RefundSummary(refund_id=s.refund_id, amount=s.amount, created_at=s.created_at,
                               status=status if s.refund_id == refund.refund_id else s.status)
                 for s in payment.refunds]
    payment_actions = [Payment.refund_pending_amount.set(payment.refund_pending_amount - refund.amount),
                       Payment.refunds.set(summaries)]
    invoice_actions = []
    credit_part = 0
    if status == DONE:
        refunded = payment.refunded_amount + refund.amount
        payment_actions.append(Payment.refunded_amount.set(refunded))
        if payment.status in REFUNDABLE:
            payment_actions.append(Payment.status.set(REFUNDED if refunded >= payment.amount else PARTIALLY_REFUNDED))
        credit_part = min(refund.amount, payment.credited_amount, client.credit_balance if client else 0)
        if credit_part:
            payment_actions.append(Payment.credited_amount.set(payment.credited_amount - credit_part))
        invoice_part = refund.amount - credit_part
        money = money_of(invoice)
        total = money.total - invoice_part if refund.correction else money.total
        paid = max(0, money.amount_paid - invoice_part)
        new_status = derive_status(InvoiceMoney(total, money.fees, paid, money.amount_pending),
                                   void=invoice.status == "void")
        invoice_actions = [Invoice.amount_paid.set(paid), *status_actions(new_status, invoice)]
        if refund.correction and invoice_part:
            correction = LineItem(description=f"Correction: refund of {format_amount(invoice_part, invoice.currency)}",
                                  quantity=1, unit_amount=-invoice_part, amount=-invoice_part)
            invoice_actions += [Invoice.total.set(total),
                                Invoice.line_items.set(Invoice.line_items.append([correction]))]
    with write_transaction() as tx:
        tx.update(refund, actions=[Refund.status.set(status)], condition=Refund.status == PENDING)
        tx.update(payment, actions=payment_actions)  # conditional on the version read
        if invoice_actions:
            tx.update(invoice, actions=invoice_actions)
        if credit_part:
            tx.update(Client(refund.client_id), actions=[Client.credit_balance.add(-credit_part)],
                      condition=Client.credit_balance >= credit_part)
        tx.save(record_of(event_key, event_type), condition=ProcessedEvent.event_id.does_not_exist())

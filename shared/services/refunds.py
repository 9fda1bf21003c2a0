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

from collections.abc import Callable
from dataclasses import dataclass, field

from aws_lambda_powertools import Logger

from shared import clock
from shared.errors import Conflict, NotFound, Unprocessable
from shared.event_records import record_event_only, save_new
from shared.ledger import Entry, entry
from shared.models import Client, Invoice, LineItem, Payment, ProcessedEvent, Refund, RefundSummary
from shared.money import format_amount
from shared.payment_states import DISPUTED, PARTIALLY_REFUNDED, REFUNDED, SUCCEEDED, UpdateResult
from shared.postings import log_posted, move_credit, posting_actions
from shared.processors.refunds import RefundProcessor, RefundRefused
from shared.refund_requests import parse_refund, refund_fingerprint, refund_id_for
from shared.jobs import Enqueue
from shared.retries import TryAgain, until_won
from shared.store import get_many, write_transaction

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id
REFUNDABLE = (SUCCEEDED, PARTIALLY_REFUNDED)
HOLDS_MONEY = (SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED, DISPUTED)  # a refund's money can come off these
PENDING, DONE, FAILED = "pending", "succeeded", "failed"


def payment_by_id(payment_id: str) -> Payment:
    found = next(iter(Payment.by_payment_id.query(payment_id, limit=1)), None)
    if found is None:
        raise NotFound("We couldn't find that payment.", code="payment_not_found")
    return Payment.get(found.client_id, payment_id, consistent_read=True)


def start_refund(payment_id: str, idempotency_key: str, body: object,
                 processor_for: Callable[[Payment], RefundProcessor],
                 enqueue: Enqueue) -> Refund:
    amount, reason, correction = parse_refund(body)
    found = payment_by_id(payment_id)
    refund_id = refund_id_for(payment_id, idempotency_key)
    fingerprint = refund_fingerprint(payment_id, amount, reason, correction)

    def attempt() -> Refund:
        existing, payment = get_many((Refund, found.client_id, refund_id), (Payment, found.client_id, payment_id))
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
        with write_transaction() as tx:  # a lost race: until_won starts again on fresh data
            tx.save(refund)  # condition: new
            tx.update(payment, actions=[  # condition: the version the refundable amount was checked on
                Payment.refund_pending_amount.set(payment.refund_pending_amount + amount),
                Payment.refunds.set((Payment.refunds | []).append([summary]))])
        log.info("refund recorded", extra={"refund_id": refund_id, "payment_id": payment_id, "amount": amount})
        return _submit(refund, payment, processor_for(payment), enqueue)

    return until_won(attempt, message="The payment changed while refunding; try again with the same key.")


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
                         enqueue: Enqueue) -> UpdateResult:
    """The refund became final (succeeded or failed), or a succeeded refund's transfer came back (failed).
    At most once per event, never backwards otherwise."""

    def attempt() -> UpdateResult:
        refund, seen = get_many((Refund, client_id, refund_id), (ProcessedEvent, event_key))
        if refund is None:
            log.warning("outcome for an unknown refund", extra={"refund_id": refund_id})
            return UpdateResult("unknown_refund")
        if seen is not None:
            return UpdateResult("duplicate")
        returned = refund.status == DONE and status == FAILED  # e.g. the bank returned the credit transfer
        if refund.status != PENDING and not returned:  # already final: a late or repeated report changes nothing
            if record_event_only(event_key, event_type) == "duplicate":
                raise TryAgain
            return UpdateResult("ignored")
        payment, invoice, client = get_many((Payment, client_id, refund.payment_id),
                                            (Invoice, client_id, refund.invoice_id), (Client, client_id))
        change = _returned(refund, payment, event_key) if returned else _final(refund, payment, invoice, client,
                                                                                status, event_key)
        _commit(refund, payment, invoice, change, event_key, event_type)
        log_posted(change.entries, client_id, refund.invoice_id, processor_refund_id=refund.processor_refund_id)
        if change.anomaly:
            log.error("refund anomaly: money a person must look at", extra={
                "anomaly": change.anomaly, "refund_id": refund_id, "payment_id": refund.payment_id,
                "amount": refund.amount, "client_id": client_id, "invoice_id": refund.invoice_id})
        if change.status == DONE:
            enqueue({"kind": "refund_receipt", "client_id": client_id, "refund_id": refund_id,
                         "invoice_id": refund.invoice_id})
        log.info("refund final", extra={"refund_id": refund_id, "status": change.status})
        return UpdateResult("applied", change.payment_status or payment.status, change.anomaly)

    return until_won(attempt, message="The payment kept changing; the processor will retry.")


@dataclass(frozen=True)
class RefundChange:
    status: str  # the refund's new status
    was: str  # the refund's status it is written over (the condition)
    payment_actions: list
    entries: list[Entry] = field(default_factory=list)
    credit_delta: int = 0  # to the client's credit
    payment_status: str | None = None
    anomaly: str | None = None


def _final(refund: Refund, payment: Payment, invoice: Invoice, client: Client | None, status: str,
           key: str) -> RefundChange:
    actions = [Payment.refund_pending_amount.set(payment.refund_pending_amount - refund.amount),
               Payment.refunds.set(_summaries(payment, refund, status))]
    if status != DONE:
        return RefundChange(status, PENDING, actions)
    if payment.status not in HOLDS_MONEY:
        # The payment was returned by the bank while this refund was pending: the return already took back all
        # the merchant held, so nothing more comes off the invoice, and the money sent is a loss to look at.
        return RefundChange(status, PENDING, actions, anomaly="refund_after_return")
    refunded = payment.refunded_amount + refund.amount
    actions.append(Payment.refunded_amount.set(refunded))
    payment_status = None
    if payment.status in REFUNDABLE:
        payment_status = REFUNDED if refunded >= payment.amount else PARTIALLY_REFUNDED
        actions.append(Payment.status.set(payment_status))
    # Money comes back off the payment's part kept as credit first, then off the invoice.
    credit_part = min(refund.amount, payment.credited_amount, client.credit_balance if client else 0)
    if credit_part:
        actions.append(Payment.credited_amount.set(payment.credited_amount - credit_part))
    invoice_part = min(refund.amount - credit_part, invoice.amount_paid)
    at, ids = clock.now_iso(), {"payment_id": refund.payment_id, "refund_id": refund.refund_id}
    moves = [("refunded_from_credit", credit_part), ("refunded", invoice_part),
             ("correction", invoice_part if refund.correction else 0)]
    return RefundChange(status, PENDING, actions, [entry(k, a, key, at, **ids) for k, a in moves if a],
                        credit_delta=-credit_part, payment_status=payment_status)


def _returned(refund: Refund, payment: Payment, key: str) -> RefundChange:
    """A succeeded refund's money came back (its credit transfer was returned): the refund failed after all and
    the merchant owes that money to the client again, kept as the client's credit until it is sent again."""
    refunded = payment.refunded_amount - refund.amount
    actions = [Payment.refunded_amount.set(refunded), Payment.refunds.set(_summaries(payment, refund, FAILED))]
    if payment.status not in HOLDS_MONEY:
        return RefundChange(FAILED, DONE, actions, anomaly="refund_returned")
    payment_status = None
    if payment.status in REFUNDABLE + (REFUNDED,):
        payment_status = PARTIALLY_REFUNDED if refunded else SUCCEEDED
        actions.append(Payment.status.set(payment_status))
    actions.append(Payment.credited_amount.set(payment.credited_amount + refund.amount))
    owed = entry("refund_returned", refund.amount, key, clock.now_iso(), payment_id=refund.payment_id,
                 refund_id=refund.refund_id)
    return RefundChange(FAILED, DONE, actions, [owed], credit_delta=refund.amount, payment_status=payment_status,
                        anomaly="refund_returned")


def _summaries(payment: Payment, refund: Refund, status: str) -> list[RefundSummary]:
    return [RefundSummary(refund_id=s.refund_id, amount=s.amount, created_at=s.created_at,
                          status=status if s.refund_id == refund.refund_id else s.status) for s in payment.refunds]


def _commit(refund: Refund, payment: Payment, invoice: Invoice, change: RefundChange, event_key: str,
            event_type: str) -> None:
    invoice_actions = []
    if change.entries:
        invoice_actions, _ = posting_actions(invoice, change.entries)
        if refund.correction and any(e.kind == "correction" for e in change.entries):
            part = next(-e.amount for e in change.entries if e.kind == "correction")
            line = LineItem(description=f"Correction: refund of {format_amount(part, invoice.currency)}",
                            quantity=1, unit_amount=-part, amount=-part)
            invoice_actions.append(Invoice.line_items.set(Invoice.line_items.append([line])))
    with write_transaction() as tx:
        tx.update(refund, actions=[Refund.status.set(change.status)], condition=Refund.status == change.was)
        tx.update(payment, actions=change.payment_actions)  # conditional on the version read
        if invoice_actions:
            tx.update(invoice, actions=invoice_actions)  # likewise
        move_credit(tx, refund.client_id, change.credit_delta)
        save_new(tx, event_key, event_type)

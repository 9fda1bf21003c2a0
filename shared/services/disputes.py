"""Card disputes: every charge.dispute.* event Stripe sends (created, updated, funds_withdrawn,
funds_reinstated, closed) goes through `apply_dispute`, which finds the payment by its PaymentIntent and
applies `dispute_states.decide_dispute` in one transaction with the event record. So money moves only when
Stripe says funds moved, once, whatever the order of arrival. The merchant is emailed at each step.
"""

from aws_lambda_powertools import Logger

from shared import clock
from shared.dispute_states import DisputeChange, DisputeReport, DisputeState, PaymentMoney, decide_dispute
from shared.event_records import record_event_only, save_new
from shared.ledger import Entry, LedgerRefused, entry
from shared.models import Client, DisputeRecord, Invoice, Payment, ProcessedEvent
from shared.jobs import Enqueue
from shared.payment_states import UpdateResult
from shared.postings import log_posted, move_credit, posting_actions
from shared.retries import TryAgain, until_won
from shared.store import get_many, money_of, write_transaction

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id


def apply_dispute(event_key: str, event_type: str, intent_id: str | None, report: DisputeReport,
                  enqueue: Enqueue) -> UpdateResult:
    found = next(iter(Payment.by_processor_id.query(intent_id, limit=1)), None) if intent_id else None
    if found is None:
        log.warning("dispute for a charge this system does not know", extra={"dispute_id": report.dispute_id})
        return UpdateResult(record_event_only(event_key, event_type))
    if (found.processor, found.method) != ("stripe", "card"):
        log.error("card dispute names a payment of another method", extra={"dispute_id": report.dispute_id,
                                                                          "payment_id": found.payment_id})
        recorded = record_event_only(event_key, event_type)
        return UpdateResult(recorded, found.status, "processor_id_mismatch" if recorded == "ignored" else None)

    def attempt() -> UpdateResult:
        payment, invoice, client, seen = get_many(
            (Payment, found.client_id, found.payment_id), (Invoice, found.client_id, found.invoice_id),
            (Client, found.client_id), (ProcessedEvent, event_key))
        if seen is not None:
            return UpdateResult("duplicate", payment.status)
        change = decide_dispute(
            _state_of(payment), report,
            PaymentMoney(payment.status, payment.currency, payment.amount, payment.refunded_amount,
                         payment.credited_amount),
            money_of(invoice), client.credit_balance if client else 0)
        if change.state is None:  # nothing new, or nothing this system may act on
            if record_event_only(event_key, event_type) == "duplicate":
                raise TryAgain
            if change.anomaly:
                log.error("dispute not applied", extra={"anomaly": change.anomaly, "status": report.status,
                                                        "dispute_id": report.dispute_id,
                                                        "payment_id": payment.payment_id})
            return UpdateResult("ignored", payment.status, change.anomaly)
        entries = _entries(change, event_key, payment.payment_id)
        try:
            _commit(payment, invoice, change, entries, event_key, event_type)
        except LedgerRefused as exc:  # nothing written: the books would break; a person must look
            log.error("dispute posting refused", extra={"reason": exc.reason, "dispute_id": report.dispute_id,
                                                        "payment_id": payment.payment_id})
            if record_event_only(event_key, event_type) == "duplicate":
                raise TryAgain from None
            return UpdateResult("refused", payment.status, f"ledger_refused:{exc.reason}")
        log_posted(entries, payment.client_id, payment.invoice_id, dispute_id=report.dispute_id,
                   processor_payment_id=payment.processor_payment_id)
        _notify(payment, report, change, enqueue)
        return UpdateResult("applied", change.payment_status or payment.status)

    return until_won(attempt)


def _state_of(payment: Payment) -> DisputeState | None:
    d = payment.dispute
    if d is None:
        return None
    return DisputeState(d.dispute_id, d.status, int(d.status_at), _int(d.withdrawn), _int(d.reinstated), int(d.taken))


def _int(value) -> int | None:
    return None if value is None else int(value)


def _entries(change: DisputeChange, key: str, payment_id: str) -> list[Entry]:
    at = clock.now_iso()
    moves = [("chargeback", max(0, -change.paid_delta)), ("chargeback_from_credit", max(0, -change.credit_delta)),
             ("chargeback_reversed", max(0, change.paid_delta)),
             ("chargeback_reversed_to_credit", max(0, change.credit_delta))]
    return [entry(kind, amount, key, at, payment_id=payment_id) for kind, amount in moves if amount]


def _commit(payment: Payment, invoice: Invoice, change: DisputeChange, entries: list[Entry], event_key: str,
            event_type: str) -> None:
    s = change.state
    actions = [Payment.dispute.set(DisputeRecord(
        dispute_id=s.dispute_id, status=s.status, status_at=s.status_at, withdrawn=s.withdrawn,
        reinstated=s.reinstated, taken=s.taken))]
    if change.payment_status:
        actions.append(Payment.status.set(change.payment_status))
    if change.credit_delta:
        actions.append(Payment.credited_amount.set(payment.credited_amount + change.credit_delta))
    invoice_actions = posting_actions(invoice, entries)[0] if entries else None
    with write_transaction() as tx:
        tx.update(payment, actions=actions)  # conditional on the version read
        if invoice_actions:
            tx.update(invoice, actions=invoice_actions)  # likewise
        move_credit(tx, payment.client_id, change.credit_delta)
        save_new(tx, event_key, event_type)


def _notify(payment: Payment, report: DisputeReport, change: DisputeChange, enqueue) -> None:
    moved = abs(change.paid_delta + change.credit_delta)
    for phase in change.phases:
        amount = moved if phase in ("withdrawn", "reinstated") else report.amount
        enqueue({"kind": "dispute", "client_id": payment.client_id, "payment_id": payment.payment_id,
                     "invoice_id": payment.invoice_id, "dispute_id": report.dispute_id, "phase": phase,
                     "amount": amount})
    log.warning("dispute " + "/".join(change.phases or ("updated",)),
                extra={"payment_id": payment.payment_id, "dispute_id": report.dispute_id, "status": report.status,
                       "moved": change.paid_delta + change.credit_delta})

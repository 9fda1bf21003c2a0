"""Apply what a processor reports about a payment (webhook or reconciliation: the same path).

One event = one DynamoDB transaction that changes the payment, its invoice (and the client's credit on an
overpayment) *and* records the event id. So an event is counted at most once, a duplicate delivered at the
same moment loses the race and changes nothing, and a crash leaves either everything or nothing written.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from pynamodb.exceptions import PutError, TransactWriteError

from shared import clock
from shared.invoices import InvoiceMoney, derive_status
from shared.models import Client, Invoice, Payment, ProcessedEvent
from shared.payment_states import FAILED, PENDING, PROCESSING, SUCCEEDED, Effect, Outcome, decide, refusal
from shared.store import get_many, lost_race, money_of, status_actions, write_transaction
from shared.jobs import Enqueue, payment_job

log = logging.getLogger(__name__)
EVENT_RETENTION = timedelta(days=30)
UNSETTLED = "unsettled"  # the key of the sparse index reconciliation reads
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class PaymentUpdate:
    source: str  # "stripe"
    event_id: str
    event_type: str
    client_id: str
    invoice_id: str
    payment_id: str
    processor_payment_id: str | None  # None: refused before the processor created anything
    outcome: Outcome
    payment_method_id: str | None = None
    # A processor's own events name these: the payment must be of that processor and method (a Stripe event
    # never applies to an ACH payment, whatever its metadata says).
    processor: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class UpdateResult:
    outcome: str  # applied | duplicate | ignored | refused | unknown_payment | not_ours | ...
    payment_status: str | None = None
    anomaly: str | None = None  # the webhook counts it (PaymentAnomaly, alarmed)


class UpdateContention(Exception):
    """Kept losing races; the caller answers 5xx so the processor retries later."""


def apply_update(update: PaymentUpdate, enqueue: Enqueue, *,
                 confirm_id: Callable[[Payment], bool] | None = None) -> UpdateResult:
    """`confirm_id` is asked when the payment has no processor id stored (the processor's answer to its
    creation was lost) and the update names one: does the processor's own record tie that id to this payment?
    Without it, the caller vouches that the update was read from that record (a fetched transfer or intent)."""
    event_key = f"{update.source}:{update.event_id}"
    for _ in range(MAX_ATTEMPTS):
        payment, invoice, seen = get_many((Payment, update.client_id, update.payment_id),
                                          (Invoice, update.client_id, update.invoice_id),
                                          (ProcessedEvent, event_key))
        mismatch = _mismatch(update, payment, invoice, confirm_id)
        if mismatch is not None:
            return mismatch
        if seen is not None:
            _finish(payment, payment.status, enqueue)  # a retry after a crash completes the first run
            return UpdateResult("duplicate", payment.status)

        refused = refusal(payment.currency, update.outcome)
        if refused is not None:
            if record_event_only(event_key, update.event_type) == "duplicate":
                continue
            log.error("processor outcome refused", extra={"anomaly": refused, "event_id": update.event_id,
                                                          "payment_id": payment.payment_id,
                                                          "currency": update.outcome.currency})
            return UpdateResult("refused", payment.status, refused)

        effect = decide(payment.status, payment.amount, payment.failure_at, update.outcome, money_of(invoice))
        if effect is None:
            if record_event_only(event_key, update.event_type) == "duplicate":
                continue  # a concurrent delivery recorded it first: re-read and answer as a duplicate
            return UpdateResult("ignored", payment.status)
        try:
            _commit(update, event_key, payment, invoice, effect)
        except TransactWriteError as exc:
            if lost_race(exc):
                continue
            raise
        _finish(payment, effect.payment_status, enqueue)
        if effect.credit_delta:  # a duplicate charge kept as credit: tell the merchant, who can refund it
            enqueue(payment_job(payment.client_id, payment.payment_id, "overpayment"))
        return UpdateResult("applied", effect.payment_status, effect.anomaly)
    raise UpdateContention(event_key)


def _mismatch(update: PaymentUpdate, payment: Payment | None, invoice: Invoice | None,
              confirm_id: Callable[[Payment], bool] | None) -> UpdateResult | None:
    """Why the update is not about this payment (None: it is). The ids named by an event body prove nothing."""
    if payment is None or invoice is None or payment.invoice_id != invoice.invoice_id:
        log.warning("event for an unknown payment", extra={"event_id": update.event_id,
                                                           "payment_id": update.payment_id})
        return UpdateResult("unknown_payment")
    stored = payment.processor_payment_id
    if update.processor not in (None, payment.processor) or update.method not in (None, payment.method):
        reason = "event from another processor or for another method than the payment's"
    elif stored not in (None, update.processor_payment_id):
        reason = "event's processor id does not match the payment"
    elif stored is None and update.processor_payment_id and confirm_id is not None and not confirm_id(payment):
        reason = "the processor's record does not tie the event's id to the payment"
    else:
        return None
    log.error(reason, extra={"event_id": update.event_id, "payment_id": update.payment_id,
                             "processor_payment_id": update.processor_payment_id})
    return UpdateResult("unknown_payment", payment.status, "processor_id_mismatch")


def _finish(payment: Payment, status: str, enqueue: Enqueue) -> None:
    """Queue the email the new status calls for (the worker's email ledger sends each one once)."""
    if status == SUCCEEDED and payment.receipt_sent_at is None:
        enqueue(payment_job(payment.client_id, payment.payment_id, "receipt"))
    elif status == FAILED and payment.method == "ach":
        enqueue(payment_job(payment.client_id, payment.payment_id, "payment_failed"))


def record_of(event_key: str, event_type: str) -> ProcessedEvent:
    return ProcessedEvent(event_key, event_type=event_type, processed_at=clock.now_iso(),
                          expires_at=clock.now() + EVENT_RETENTION)


def record_event_only(event_key: str, event_type: str) -> str:
    """Record an event that changes nothing (so it still counts once): "ignored", or "duplicate" if seen."""
    try:
        record_of(event_key, event_type).save(ProcessedEvent.event_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "duplicate"
    return "ignored"


def _commit(update: PaymentUpdate, event_key: str, payment: Payment, invoice: Invoice, effect: Effect) -> None:
    outcome = update.outcome
    # Unsettled = money may still move: pending, processing, and a declined card payment (the client can
    # retry the same PaymentIntent with another card), so reconciliation also catches a lost success.
    unsettled = effect.payment_status in (PENDING, PROCESSING) or (effect.payment_status == FAILED
                                                                   and payment.method == "card")
    payment_actions = [Payment.status.set(effect.payment_status),
                       Payment.unsettled.set(UNSETTLED) if unsettled else Payment.unsettled.remove()]
    if effect.payment_status == SUCCEEDED:
        payment_actions.append(Payment.succeeded_at.set(clock.now_iso()))
    if effect.amount is not None:
        payment_actions.append(Payment.amount.set(effect.amount))
    if effect.credit_delta:
        payment_actions.append(Payment.credited_amount.set(payment.credited_amount + effect.credit_delta))
    if effect.record_failure and outcome.failure:
        payment_actions += [Payment.failure_code.set(outcome.failure.code),
                            Payment.failure_message.set(outcome.failure.message),
                            Payment.failure_at.set(outcome.occurred_at)]
    if update.payment_method_id:
        payment_actions.append(Payment.processor_method_id.set(update.payment_method_id))
    if payment.processor_payment_id is None and update.processor_payment_id:
        payment_actions.append(Payment.processor_payment_id.set(update.processor_payment_id))

    money = money_of(invoice)
    new_paid = money.amount_paid + effect.paid_delta
    new_pending = money.amount_pending + effect.pending_delta
    new_status = derive_status(InvoiceMoney(money.total, money.fees, new_paid, new_pending),
                               void=invoice.status == "void")
    invoice_actions = [Invoice.amount_paid.set(new_paid), Invoice.amount_pending.set(new_pending),
                       *status_actions(new_status, invoice)]
    # A declined card payment stays the invoice's open checkout: the client may retry it with another card.
    if invoice.open_payment_id == payment.payment_id and effect.payment_status not in (PENDING, FAILED):
        invoice_actions.append(Invoice.open_payment_id.remove())

    with write_transaction() as tx:
        tx.update(payment, actions=payment_actions)  # conditional on the version read above
        tx.update(invoice, actions=invoice_actions)  # likewise: numbers were computed from this version
        if effect.credit_delta:
            tx.update(Client(payment.client_id), actions=[Client.credit_balance.add(effect.credit_delta)],
                      condition=Client.client_id.exists())
        tx.save(record_of(event_key, update.event_type), condition=ProcessedEvent.event_id.does_not_exist())
    if effect.anomaly:
        log.error("payment anomaly", extra={"anomaly": effect.anomaly, "payment_id": payment.payment_id,
                                            "credit": effect.credit_delta, "amount": payment.amount,
                                            "reported_amount": outcome.amount})

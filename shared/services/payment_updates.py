"""Apply what a processor reports about a payment (webhook or reconciliation: the same path).

One event = one DynamoDB transaction that changes the payment, its invoice (and the client's credit on an
overpayment) *and* records the event id. So an event is counted at most once, a duplicate delivered at the
same moment loses the race and changes nothing, and a crash leaves either everything or nothing written.
"""

from typing import Callable

from aws_lambda_powertools import Logger

from shared import clock
from shared.event_records import record_event_only, save_new
from shared.jobs import Enqueue, payment_job
from shared.ledger import Entry, LedgerRefused, entry
from shared.models import Invoice, Payment, ProcessedEvent
from shared.payment_states import (FAILED, PENDING, PROCESSING, SUCCEEDED, Effect, PaymentUpdate, UpdateResult,
                                   decide, refusal)
from shared.postings import log_posted, move_credit, posting_actions
from shared.retries import TryAgain, until_won
from shared.store import get_many, money_of, write_transaction

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id
UNSETTLED = "unsettled"  # the key of the sparse index reconciliation reads


def apply_update(update: PaymentUpdate, enqueue: Enqueue, *,
                 confirm_id: Callable[[Payment], bool] | None = None) -> UpdateResult:
    """`confirm_id` is asked when the payment has no processor id stored (the processor's answer to its
    creation was lost) and the update names one: does the processor's own record tie that id to this payment?
    Without it, the caller vouches that the update was read from that record (a fetched transfer or intent)."""
    event_key = f"{update.source}:{update.event_id}"

    def attempt() -> UpdateResult:
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
            return _record_only(event_key, update, payment, refused, "processor outcome refused")

        effect = decide(payment.status, payment.amount, payment.failure_at, update.outcome, money_of(invoice),
                        credited=payment.credited_amount, refunded=payment.refunded_amount)
        if effect is None:
            return _record_only(event_key, update, payment, None, "")
        entries = _entries(effect, event_key, payment)
        try:
            _commit(update, event_key, payment, invoice, effect, entries)
        except LedgerRefused as exc:  # never written: the books would break; a person must look
            return _record_only(event_key, update, payment, f"ledger_refused:{exc.reason}", "posting refused")
        log_posted(entries, payment.client_id, invoice.invoice_id,
                   processor_payment_id=update.processor_payment_id or payment.processor_payment_id)
        _finish(payment, effect.payment_status, enqueue)
        if effect.credit_delta > 0:  # a duplicate charge kept as credit: tell the merchant, who can refund it
            enqueue(payment_job(payment.client_id, payment.payment_id, "overpayment"))
        return UpdateResult("applied", effect.payment_status, effect.anomaly)

    return until_won(attempt)


def _record_only(event_key: str, update: PaymentUpdate, payment: Payment, anomaly: str | None,
                 message: str) -> UpdateResult:
    """The event changes nothing but is recorded (so it counts once); a concurrent delivery that recorded it
    first makes this attempt start again and answer as a duplicate."""
    if record_event_only(event_key, update.event_type) == "duplicate":
        raise TryAgain
    if anomaly:
        log.error(message, extra={"anomaly": anomaly, "event_id": update.event_id,
                                  "payment_id": payment.payment_id, "currency": update.outcome.currency})
        return UpdateResult("refused", payment.status, anomaly)
    return UpdateResult("ignored", payment.status)


def _entries(effect: Effect, key: str, payment: Payment) -> list[Entry]:
    """The ledger entries of an effect: in flight, released, received, kept as credit, or returned."""
    at, ids = clock.now_iso(), {"payment_id": payment.payment_id}
    moves = [("transfer_started", max(0, effect.pending_delta)), ("transfer_finished", max(0, -effect.pending_delta)),
             ("payment_received", max(0, effect.paid_delta)), ("kept_as_credit", max(0, effect.credit_delta)),
             ("payment_returned", max(0, -effect.paid_delta)), ("credit_returned", max(0, -effect.credit_delta))]
    return [entry(kind, amount, key, at, **ids) for kind, amount in moves if amount]


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


def _commit(update: PaymentUpdate, event_key: str, payment: Payment, invoice: Invoice, effect: Effect,
            entries: list[Entry]) -> None:
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

    invoice_actions, _ = posting_actions(invoice, entries)
    # A declined card payment stays the invoice's open checkout: the client may retry it with another card.
    if invoice.open_payment_id == payment.payment_id and effect.payment_status not in (PENDING, FAILED):
        invoice_actions.append(Invoice.open_payment_id.remove())

    with write_transaction() as tx:
        tx.update(payment, actions=payment_actions)  # conditional on the version read above
        tx.update(invoice, actions=invoice_actions)  # likewise: numbers were computed from this version
        move_credit(tx, payment.client_id, effect.credit_delta)
        save_new(tx, event_key, update.event_type)
    if effect.anomaly:
        log.error("payment anomaly", extra={"anomaly": effect.anomaly, "payment_id": payment.payment_id,
                                            "credit": effect.credit_delta, "amount": payment.amount,
                                            "reported_amount": outcome.amount})

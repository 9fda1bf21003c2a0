"""Apply what a processor reports about a payment (webhook, confirm, reconciliation, operator: the same path).

One event = one unit of work (shared/books/work.py): the payment, its invoice and the client read in one
request, `decide_update` (pure) says what changes, and one transaction writes the payment, the invoice's
balances, the journal entries, the client's credit and the event record, each conditional on what was read.
So an event is counted at most once, a duplicate delivered at the same moment loses the race and changes
nothing, and a crash leaves either everything or nothing written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from shared.aws.models import Payment
from shared.books import repository
from shared.books.ledger import PaymentBalances, entry
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import clock
from shared.domain.invoices import VOID, InvoiceMoney
from shared.domain.payment_states import (
    FAILED,
    PENDING,
    PROCESSING,
    SUCCEEDED,
    Effect,
    PaymentUpdate,
    UpdateResult,
    decide,
    refusal,
)
from shared.domain.spread_outcomes import spread_outcome, spread_payment
from shared.emails.jobs import Enqueue, payment_job

log = Logger(child=True)
UNSETTLED = "unsettled"  # the key of the sparse index reconciliation reads


@dataclass(frozen=True)
class _Covers:
    """The payment pays more invoices than were read: decide again with all of them."""

    invoice_ids: tuple[str, ...]


def apply_update(
    update: PaymentUpdate,
    enqueue: Enqueue,
    *,
    confirm_id: Callable[[Payment], bool] | None = None,
    repo: Repository | None = None,
) -> UpdateResult:
    """`confirm_id` is asked when the payment has no processor id stored (the processor's answer to its
    creation was lost) and the update names one: does the processor's own record tie that id to this payment?
    Without it, the caller vouches that the update was read from that record (a fetched transfer or intent).

    An update names the payment's first invoice (the processors' metadata does); a payment of several invoices is
    read again with all of them (one more TransactGetItems, for those payments only)."""
    repo = repo or repository()
    invoice_ids: tuple[str, ...] = (update.invoice_id,)
    while True:
        keys = Keys(
            update.client_id,
            payment_id=update.payment_id,
            invoice_ids=invoice_ids,
            event_key=f"{update.source}:{update.event_id}",
        )
        result = run(repo, keys, lambda ctx: decide_update(ctx, update, confirm_id), enqueue=enqueue)
        if not isinstance(result, _Covers):
            return result
        invoice_ids = result.invoice_ids


def decide_update(ctx: Context, update: PaymentUpdate, confirm_id: Callable[[Payment], bool] | None) -> Change:
    payment, invoice = ctx.payment, ctx.invoice()
    mismatch = _mismatch(update, payment, invoice, confirm_id)
    if mismatch is not None:
        return Change(result=mismatch)
    assert payment is not None and invoice is not None  # _mismatch answers for a missing one
    if ctx.seen:  # a retry after a crash completes the first run's emails
        return Change(result=UpdateResult("duplicate", payment.status), jobs=_emails(payment, payment.status))
    if not set(payment.invoice_ids) <= set(ctx.keys.invoice_ids):
        return Change(result=_Covers(payment.invoice_ids))
    if not set(payment.invoice_ids) <= set(ctx.invoices):  # cannot happen: invoices are never deleted
        log.error(
            "an invoice of the payment is missing",
            extra={"payment_id": payment.payment_id, "invoice_ids": list(payment.invoice_ids)},
        )
        return Change(result=UpdateResult("unknown_payment", payment.status, "invoice_missing"))

    refused = refusal(payment.currency, update.outcome)
    if refused is not None:
        log.error(
            "processor outcome refused",
            extra={
                "anomaly": refused,
                "event_id": update.event_id,
                "payment_id": payment.payment_id,
                "currency": update.outcome.currency,
            },
        )
        return Change(result=UpdateResult("refused", payment.status, refused), event_type=update.event_type)

    held = PaymentBalances(payment.balance_map())
    spread = spread_payment(payment)
    if spread:  # several invoices, or a card fee: the effect's money is spread by shared/domain/allocations.py
        effect = decide(
            payment.status,
            payment.amount,
            payment.failure_at,
            update.outcome,
            InvoiceMoney(0, 0, 0, 0),
            credited=held.credit,
            paid=held.held - held.credit,
            void=True,
        )
    else:
        effect = decide(
            payment.status,
            payment.amount,
            payment.failure_at,
            update.outcome,
            balances_of(invoice).money,
            credited=held.credit,
            paid=held.paid(invoice.invoice_id),
            void=invoice.status == VOID,
        )
    if effect is None:
        return Change(result=UpdateResult("ignored", payment.status), event_type=update.event_type)
    key, fields = f"{update.source}:{update.event_id}", _payment_fields(update, payment, effect)
    if spread:
        spread_change = spread_outcome(effect, update, payment, ctx.invoices, key, clock.now_iso())
        effect, entries = spread_change.effect, spread_change.entries
        fields |= spread_change.payment
    else:
        entries = _entries(effect, key, payment, invoice.invoice_id)
    jobs = _emails(payment, effect.payment_status)
    if effect.credit_delta > 0:  # a duplicate charge kept as credit: tell the merchant, who can refund it
        jobs.append(payment_job(payment.client_id, payment.payment_id, "overpayment"))
    if effect.anomaly:
        log.error(
            "payment anomaly",
            extra={
                "anomaly": effect.anomaly,
                "payment_id": payment.payment_id,
                "credit": effect.credit_delta,
                "amount": payment.amount,
                "reported_amount": update.outcome.amount,
            },
        )
    # A declined card payment stays the invoice's open checkout: the client may retry it with another card.
    releases = effect.payment_status not in (PENDING, FAILED)
    return Change(
        result=UpdateResult("applied", effect.payment_status, effect.anomaly),
        entries=entries,
        payment=fields,
        invoices={
            i: {"open_payment_id": None}
            for i, inv in ctx.invoices.items()
            if releases and inv.open_payment_id == payment.payment_id
        },
        event_type=update.event_type,
        jobs=jobs,
        refused=lambda reason: UpdateResult("refused", payment.status, f"ledger_refused:{reason}"),
    )


def _entries(effect: Effect, key: str, payment: Payment, invoice_id: str) -> list:
    """The journal entries of an effect: in flight, released, received, kept as credit, returned, lost."""
    at, ids = clock.now_iso(), {"payment_id": payment.payment_id}
    moves = [
        ("transfer_started", max(0, effect.pending_delta)),
        ("transfer_finished", max(0, -effect.pending_delta)),
        ("payment_received", max(0, effect.paid_delta)),
        ("kept_as_credit", max(0, effect.credit_delta)),
        ("payment_returned", max(0, -effect.paid_delta)),
        ("credit_returned", max(0, -effect.credit_delta)),
        ("returned_at_loss", effect.loss),
    ]
    return [entry(kind, amount, key, at, invoice_id, **ids) for kind, amount in moves if amount]


def _payment_fields(update: PaymentUpdate, payment: Payment, effect: Effect) -> dict:
    outcome = update.outcome
    # Unsettled = money may still move: pending, processing, and a declined card payment (the client can
    # retry the same PaymentIntent with another card), so reconciliation also catches a lost success.
    unsettled = effect.payment_status in (PENDING, PROCESSING) or (
        effect.payment_status == FAILED and payment.method == "card"
    )
    fields: dict[str, Any] = {"status": effect.payment_status, "unsettled": UNSETTLED if unsettled else None}
    if effect.payment_status == SUCCEEDED:
        fields["succeeded_at"] = clock.now_iso()
    if effect.amount is not None:
        fields["amount"] = effect.amount
    if effect.record_failure and outcome.failure:
        fields |= {
            "failure_code": outcome.failure.code,
            "failure_message": outcome.failure.message,
            "failure_at": outcome.occurred_at,
        }
    if update.payment_method_id:
        fields["processor_method_id"] = update.payment_method_id
    if payment.processor_payment_id is None and update.processor_payment_id:
        fields["processor_payment_id"] = update.processor_payment_id
    return fields


def _mismatch(update: PaymentUpdate, payment: Payment | None, invoice, confirm_id) -> UpdateResult | None:
    """Why the update is not about this payment (None: it is). The ids named by an event body prove nothing."""
    if payment is None or invoice is None or payment.invoice_id != invoice.invoice_id:
        log.warning(
            "event for an unknown payment", extra={"event_id": update.event_id, "payment_id": update.payment_id}
        )
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
    log.error(
        reason,
        extra={
            "event_id": update.event_id,
            "payment_id": update.payment_id,
            "processor_payment_id": update.processor_payment_id,
        },
    )
    return UpdateResult("unknown_payment", payment.status, "processor_id_mismatch")


def _emails(payment: Payment, status: str) -> list[dict]:
    """The email the new status calls for (the worker's email ledger sends each one once)."""
    if status == SUCCEEDED and payment.receipt_sent_at is None:
        return [payment_job(payment.client_id, payment.payment_id, "receipt")]
    if status == FAILED and payment.method == "ach":
        return [payment_job(payment.client_id, payment.payment_id, "payment_failed")]
    return []

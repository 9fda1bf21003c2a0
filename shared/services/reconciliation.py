"""Reconciliation: payments stuck in `pending` or `processing` are checked against the processor.

A webhook can be lost (an endpoint outage longer than the processor's retries, a misconfigured subscription).
Every hour this job reads the payments that are still unsettled after `older_than` (one Query on the sparse
`unsettled` index, oldest first, page by page; never a Scan), asks the processor for the truth (the
PaymentIntent, the ACH transfer) and applies it through `payment_updates.apply_update`, the webhook's own code
path. The event id is "reconcile:<payment_id>:<status>", recorded in the same transaction as the change, and
`decide` never moves a payment backwards, so whichever of the job and the webhook comes second changes
nothing.

Then it re-folds the journal of every invoice it touched and checks every account against it: the invoice's
balances, each of its payments' own balances, and the client's credit (folded from all of the client's
journals). Any difference is reported (`LedgerDrift` metric, alarmed); it never rewrites them.

Faults: a processor that times out or answers 5xx (ProcessorUnavailable), or any other error for one payment,
is logged and counted, and the job goes on with the next payment. Nothing is written for that payment before
the processor has answered, and what is written is one transaction, so the next run simply retries.

An ACH payment whose transfer id was never stored (the create response was lost) is asked for again with the
same idempotency key while the processor still keeps that key (24 hours): the processor returns the transfer
if it exists (or creates it: the client asked for it and the money is reserved). After 24 hours the same key
could create a second debit, so the job does nothing and reports the payment as needing a person.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from shared.aws.models import Payment
from shared.books import repository
from shared.books.ledger import InvoiceBalances, PaymentBalances, fold
from shared.books.work import Keys, Repository, balances_of
from shared.domain import clock
from shared.domain.declines import failure_from
from shared.domain.payment_states import FAILED, PROCESSING, SUCCEEDED, Outcome, PaymentUpdate, UpdateResult
from shared.emails.jobs import Enqueue, payment_job
from shared.http.errors import ProcessorUnavailable
from shared.processors.ach import AchProcessor, Transfer
from shared.processors.card import CardProcessor, IntentOutcome
from shared.services.ach_events import transfer_outcome, transfer_refusal
from shared.services.ach_payments import create_transfer_for, record_transfer_id, within_idempotency_window
from shared.services.autopay import finish_try
from shared.services.card_payments import INTENT_STATUSES
from shared.services.client_accounts import get_account
from shared.services.payment_updates import UNSETTLED, apply_update

log = Logger(child=True)

PAGE_SIZE = 50
LOOKBACK = timedelta(days=30)  # older unsettled payments are past any processor's settlement time


@dataclass
class Report:
    examined: int = 0
    applied: dict[str, int] = field(default_factory=dict)  # new payment status -> count
    unchanged: int = 0  # the processor has nothing new (still waiting, or what we already have)
    transfers_recorded: int = 0  # ACH transfer ids found again after a lost create response
    processor_errors: int = 0  # the processor did not answer: retried next run
    errors: int = 0  # anything else failed for one payment: logged, retried next run
    needs_attention: int = 0  # cannot be settled automatically: a person must look
    unrecorded_succeeded: int = 0  # money the processor took while our record did not show it
    anomalies: int = 0  # an anomaly (money beyond what was owed, an amount or currency not the payment's, ...)
    invoices_checked: int = 0  # invoices whose entries were re-folded
    drift: list = field(default_factory=list)  # "invoice:<id>", "payment:<id>", "client:<id>": stored != journal
    stopped_early: bool = False  # out of time: the rest waits for the next run

    def count_applied(self, status: str) -> None:
        self.applied[status] = self.applied.get(status, 0) + 1


def stuck_payments(cutoff: datetime, page_size: int = PAGE_SIZE) -> Iterable[Payment]:
    """Unsettled payments created before `cutoff` and within LOOKBACK of it, oldest first. The bound keeps an
    abandoned checkout (never confirmed, or declined and never retried) from being fetched every hour forever."""
    return Payment.unsettled_index.query(
        UNSETTLED, Payment.created_key.between(clock.iso(cutoff - LOOKBACK), clock.iso(cutoff)), page_size=page_size
    )


def run(
    now: datetime,
    cards: CardProcessor,
    ach: AchProcessor,
    enqueue: Enqueue,
    older_than: timedelta,
    should_stop: Callable[[], bool] | None = None,
) -> Report:
    report, examined = Report(), []
    for payment in stuck_payments(now - older_than):
        if should_stop is not None and should_stop():
            report.stopped_early = True
            log.warning(
                "reconciliation stopped before the end: the next run goes on", extra={"examined": report.examined}
            )
            break
        report.examined += 1
        examined.append(payment)
        ids = _ids(payment)
        try:
            reconcile_one(payment, now, lambda: cards, lambda: ach, enqueue, report)
        except ProcessorUnavailable:
            report.processor_errors += 1
            log.warning("processor unavailable while reconciling: retried next run", extra=ids)
        except Exception:  # one payment's fault must not stop the others; nothing half-written (one transaction)
            report.errors += 1
            log.exception("reconciling a payment failed: retried next run", extra=ids)
    check_books({(p.client_id, i) for p in examined for i in p.invoice_ids}, report)
    log.info("reconciliation finished", extra={"report": report.__dict__})
    return report


def reconcile_one(
    payment: Payment,
    now: datetime,
    cards: Callable[[], CardProcessor],
    ach: Callable[[], AchProcessor],
    enqueue,
    report: Report,
) -> None:
    """Ask the payment's processor and apply its answer through the webhook's code path (also GET
    /payments/{id} for a payment waiting too long). The processors are built only when asked for."""
    if payment.processor == "stripe":
        _card(payment, now, cards(), enqueue, report)
    elif payment.processor == "ach":
        _ach(payment, now, ach(), enqueue, report)
    else:
        report.needs_attention += 1
        log.error("unsettled payment with an unknown processor", extra=_ids(payment) | {"processor": payment.processor})


def check_books(invoice_keys: set[tuple[str, str]], report: Report, repo: Repository | None = None) -> None:
    """Re-fold the journals of the invoices this run touched and check every account they hold: balances that
    differ from them are drift a person must look at (alarmed), never "fixed" here, since which side is wrong
    needs the processor's records."""
    repo = repo or repository()
    for client_id in sorted({c for c, _ in invoice_keys}):
        entries = repo.client_journal(client_id)
        books = fold(entries)
        ctx = repo.load(Keys(client_id, invoice_ids=tuple(sorted(i for c, i in invoice_keys if c == client_id))))
        for invoice_id, invoice in sorted(ctx.invoices.items()):
            report.invoices_checked += 1
            stored, journal = balances_of(invoice), books.invoices.get(invoice_id, InvoiceBalances())
            if journal != stored:
                _drift(report, f"invoice:{invoice_id}", stored, journal)
            for payment in repo.invoice_payments(client_id, invoice_id):
                held = books.payments.get(payment.payment_id, PaymentBalances()).accounts
                if held != payment.balance_map():
                    _drift(report, f"payment:{payment.payment_id}", payment.balance_map(), held)
        if ctx.client is not None and int(ctx.client.credit_balance or 0) != books.credit:
            _drift(report, f"client:{client_id}", ctx.client.credit_balance, books.credit)


def _drift(report: Report, account: str, stored, journal) -> None:
    report.drift.append(account)
    log.error(
        "ledger drift: stored balances differ from the journal",
        extra={"account": account, "stored": stored, "journal": getattr(journal, "__dict__", journal)},
    )


# ---- cards --------------------------------------------------------------------------------------------------


def _card(payment: Payment, now: datetime, cards: CardProcessor, enqueue, report: Report) -> None:
    if not payment.processor_payment_id and payment.autopay is not None:
        # An autopay try is written before Stripe is asked: one cut off there is asked again with its key.
        finish_try(payment, get_account(payment.client_id), lambda: cards, enqueue)
        report.unchanged += 1
        return
    if not payment.processor_payment_id:  # a payment of the portal's: its intent exists before it is written
        report.needs_attention += 1
        log.error("card payment without a PaymentIntent", extra=_ids(payment))
        return
    intent = cards.intent_outcome(payment.processor_payment_id)
    outcome = card_outcome(intent, now)
    if outcome is None or outcome.status == payment.status:
        report.unchanged += 1
        return
    _apply(payment, outcome, intent.id, intent.payment_method_id, enqueue, report)


def card_outcome(intent: IntentOutcome, now: datetime) -> Outcome | None:
    """What a PaymentIntent's current state means for the payment; None while it waits for the client."""
    occurred_at, currency = int(now.timestamp()), intent.currency
    if intent.status == SUCCEEDED:
        amount = intent.amount_received if intent.amount_received > 0 else intent.amount
        return Outcome(SUCCEEDED, amount, occurred_at, currency=currency)
    if intent.status in INTENT_STATUSES:
        return Outcome(INTENT_STATUSES[intent.status], intent.amount, occurred_at, currency=currency)
    if intent.status == "requires_payment_method" and (intent.failure_code or intent.decline_code):
        return Outcome(
            FAILED,
            intent.amount,
            occurred_at,
            failure_from(intent.failure_code, intent.decline_code),
            currency=currency,
        )
    return None  # requires_payment_method without an attempt, requires_confirmation, requires_action, ...


# ---- ACH ----------------------------------------------------------------------------------------------------


def _ach(payment: Payment, now: datetime, ach: AchProcessor, enqueue, report: Report) -> None:
    transfer: Transfer | None
    if payment.processor_payment_id:
        transfer = ach.get_transfer(payment.processor_payment_id)
    else:
        transfer = _find_lost_transfer(payment, now, ach, report)
        if transfer is None:
            return
    refusal = transfer_refusal(payment, transfer)
    if refusal:  # e.g. a transfer in another currency than the payment's: never counted as if it were
        report.needs_attention += 1
        log.error("ACH transfer does not match its payment", extra=_ids(payment) | {"reason": refusal})
        return
    outcome = transfer_outcome(transfer, int(now.timestamp()))
    if outcome is None:  # still pending at the processor
        if not payment.processor_payment_id:
            _record_transfer_id(payment, transfer.id, enqueue, report)
        else:
            report.unchanged += 1
        return
    if outcome.status == payment.status:
        report.unchanged += 1
        return
    had_id = bool(payment.processor_payment_id)
    result = _apply(payment, outcome, transfer.id, None, enqueue, report)
    if not had_id and result.outcome == "applied":
        report.transfers_recorded += 1


def _find_lost_transfer(payment: Payment, now: datetime, ach: AchProcessor, report: Report) -> Transfer | None:
    """The transfer of a payment whose create response was lost, asked for again with the same key."""
    payment.refresh(consistent_read=True)  # the index copy may be stale: never re-ask for a settled payment
    if payment.status != PROCESSING or payment.processor_payment_id:
        report.unchanged += 1
        return None
    if (
        not within_idempotency_window(payment, now)
        or not payment.processor_idempotency_key
        or not payment.processor_method_id
    ):
        # The processor has forgotten the key: asking again could debit the client a second time. Its search by
        # the transfer's correlationId (made from the key) still finds a transfer that was created.
        found = ach.find_transfer(payment.processor_idempotency_key) if payment.processor_idempotency_key else None
        if found is not None:
            return found
        report.needs_attention += 1
        log.error(
            "ACH payment without a transfer id past the processor's idempotency window: check the "
            "processor for a transfer with this payment's metadata",
            extra=_ids(payment) | {"created_at": payment.created_at, "amount": payment.amount},
        )
        return None
    return create_transfer_for(payment, ach)


def _record_transfer_id(payment: Payment, transfer_id: str, enqueue, report: Report) -> None:
    """Store the id of a still-pending transfer (no state change, so apply_update would write nothing)."""
    if not record_transfer_id(payment, transfer_id)[1]:
        report.unchanged += 1  # the client's retry or a webhook recorded it first
        return
    report.transfers_recorded += 1
    log.info("ACH transfer id recovered", extra=_ids(payment) | {"transfer": transfer_id})
    # What the create route sends once the transfer exists; the notice worker sends it at most once.
    enqueue(payment_job(payment.client_id, payment.payment_id, "ach_initiated"))


# ---- shared -------------------------------------------------------------------------------------------------


def _apply(
    payment: Payment,
    outcome: Outcome,
    processor_payment_id: str,
    payment_method_id: str | None,
    enqueue,
    report: Report,
) -> UpdateResult:
    result = apply_update(
        PaymentUpdate(
            source="reconcile",
            event_id=f"{payment.payment_id}:{outcome.status}",
            event_type=f"reconcile.{outcome.status}",
            client_id=payment.client_id,
            invoice_id=payment.invoice_id,
            payment_id=payment.payment_id,
            processor_payment_id=processor_payment_id,
            outcome=outcome,
            payment_method_id=payment_method_id,
        ),
        enqueue,
    )
    report.anomalies += 1 if result.anomaly else 0
    if result.outcome == "applied" and result.payment_status:  # an applied update always has its status
        report.count_applied(result.payment_status)
        log.warning(
            "reconciliation applied what a webhook did not",
            extra=_ids(payment) | {"status": result.payment_status, "was": payment.status},
        )
        if outcome.status == SUCCEEDED and result.payment_status == SUCCEEDED:
            report.unrecorded_succeeded += 1
            log.error(
                "unrecorded payment: the processor took the money but the invoice was not updated",
                extra=_ids(payment) | {"amount": outcome.amount, "processor_payment_id": processor_payment_id},
            )
    elif result.outcome in ("unknown_payment", "refused"):  # e.g. the processor's currency is not the payment's
        report.needs_attention += 1
        log.error(
            "processor's answer does not match the stored payment",
            extra=_ids(payment) | {"processor_payment_id": processor_payment_id},
        )
    else:  # duplicate / ignored: a webhook (or an earlier run) got there first
        report.unchanged += 1
    return result


def _ids(payment: Payment) -> dict:
    return {"payment_id": payment.payment_id, "invoice_id": payment.invoice_id, "client_id": payment.client_id}

"""The hourly reconciliation's bank-transfer part beside the payments (shared/services/reconciliation.py): what a
lost Dwolla event would have changed, read from Dwolla itself.

- Bank accounts waiting for their micro-deposits (the sparse `awaiting-verification` index, older than the job's
  delay and at most 30 days old): verified, failed or removed at Dwolla is applied as the event would have.
- ACH refunds still pending (the refunds' `by-status` index): the credit transfer's state is applied through the
  refund's own code path; a refund whose transfer answer was lost is found by the transfer's correlationId
  (Dwolla's "List and search transfers"), at any age.

Each is applied with an event key of its own ("reconcile:..."), so whichever of this job and the webhook comes
second changes nothing. A processor that does not answer leaves that item for the next run.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from shared.aws.models import Payment, Refund, SavedPaymentMethod
from shared.domain import clock
from shared.emails.jobs import Enqueue
from shared.http.errors import ProcessorUnavailable
from shared.processors.ach import AchError, AchProcessor, Transfer
from shared.processors.refunds import ACH_REFUND_STATUS
from shared.services.ach_events import refund_refusal
from shared.services.bank_accounts import AWAITING
from shared.services.bank_events import apply_bank_state
from shared.services.refunds import apply_refund_outcome

log = Logger(child=True)
LOOKBACK = timedelta(days=30)
IDEMPOTENCY_WINDOW = timedelta(hours=24)  # a refund without its transfer is searched for; none found after that
PAGE_SIZE = 50


@dataclass
class AchReport:
    banks_checked: int = 0
    banks_updated: int = 0  # verified, failed or removed since the event that was lost
    refunds_checked: int = 0
    refunds_applied: int = 0
    processor_errors: int = 0  # the processor did not answer: retried next run
    errors: int = 0  # anything else failed for one item: logged, retried next run
    needs_attention: int = 0  # a person must look (a refund's transfer not found at the processor)


def run(
    now: datetime,
    ach: AchProcessor,
    enqueue: Enqueue,
    older_than: timedelta,
    should_stop: Callable[[], bool] | None = None,
) -> AchReport:
    report = AchReport()
    low, high = clock.iso(now - older_than - LOOKBACK), clock.iso(now - older_than)
    banks = SavedPaymentMethod.awaiting_index.query(
        AWAITING, SavedPaymentMethod.created_at.between(low, high), page_size=PAGE_SIZE
    )
    refunds = Refund.by_status.query("pending", Refund.created_at.between(low, high), page_size=PAGE_SIZE)
    for kind, items, one in (("bank", banks, _bank), ("refund", refunds, _refund)):
        for item in items:
            if should_stop is not None and should_stop():
                log.warning("ACH reconciliation stopped before the end: the next run goes on")
                return report
            try:
                one(item, now, ach, enqueue, report)
            except ProcessorUnavailable:
                report.processor_errors += 1
                log.warning("processor unavailable while reconciling: retried next run", extra={"kind": kind})
            except Exception:  # one item's fault must not stop the others; nothing is half-written
                report.errors += 1
                log.exception("reconciling an ACH item failed: retried next run", extra={"kind": kind})
    log.info("ACH reconciliation finished", extra={"report": report.__dict__})
    return report


def _bank(method: SavedPaymentMethod, now: datetime, ach: AchProcessor, enqueue: Enqueue, report: AchReport) -> None:
    report.banks_checked += 1
    try:
        bank = ach.get_bank_account(method.processor_method_id)
    except AchError as exc:
        if exc.code != "NotFound":
            raise
        report.needs_attention += 1
        log.error("saved bank account unknown to the processor", extra={"payment_method_id": method.payment_method_id})
        return
    key = f"reconcile:bank:{method.payment_method_id}:{bank.status}:{bank.verification}"
    if apply_bank_state(method, bank, key, "reconcile.bank", ach, enqueue) in ("updated", "removed"):
        report.banks_updated += 1
        log.warning(
            "reconciliation applied a bank account change an event did not",
            extra={"payment_method_id": method.payment_method_id, "status": bank.status},
        )


def _refund(refund: Refund, now: datetime, ach: AchProcessor, enqueue: Enqueue, report: AchReport) -> None:
    payment = Payment.get(refund.client_id, refund.payment_id)
    if payment.processor != "ach":
        return  # a card refund: Stripe's events and its own answer settle it
    report.refunds_checked += 1
    ids = {"refund_id": refund.refund_id, "payment_id": refund.payment_id, "client_id": refund.client_id}
    transfer: Transfer | None
    if refund.processor_refund_id:
        transfer = ach.get_transfer(refund.processor_refund_id)
    else:
        transfer = ach.find_transfer(f"refund:{refund.refund_id}")  # the key refunds._submit gives it
        if transfer is None:
            created = datetime.fromisoformat(refund.created_at.replace("Z", "+00:00"))
            if now - created >= IDEMPOTENCY_WINDOW:  # no transfer, and the same request can no longer make one
                report.needs_attention += 1
                log.error("ACH refund without a credit transfer at the processor", extra=ids)
            return
    refusal = refund_refusal(payment, refund, transfer)
    if refusal:
        report.needs_attention += 1
        log.error("ACH credit transfer does not match its refund", extra=ids | {"reason": refusal})
        return
    final = ACH_REFUND_STATUS.get(transfer.status)
    if final is None:
        return  # still pending at the processor
    result = apply_refund_outcome(
        refund.client_id,
        refund.refund_id,
        final,
        f"reconcile:refund:{refund.refund_id}:{final}",
        f"reconcile.refund.{final}",
        enqueue,
    )
    if result.outcome == "applied":
        report.refunds_applied += 1
        log.warning("reconciliation applied an ACH refund outcome an event did not", extra=ids | {"status": final})

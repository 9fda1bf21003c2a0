"""Card disputes: every charge.dispute.* event Stripe sends (created, updated, funds_withdrawn,
funds_reinstated, closed) goes through `apply_dispute`, which finds the payment by its PaymentIntent and applies
`dispute_states.decide_dispute` in one unit of work with the event record. So money moves only when Stripe says
funds moved, once, whatever the order of arrival. The merchant is emailed at each step.
"""

from typing import Any

from aws_lambda_powertools import Logger

from shared.aws.models import DisputeRecord, Payment
from shared.books import repository
from shared.books.ledger import PaymentBalances, entry
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import clock
from shared.domain.allocations import Plan
from shared.domain.dispute_states import DisputeChange, DisputeReport, DisputeState, PaymentMoney, decide_dispute
from shared.domain.invoices import VOID
from shared.domain.payment_states import UpdateResult
from shared.emails.jobs import Enqueue

log = Logger(child=True)


def apply_dispute(
    event_key: str,
    event_type: str,
    found: Payment,
    report: DisputeReport,
    enqueue: Enqueue,
    *,
    repo: Repository | None = None,
) -> UpdateResult:
    """`found`: the payment the dispute's PaymentIntent names (looked up by the caller)."""
    keys = Keys(found.client_id, payment_id=found.payment_id, invoice_ids=found.invoice_ids, event_key=event_key)
    return run(repo or repository(), keys, lambda ctx: decide(ctx, report, event_type), enqueue=enqueue)


def decide(ctx: Context, report: DisputeReport, event_type: str) -> Change:
    payment, invoice = ctx.payment, ctx.invoice()
    assert payment is not None and invoice is not None and ctx.keys.event_key is not None  # as keyed above
    if ctx.seen:
        return Change(result=UpdateResult("duplicate", payment.status))
    rooms = {
        i: 0 if inv.status == VOID else max(0, balances_of(inv).money.owed - balances_of(inv).amount_paid)
        for i, inv in ctx.invoices.items()
    }
    change = decide_dispute(
        _state_of(payment),
        report,
        PaymentMoney(
            payment.status,
            payment.currency,
            payment.amount,
            PaymentBalances(payment.balance_map()),
            invoice.invoice_id,
            Plan.of(payment),
        ),
        balances_of(invoice).money,
        void=invoice.status == VOID,
        rooms=rooms,
    )
    if change.state is None:  # nothing new, or nothing this system may act on
        if change.anomaly:
            log.error(
                "dispute not applied",
                extra={
                    "anomaly": change.anomaly,
                    "status": report.status,
                    "dispute_id": report.dispute_id,
                    "payment_id": payment.payment_id,
                },
            )
        return Change(result=UpdateResult("ignored", payment.status, change.anomaly), event_type=event_type)
    s = change.state
    fields: dict[str, Any] = {
        "dispute": DisputeRecord(
            dispute_id=s.dispute_id,
            status=s.status,
            status_at=s.status_at,
            withdrawn=s.withdrawn,
            reinstated=s.reinstated,
        )
    }
    if change.payment_status:
        fields["status"] = change.payment_status
    at = clock.now_iso()
    entries = [
        entry(kind, amount, ctx.keys.event_key, at, invoice_id, payment_id=payment.payment_id)
        for kind, amount, invoice_id in change.moves
    ]
    if change.anomaly:
        log.error(
            "chargeback of money already refunded: the merchant's loss",
            extra={"anomaly": change.anomaly, "dispute_id": report.dispute_id, "payment_id": payment.payment_id},
        )
    log.warning(
        "dispute " + "/".join(change.phases or ("updated",)),
        extra={
            "payment_id": payment.payment_id,
            "dispute_id": report.dispute_id,
            "status": report.status,
            "moves": [list(m) for m in change.moves],
        },
    )
    return Change(
        result=UpdateResult("applied", change.payment_status or payment.status, change.anomaly),
        entries=entries,
        payment=fields,
        event_type=event_type,
        jobs=_notices(payment, report, change),
        refused=lambda reason: UpdateResult("refused", payment.status, f"ledger_refused:{reason}"),
    )


def _state_of(payment: Payment) -> DisputeState | None:
    d = payment.dispute
    if d is None:
        return None
    return DisputeState(d.dispute_id, d.status, int(d.status_at), _int(d.withdrawn), _int(d.reinstated))


def _int(value) -> int | None:
    return None if value is None else int(value)


def _notices(payment: Payment, report: DisputeReport, change: DisputeChange) -> list[dict]:
    moved = sum(amount for _, amount, _ in change.moves)
    return [
        {
            "kind": "dispute",
            "client_id": payment.client_id,
            "payment_id": payment.payment_id,
            "invoice_id": payment.invoice_id,
            "dispute_id": report.dispute_id,
            "phase": phase,
            "amount": moved if phase in ("withdrawn", "reinstated") else report.amount,
        }
        for phase in change.phases
    ]

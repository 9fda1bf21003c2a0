"""The daily due-date job: autopay (notices, charges, retries), reminders before the due date, the overdue notice
and the late fee after it; for an invoice on a payment plan, each of these per installment.

Its cost follows the invoices due, not the table: it Queries the sparse by-open-due-date index for each
date in its windows (30 days ahead, today, 31 days back) and never Scans; an invoice on a plan is filed under its
next installment still owed. Emails are queued, and the notice worker sends each at most once (a ledger entry per
invoice and day, or per invoice and due date), so running the job twice, or again after a crash half-way, sends
nothing twice. Autopay charges come first (shared/services/autopay.py: one charge per invoice or installment and
day); a late fee is one conditional unit of work per invoice and due date, decided again on the invoice as it is
when the fee is written (an extension approved after the job read the invoice moves the due date, and the fee
with it; a payment covers installments; an autopay try still in flight means no fee that day).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice, Payment
from shared.aws.retries import KeptLosingRaces
from shared.books import repository, work
from shared.books.ledger import entry
from shared.books.work import Change, Context, Keys, Repository, balances_of
from shared.domain import autopay as autopay_rules
from shared.domain import clock
from shared.domain.due_dates import (
    MAX_GRACE_DAYS,
    REMINDER_HORIZON,
    FeePolicy,
    fee_due,
    late_fee,
    parse_policy,
    reminder_due,
)
from shared.domain.invoices import OPEN, PARTIALLY_PAID
from shared.domain.payment_plans import OVERDUE, late_fees, next_owed, states_of
from shared.emails.jobs import Enqueue
from shared.services import autopay

log = Logger(child=True)
ACTIVE = (OPEN, PARTIALLY_PAID)  # processing: in-flight money covers it, so no reminder, notice or fee


@dataclass
class JobReport:
    items_read: int = 0
    queries: int = 0
    reminders: int = 0
    overdue_notices: int = 0
    fees_applied: list = field(default_factory=list)  # (invoice_id, fee)
    autopay: dict = field(default_factory=dict)  # shared.services.autopay.AutopayReport's counts


def run(
    today: date,
    enqueue: Enqueue,
    default_policy: FeePolicy,
    *,
    cards: Callable | None = None,
    ach: Callable | None = None,
    autopay_days_before: int = 0,
) -> JobReport:
    """`cards` and `ach`: the processors autopay charges with, built on first use (None: no autopay this run)."""
    report = JobReport()
    upcoming = _due_between(today + timedelta(days=1), today + timedelta(days=REMINDER_HORIZON), report)
    due_today = _due_between(today, today, report)
    past = _due_between(today - timedelta(days=MAX_GRACE_DAYS + 1), today - timedelta(days=1), report)
    clients = _clients({i.client_id for i in upcoming + due_today + past})

    if cards is not None and any(c.autopay is not None for c in clients.values()):
        report.autopay = asdict(
            autopay.run_day(
                past + due_today + upcoming,
                clients,
                today,
                autopay_days_before,
                cards=cards,
                ach=ach,  # type: ignore[arg-type]  # both or neither
                enqueue=enqueue,
            )
        )

    for invoice in upcoming:
        client = clients.get(invoice.client_id)
        if invoice.status not in ACTIVE or client is None or not client.due_date_reminders:
            continue
        due = next_due_date(invoice, today)
        if due is None or (client.autopay is not None and autopay_rules.notice_for(invoice, due.isoformat())):
            continue  # an autopay notice already says when it will be paid
        if reminder_due(due, today, list(client.reminder_days_before)):
            enqueue(
                {
                    "kind": "reminder",
                    "client_id": invoice.client_id,
                    "invoice_id": invoice.invoice_id,
                    "on": today.isoformat(),
                }
            )
            report.reminders += 1

    for invoice in past:
        if invoice.status not in ACTIVE:
            continue
        for due_date in overdue_dates(invoice, today):
            enqueue(
                {
                    "kind": "overdue",
                    "client_id": invoice.client_id,
                    "invoice_id": invoice.invoice_id,
                    "due_date": due_date,
                }
            )
            report.overdue_notices += 1
        policy = parse_policy(invoice.late_fee_policy.as_dict()) if invoice.late_fee_policy else default_policy
        if fees_due(invoice, policy, today):  # decided again on the fresh invoice before it is written
            fee = apply_late_fee(invoice, policy, today)
            if fee:
                report.fees_applied.append((invoice.invoice_id, fee))
    log.info(
        "due-date job done",
        extra={
            "today": today.isoformat(),
            "items_read": report.items_read,
            "reminders": report.reminders,
            "overdue": report.overdue_notices,
            "fees": len(report.fees_applied),
            "autopay": report.autopay,
        },
    )
    return report


def _due_between(first: date, last: date, report: JobReport) -> list[Invoice]:
    invoices, day = [], first
    while day <= last:
        results = Invoice.by_open_due_date.query(day.isoformat())
        found = list(results)
        report.queries += 1
        report.items_read += len(found)
        invoices += found
        day += timedelta(days=1)
    return invoices


def _clients(client_ids: set[str]) -> dict[str, Client]:
    return {c.client_id: c for c in Client.batch_get(list(client_ids))} if client_ids else {}


def next_due_date(invoice: Invoice, today: date) -> date | None:
    """The date the next payment is due: the invoice's, or its plan's next installment still owed."""
    if invoice.payment_plan is None:
        return date.fromisoformat(invoice.due_date)
    upcoming = next_owed(states_of(invoice.payment_plan, balances_of(invoice).money, invoice.status, today))
    return upcoming.due_date if upcoming else None


def overdue_dates(invoice: Invoice, today: date) -> list[str]:
    """The due dates the invoice is overdue for: its own, or each installment past due with nothing paid for it."""
    if invoice.payment_plan is None:
        return [invoice.due_date] if date.fromisoformat(invoice.due_date) < today else []
    plan = states_of(invoice.payment_plan, balances_of(invoice).money, invoice.status, today)
    return [s.due_date.isoformat() for s in plan if s.status == OVERDUE]


def late_fee_due(invoice: Invoice, policy: FeePolicy, today: date) -> int:
    """The fee this invoice owes today (0: none): active, past its due date and grace period, not yet charged for
    this due date, something still unpaid. Pure."""
    return sum(fee for _, fee in fees_due(invoice, policy, today))


def fees_due(invoice: Invoice, policy: FeePolicy, today: date) -> list[tuple[str, int]]:
    """(due date, fee) of each fee owed today: the invoice's one fee per due date, or one per installment past due
    (shared.domain.payment_plans.late_fees). Pure."""
    if invoice.status not in ACTIVE:
        return []
    money = balances_of(invoice).money
    if invoice.payment_plan is not None:
        return late_fees(
            states_of(invoice.payment_plan, money, invoice.status, today), policy, today, invoice.late_fee_period
        )
    if (
        invoice.late_fee_period == invoice.due_date
        or money.balance <= 0
        or not fee_due(policy, date.fromisoformat(invoice.due_date), today)
    ):
        return []
    return [(invoice.due_date, late_fee(policy, money.balance))]  # the unpaid part only: not what is paid or in flight


def apply_late_fee(
    invoice: Invoice, policy: FeePolicy, today: date | None = None, attempts: int = 3, *, repo: Repository | None = None
) -> int:
    """Charge the invoice's late fees for its current due date (each installment's) once; returns the fee (0 when
    none applies). The rule runs again on the invoice as it is when the fee is written, so a payment, an extension
    or a second run in between makes it decide again. No fee while an autopay try is still in flight."""
    today = today or clock.today()
    tries = autopay_rules.recent_attempt_ids(invoice.client_id, invoice, today)

    def decide(ctx: Context) -> Change:
        fresh = ctx.invoice()
        if fresh is None or autopay_rules.recent_attempt_ids(fresh.client_id, fresh, today) != tries:
            return Change(result=0)  # its autopay tries changed since the job read it: the next run decides
        if any(isinstance(p, Payment) and p.status in autopay_rules.IN_FLIGHT for p in ctx.extra):
            return Change(result=0)  # an autopay charge is still on its way
        fees = fees_due(fresh, policy, today)
        if not fees:
            return Change(result=0)
        at = clock.now_iso()
        return Change(
            result=sum(fee for _, fee in fees),
            entries=[
                entry("late_fee", fee, f"late-fee:{fresh.invoice_id}:{due}", at, fresh.invoice_id) for due, fee in fees
            ],
            invoices={fresh.invoice_id: {"late_fee_period": max(due for due, _ in fees)}},
        )

    keys = Keys(
        invoice.client_id,
        invoice_ids=(invoice.invoice_id,),
        extra=tuple((Payment, invoice.client_id, t) for t in tries),
    )
    try:
        return work.run(repo or repository(), keys, decide, attempts=attempts)
    except KeptLosingRaces:  # the next run decides again
        log.warning("late fee not charged: the invoice kept changing", extra={"invoice_id": invoice.invoice_id})
        return 0

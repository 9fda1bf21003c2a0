"""The daily due-date job: reminders before the due date, the overdue notice and the late fee after it.

Its cost follows the invoices due, not the table: it Queries the sparse by-open-due-date index for each
date in its windows (30 days ahead, 31 days back) and never Scans. Emails are queued, and the notice
worker sends each at most once (a ledger entry per invoice and day, or per invoice and due date), so
running the job twice, or again after a crash half-way, sends nothing twice. A late fee is one conditional
unit of work per invoice and due date, decided again on the invoice as it is when the fee is written (an
extension approved after the job read the invoice moves the due date, and the fee with it).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from aws_lambda_powertools import Logger

from shared import clock
from shared.books import repository
from shared.books.ledger import entry
from shared.books import work
from shared.books.work import Change, Context, Keys, Repository, balances_of
from shared.due_dates import MAX_GRACE_DAYS, REMINDER_HORIZON, FeePolicy, fee_due, late_fee, parse_policy, reminder_due
from shared.invoices import OPEN, PARTIALLY_PAID
from shared.jobs import Enqueue
from shared.models import Client, Invoice
from shared.retries import KeptLosingRaces

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id
ACTIVE = (OPEN, PARTIALLY_PAID)  # processing: in-flight money covers it, so no reminder, notice or fee


@dataclass
class JobReport:
    items_read: int = 0
    queries: int = 0
    reminders: int = 0
    overdue_notices: int = 0
    fees_applied: list = field(default_factory=list)  # (invoice_id, fee)


def run(today: date, enqueue: Enqueue, default_policy: FeePolicy) -> JobReport:
    report = JobReport()
    upcoming = _due_between(today + timedelta(days=1), today + timedelta(days=REMINDER_HORIZON), report)
    clients = _clients({i.client_id for i in upcoming})
    for invoice in upcoming:
        client = clients.get(invoice.client_id)
        if invoice.status not in ACTIVE or client is None or not client.due_date_reminders:
            continue
        if reminder_due(date.fromisoformat(invoice.due_date), today, list(client.reminder_days_before)):
            enqueue({"kind": "reminder", "client_id": invoice.client_id, "invoice_id": invoice.invoice_id,
                     "on": today.isoformat()})
            report.reminders += 1

    for invoice in _due_between(today - timedelta(days=MAX_GRACE_DAYS + 1), today - timedelta(days=1), report):
        if invoice.status not in ACTIVE:
            continue
        enqueue({"kind": "overdue", "client_id": invoice.client_id, "invoice_id": invoice.invoice_id,
                 "due_date": invoice.due_date})
        report.overdue_notices += 1
        policy = parse_policy(invoice.late_fee_policy.as_dict()) if invoice.late_fee_policy else default_policy
        if late_fee_due(invoice, policy, today):  # decided again on the fresh invoice before it is written
            fee = apply_late_fee(invoice, policy, today)
            if fee:
                report.fees_applied.append((invoice.invoice_id, fee))
    log.info("due-date job done", extra={"today": today.isoformat(), "items_read": report.items_read,
                                         "reminders": report.reminders, "overdue": report.overdue_notices,
                                         "fees": len(report.fees_applied)})
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


def late_fee_due(invoice: Invoice, policy: FeePolicy, today: date) -> int:
    """The fee this invoice owes today (0: none): active, past its due date and grace period, not yet charged for
    this due date, something still unpaid. Pure."""
    balance = balances_of(invoice).money.balance
    if invoice.status not in ACTIVE or invoice.late_fee_period == invoice.due_date or balance <= 0 \
            or not fee_due(policy, date.fromisoformat(invoice.due_date), today):
        return 0
    return late_fee(policy, balance)  # the unpaid part only: not what is paid or in flight


def apply_late_fee(invoice: Invoice, policy: FeePolicy, today: date | None = None, attempts: int = 3, *,
                   repo: Repository | None = None) -> int:
    """Charge the invoice's late fee for its current due date once; returns the fee (0 when none applies). The
    rule runs again on the invoice as it is when the fee is written, so a payment, an extension or a second
    run in between makes it decide again."""
    today = today or clock.today()

    def decide(ctx: Context) -> Change:
        fresh = ctx.invoice()
        fee = late_fee_due(fresh, policy, today) if fresh is not None else 0
        if not fee:
            return Change(result=0)
        return Change(result=fee, entries=[entry("late_fee", fee, f"late-fee:{fresh.invoice_id}:{fresh.due_date}",
                                                 clock.now_iso(), fresh.invoice_id)],
                      invoices={fresh.invoice_id: {"late_fee_period": fresh.due_date}})

    try:
        return work.run(repo or repository(), Keys(invoice.client_id, invoice_ids=(invoice.invoice_id,)), decide,
                   attempts=attempts)
    except KeptLosingRaces:  # the next run decides again
        log.warning("late fee not charged: the invoice kept changing", extra={"invoice_id": invoice.invoice_id})
        return 0

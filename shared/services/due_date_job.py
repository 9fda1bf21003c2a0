"""The daily due-date job: reminders before the due date, the overdue notice and the late fee after it.

Its cost follows the invoices due, not the table: it Queries the sparse by-open-due-date index for each
date in its windows (30 days ahead, 31 days back) and never Scans. Emails are queued, and the notice
worker sends each at most once (a ledger entry per invoice and day, or per invoice and due date), so
running the job twice, or again after a crash half-way, sends nothing twice. A late fee is one conditional
write per invoice and due date.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from shared.due_dates import MAX_GRACE_DAYS, REMINDER_HORIZON, FeePolicy, fee_due, late_fee, parse_policy, reminder_due
from shared import clock
from shared.invoices import OPEN, PARTIALLY_PAID
from shared.ledger import entry
from shared.models import Client, Invoice, LineItem
from shared.money import format_amount
from shared.jobs import Enqueue
from shared.postings import log_posted, posting_actions
from shared.retries import KeptLosingRaces, TryAgain, until_won
from shared.store import money_of

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
        if fee_due(policy, date.fromisoformat(invoice.due_date), today) and invoice.late_fee_period != invoice.due_date:
            fee = apply_late_fee(invoice, policy)
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


def apply_late_fee(invoice: Invoice, policy: FeePolicy, attempts: int = 3) -> int:
    """Charge the invoice's late fee for its current due date once; returns the fee (0 when none applies).
    Conditional on the version read, so a payment or a second run in between makes it decide again."""

    def attempt() -> int:
        money = money_of(invoice)
        if invoice.status not in ACTIVE or invoice.late_fee_period == invoice.due_date or money.balance <= 0:
            return 0
        fee = late_fee(policy, money.balance)  # the unpaid part only: not what is paid or in flight
        if fee <= 0:
            return 0
        line = LineItem(description=policy.describe(lambda c: format_amount(c, invoice.currency)), quantity=1,
                        unit_amount=fee, amount=fee)
        charged = [entry("late_fee", fee, f"late-fee:{invoice.invoice_id}:{invoice.due_date}", clock.now_iso())]
        actions, _ = posting_actions(invoice, charged)
        try:
            invoice.update(actions=[*actions, Invoice.line_items.set(Invoice.line_items.append([line])),
                                    Invoice.late_fee_period.set(invoice.due_date)])
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            invoice.refresh(consistent_read=True)
            raise TryAgain from None
        log_posted(charged, invoice.client_id, invoice.invoice_id)
        return fee

    try:
        return until_won(attempt, attempts=attempts)
    except KeptLosingRaces:  # the next run decides again
        log.warning("late fee not charged: the invoice kept changing", extra={"invoice_id": invoice.invoice_id})
        return 0

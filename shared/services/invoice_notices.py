"""Send the due-date emails, each at most once (shared.services.email_ledger). The
invoice is read again at send time, so an email that no longer fits (paid since, reminders turned off,
due date moved) is not sent."""

from collections.abc import Callable
from datetime import date

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice
from shared.aws.store import money_of
from shared.domain.due_dates import merchant_default_policy, parse_policy, reminder_due
from shared.domain.merchant import Merchant
from shared.domain.payment_plans import OVERDUE, next_owed, states_of
from shared.emails.invoice_emails import (
    InvoiceFacts,
    render_extension_decided,
    render_extension_requested,
    render_overdue,
    render_reminder,
)
from shared.emails.receipts import Email
from shared.services.email_ledger import send_once

log = Logger(child=True)


def ledger_key(job: dict) -> str:
    kind = job["kind"]
    detail = {"reminder": job.get("on"), "overdue": job.get("due_date")}.get(kind, job.get("extension_request_id"))
    return f"email:{kind}:{job['client_id']}:{job['invoice_id']}:{detail}"


def send_invoice_notice(
    job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str], today: date
) -> str:
    try:
        invoice = Invoice.get(job["client_id"], job["invoice_id"], consistent_read=True)
        client = Client.get(job["client_id"])
    except (Invoice.DoesNotExist, Client.DoesNotExist):
        return "unknown_invoice"
    email = _compose(job, invoice, client, merchant, merchant_email, today)
    if email is None:
        return "not_applicable"
    send_once(ledger_key(job), job["kind"], email, merchant.sender_email, send)
    log.info("invoice notice sent", extra={"kind": job["kind"], "invoice_id": invoice.invoice_id})
    return "sent"


def _compose(
    job: dict, invoice: Invoice, client: Client, merchant: Merchant, merchant_email: str, today: date
) -> Email | None:
    kind = job["kind"]
    due, amount = invoice.due_date, money_of(invoice).balance
    if invoice.payment_plan is not None and kind in ("reminder", "overdue"):  # about one installment
        plan = states_of(invoice.payment_plan, money_of(invoice), invoice.status, today)
        target = (
            next_owed(plan)
            if kind == "reminder"
            else next((s for s in plan if s.due_date.isoformat() == job.get("due_date") and s.status == OVERDUE), None)
        )
        if target is None:
            return None
        due, amount = target.due_date.isoformat(), target.owed
    facts = InvoiceFacts(
        to=client.billing_email,
        client_name=client.name,
        invoice_number=invoice.number,
        invoice_id=invoice.invoice_id,
        amount_due=amount,
        currency=invoice.currency,
        due_date=due,
    )
    owed = invoice.status in ("open", "partially_paid")
    if kind == "reminder":
        days = reminder_due(date.fromisoformat(due), today, list(client.reminder_days_before))
        if not owed or not client.due_date_reminders or days is None or job.get("on") != today.isoformat():
            return None
        return render_reminder(facts, merchant, days)
    if kind == "overdue":
        if not owed or job.get("due_date") != due:
            return None
        policy = (
            parse_policy(invoice.late_fee_policy.as_dict()) if invoice.late_fee_policy else merchant_default_policy()
        )
        charged = invoice.fees if invoice.late_fee_period == due else 0  # the job's fee for this due date
        return render_overdue(facts, merchant, fee_charged=charged, fee_may_apply=policy.kind != "none")
    ext = invoice.extension_request
    if ext is None or ext.extension_request_id != job.get("extension_request_id"):
        return None
    if kind == "extension_requested":
        return render_extension_requested(
            InvoiceFacts(**{**facts.__dict__, "to": merchant_email}),
            merchant,
            ext.requested_due_date,
            ext.reason,
            ext.extension_request_id,
        )
    if kind == "extension_decided" and ext.status in ("approved", "declined"):
        return render_extension_decided(facts, merchant, ext.status == "approved", ext.requested_due_date, ext.note)
    return None

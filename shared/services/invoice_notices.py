"""Send the due-date emails, each at most once: a ledger entry per email (in the processed-events table)
is claimed with a conditional write before sending and marked sent after, like payment notices. The
invoice is read again at send time, so an email that no longer fits (paid since, reminders turned off,
due date moved) is not sent."""

import logging
from collections.abc import Callable
from datetime import date, timedelta

from pynamodb.exceptions import PutError, UpdateError

from shared import clock
from shared.due_dates import reminder_due
from shared.invoice_emails import (
    InvoiceFacts,
    render_extension_decided,
    render_extension_requested,
    render_overdue,
    render_reminder,
)
from shared.merchant import Merchant
from shared.models import Client, Invoice, ProcessedEvent
from shared.receipts import Email
from shared.services.notices import CLAIM_SECONDS, NoticeBusy
from shared.store import money_of

log = logging.getLogger(__name__)
LEDGER_RETENTION = timedelta(days=120)
INVOICE_KINDS = ("reminder", "overdue", "extension_requested", "extension_decided")


def ledger_key(job: dict) -> str:
    kind = job["kind"]
    detail = {"reminder": job.get("on"), "overdue": job.get("due_date")}.get(kind, job.get("extension_request_id"))
    return f"email:{kind}:{job['client_id']}:{job['invoice_id']}:{detail}"


def send_invoice_notice(job: dict, *, merchant: Merchant, merchant_email: str,
                        send: Callable[[Email, str], str], today: date) -> str:
    try:
        invoice = Invoice.get(job["client_id"], job["invoice_id"], consistent_read=True)
        client = Client.get(job["client_id"])
    except (Invoice.DoesNotExist, Client.DoesNotExist):
        return "unknown_invoice"
    email = _compose(job, invoice, client, merchant, merchant_email, today)
    if email is None:
        return "not_applicable"
    key = ledger_key(job)
    claim_email(key, job["kind"])
    send(email, merchant.sender_email)
    mark_email_sent(key)
    log.info("invoice notice sent", extra={"kind": job["kind"], "invoice_id": invoice.invoice_id})
    return "sent"


def claim_email(key: str, kind: str) -> None:
    """Claim the ledger entry `key` (a ProcessedEvent) before sending the email it stands for: a conditional
    write that succeeds when the entry is new or its claim expired. Raises AlreadySent when it was sent, and
    NoticeBusy while another worker holds the claim (the queue delivers the job again later)."""
    now = int(clock.now().timestamp())
    entry = ProcessedEvent(key, event_type=kind, processed_at=clock.now_iso(), status="sending",
                           claimed_until=now + CLAIM_SECONDS, expires_at=clock.now() + LEDGER_RETENTION)
    try:
        entry.save(condition=ProcessedEvent.event_id.does_not_exist()
                   | ((ProcessedEvent.status == "sending") & (ProcessedEvent.claimed_until < now)))
    except (PutError, UpdateError) as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = ProcessedEvent.get(key, consistent_read=True)
        if existing.status == "sent":
            raise AlreadySent(key) from None
        raise NoticeBusy(key) from None


def mark_email_sent(key: str) -> None:
    ProcessedEvent(key).update(actions=[ProcessedEvent.status.set("sent")])


class AlreadySent(Exception):
    pass


def _compose(job: dict, invoice: Invoice, client: Client, merchant: Merchant, merchant_email: str,
             today: date) -> Email | None:
    kind = job["kind"]
    facts = InvoiceFacts(to=client.billing_email, client_name=client.name, invoice_number=invoice.number,
                         invoice_id=invoice.invoice_id, amount_due=money_of(invoice).balance,
                         currency=invoice.currency, due_date=invoice.due_date)
    owed = invoice.status in ("open", "partially_paid")
    if kind == "reminder":
        days = reminder_due(date.fromisoformat(invoice.due_date), today, list(client.reminder_days_before))
        if not owed or not client.due_date_reminders or days is None or job.get("on") != today.isoformat():
            return None
        return render_reminder(facts, merchant, days)
    if kind == "overdue":
        if not owed or job.get("due_date") != invoice.due_date:
            return None
        return render_overdue(facts, merchant)
    ext = invoice.extension_request
    if ext is None or ext.extension_request_id != job.get("extension_request_id"):
        return None
    if kind == "extension_requested":
        return render_extension_requested(
            InvoiceFacts(**{**facts.__dict__, "to": merchant_email}), merchant, ext.requested_due_date, ext.reason,
            ext.extension_request_id)
    if kind == "extension_decided" and ext.status in ("approved", "declined"):
        return render_extension_decided(facts, merchant, ext.status == "approved", ext.requested_due_date)
    return None

"""Send autopay's emails, each at most once through the email ledger, after reading the records again (an email
that no longer fits is dropped: autopay turned off since, the invoice paid, the charge's day gone). The notice's
ledger entry is what a charge checks: it goes ahead only if the entry says the email was sent in time."""

from collections.abc import Callable
from datetime import date

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice, Payment
from shared.aws.store import get_many, money_of
from shared.domain import autopay as rules
from shared.domain.merchant import Merchant
from shared.domain.payment_plans import states_of
from shared.emails.autopay_emails import (
    AutopayFacts,
    ChargeFacts,
    render_authorized,
    render_failed,
    render_notice,
    render_off,
    render_too_late,
)
from shared.emails.receipts import Email
from shared.services.email_ledger import send_once

log = Logger(child=True)
KINDS = ("autopay_authorized", "autopay_off", "autopay_notice", "autopay_too_late", "autopay_failed")


def send_autopay_notice(job: dict, *, merchant: Merchant, send: Callable[[Email, str], str], today: date) -> str:
    kind, client_id = job["kind"], job["client_id"]
    if kind in ("autopay_authorized", "autopay_off"):
        return _authorization(job, merchant, send)
    if kind == "autopay_failed":
        return _failed(job, merchant, send)
    invoice, client = get_many((Invoice, client_id, job["invoice_id"]), (Client, client_id))
    if invoice is None or client is None or client.autopay is None:
        return "not_applicable"
    money = money_of(invoice)
    plan = states_of(invoice.payment_plan, money, invoice.status, today) if invoice.payment_plan else None
    item = next((o for o in rules.owed_items(invoice, plan, money.balance) if o.due_date == job["due_date"]), None)
    if item is None:
        return "not_applicable"  # paid since
    if kind == "autopay_notice":
        notice = rules.notice_for(invoice, job["due_date"])
        if notice is None or notice.charge_date <= today.isoformat():
            return "not_applicable"  # too late to be a notice: the charge checks the ledger and will not go ahead
        first = date.fromisoformat(notice.charge_date)
        facts = _charge_facts(
            client,
            invoice,
            item,
            int(notice.amount),
            notice.method_label,
            notice.charge_date,
            tuple(d.isoformat() for d in rules.try_days(first)[1:]),
        )
        email, key = (
            render_notice(facts, merchant),
            rules.notice_email_key(client_id, invoice.invoice_id, item.due_date),
        )
    else:
        facts = _charge_facts(client, invoice, item, item.amount, client.autopay.method_label, item.due_date, ())
        email, key = (
            render_too_late(facts, merchant),
            f"email:autopay_too_late:{client_id}:{invoice.invoice_id}:{item.due_date}",
        )
    send_once(key, kind, email, merchant.sender_email, send)
    log.info("autopay notice sent", extra={"kind": kind, "invoice_id": invoice.invoice_id})
    return "sent"


def _charge_facts(
    client: Client,
    invoice: Invoice,
    item: rules.Owed,
    amount: int,
    method: str,
    charge_date: str,
    retries: tuple[str, ...],
) -> ChargeFacts:
    return ChargeFacts(
        to=client.billing_email,
        client_name=client.name,
        invoice_number=invoice.number,
        invoice_id=invoice.invoice_id,
        amount=amount,
        currency=invoice.currency,
        method=method,
        charge_date=charge_date,
        due_date=item.due_date,
        installment=item.label,
        retries=retries,
    )


def _authorization(job: dict, merchant: Merchant, send) -> str:
    try:
        client = Client.get(job["client_id"], consistent_read=True)
    except Client.DoesNotExist:
        return "not_applicable"
    if job["kind"] == "autopay_authorized":
        record = client.autopay
        if record is None or record.authorized_at != job["authorized_at"]:
            record = client.autopay_previous  # turned off (or replaced) since: the copy is still theirs
        if record is None or record.authorized_at != job["authorized_at"]:
            return "not_applicable"
        email = render_authorized(
            AutopayFacts(client.billing_email, client.name, record.method_label),
            merchant,
            record.text,
            record.authorized_at,
        )
    else:
        email = render_off(
            AutopayFacts(client.billing_email, client.name, job.get("method") or "your saved method"),
            merchant,
            job.get("reason") or "",
        )
    send_once(
        f"email:{job['kind']}:{client.client_id}:{job['authorized_at']}",
        job["kind"],
        email,
        merchant.sender_email,
        send,
    )
    return "sent"


def _failed(job: dict, merchant: Merchant, send) -> str:
    payment, client = get_many((Payment, job["client_id"], job["payment_id"]), (Client, job["client_id"]))
    if payment is None or client is None or payment.autopay is None or payment.failure_message is None:
        return "not_applicable"
    invoice = Invoice.get(payment.client_id, payment.invoice_id, consistent_read=True)
    attempt = payment.autopay
    later = rules.next_try(date.fromisoformat(attempt.charge_date), date.fromisoformat(attempt.tried_on))
    next_try = later.isoformat() if later is not None and client.autopay is not None else None
    label = (
        next(
            (
                f"installment {n} of {len(invoice.payment_plan.installments)}"
                for n, i in enumerate(invoice.payment_plan.installments, start=1)
                if i.due_date == attempt.due_date
            ),
            None,
        )
        if invoice.payment_plan
        else None
    )
    method = (client.autopay.method_label if client.autopay else None) or (
        f"{payment.bank_name or 'Bank'} account ending in {payment.bank_last4}"
        if payment.method == "ach"
        else "your card"
    )
    facts = ChargeFacts(
        to=client.billing_email,
        client_name=client.name,
        invoice_number=invoice.number,
        invoice_id=invoice.invoice_id,
        amount=payment.amount,
        currency=payment.currency,
        method=method,
        charge_date=attempt.tried_on,
        due_date=attempt.due_date,
        installment=label,
    )
    send_once(
        f"email:autopay_failed:{client.client_id}:{payment.payment_id}",
        "autopay_failed",
        render_failed(facts, merchant, payment.failure_message, next_try),
        merchant.sender_email,
        send,
    )
    return "sent"

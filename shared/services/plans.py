"""The merchant splits an invoice's balance into installments (POST /admin/clients/{client_id}/invoices/
{invoice_id}/payment-plan): one unit of work on the invoice, conditional on the version the balance was read at, so
a payment that lands in between makes it decide again on the new balance (and the installments no longer add up:
422). The request's Idempotency-Key is recorded in the same write with the body's fingerprint: the same key and
body answer the invoice again, another body is 422 idempotency_key_reused. A plan replaces any earlier one; the
invoice's due date becomes the last installment's, and the due-date job files it under the next one still owed.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from aws_lambda_powertools import Logger

from shared.aws.event_records import record_of
from shared.aws.models import Installment, Invoice, Payment, PaymentPlan, ProcessedEvent
from shared.books import repository
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import clock
from shared.domain.payment_plans import check_plannable, parse_plan
from shared.http.errors import Unprocessable, invoice_not_found

log = Logger(child=True)


@dataclass(frozen=True)
class PlannedInvoice:
    invoice: Invoice
    payments: list[Payment]
    replayed: bool
    activity: list = field(default_factory=list)


def request_key(client_id: str, invoice_id: str, idempotency_key: str) -> str:
    return f"payment-plan:{client_id}:{invoice_id}:{idempotency_key}"


def fingerprint(body: object) -> str:
    return "payment_plan:" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def set_payment_plan(
    client_id: str, invoice_id: str, body: object, idempotency_key: str, today: date, *, repo: Repository | None = None
) -> PlannedInvoice:
    repo = repo or repository()
    key, tag = request_key(client_id, invoice_id, idempotency_key), fingerprint(body)

    def decide(ctx: Context) -> Change:
        invoice, seen = ctx.invoice(), ctx.extra[0]
        if invoice is None:
            raise invoice_not_found()
        if seen is not None:
            if seen.event_type != tag:
                raise Unprocessable(
                    "This Idempotency-Key was already used for a different payment plan. Use a new key for a new plan.",
                    code="idempotency_key_reused",
                )
            return Change(result=True)
        money = balances_of(invoice).money
        ext = invoice.extension_request
        check_plannable(invoice.status, money.balance, ext is not None and ext.status == "pending")
        installments = parse_plan(body, balance=money.balance, currency=invoice.currency, today=today)
        plan = PaymentPlan(
            installments=[Installment(amount=i.amount, due_date=i.due_date.isoformat()) for i in installments],
            base=money.amount_paid + money.amount_pending,
            created_at=clock.now_iso(),
        )
        return Change(
            result=False,
            creates=[record_of(key, tag)],
            invoices={invoice_id: {"payment_plan": plan, "due_date": installments[-1].due_date.isoformat()}},
        )

    replayed = run(
        repo,
        Keys(client_id, invoice_ids=(invoice_id,), extra=((ProcessedEvent, key),)),
        decide,
        message="This invoice changed while the plan was being saved (a payment may have arrived). Check "
        "its balance and try again.",
    )
    if not replayed:
        log.info("payment plan set", extra={"client_id": client_id, "invoice_id": invoice_id})
    invoice = repo.load(Keys(client_id, invoice_ids=(invoice_id,))).invoice()
    assert invoice is not None  # read by the run above: an invoice is never deleted
    return PlannedInvoice(
        invoice, repo.invoice_payments(client_id, invoice_id)[::-1], replayed, repo.journal(client_id, invoice_id)
    )

"""Records -> the JSON shapes of the HTTP API (README "HTTP API", docs/openapi.json). The only place that knows
those shapes."""

from datetime import date
from typing import Any

from shared.aws.models import Invoice, Payment
from shared.aws.store import money_of
from shared.books.ledger import CLIENT_VISIBLE, Entry
from shared.domain import autopay, clock, payment_plans
from shared.domain.accounts import pending_billing_email
from shared.domain.bank_accounts import attempts_left
from shared.domain.due_dates import FeePolicy, late_fee, merchant_default_policy, parse_policy
from shared.domain.invoices import is_overdue, is_payable
from shared.domain.money import format_amount
from shared.domain.payment_states import CANCELED, FAILED
from shared.domain.receipt_numbers import RECEIPTED, receipt_number


def payment_view(payment: Payment) -> dict:
    failure = None
    # A declined payment the client then replaced is `canceled` but keeps the decline that led to it.
    if payment.status in (FAILED, CANCELED) and payment.failure_code:
        failure = {"code": payment.failure_code, "message": payment.failure_message}
    card = bank = None
    if payment.method == "card" and payment.card_brand:
        card = {"brand": payment.card_brand, "last4": payment.card_last4}
    if payment.method == "ach":
        bank = {"bank_name": payment.bank_name, "last4": payment.bank_last4}
    return {
        "payment_id": payment.payment_id,
        "invoice_id": payment.invoice_id,
        "invoice_number": payment.invoice_number,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "status": payment.status,
        "created_at": payment.created_at,
        "succeeded_at": payment.succeeded_at,
        "failure": failure,
        "card": card,
        "bank": bank,
        "receipt_sent": payment.receipt_sent_at is not None,
        # What the receipt email calls "Receipt number": the client quotes it to the merchant.
        "receipt_reference": receipt_number(payment.payment_id) if payment.status in RECEIPTED else None,
        "ach_authorization": ach_authorization_view(payment.ach_authorization),
        "allocations": allocations_view(payment),
        "card_fee": int(payment.card_fee or 0),
        "refunds": [
            {"refund_id": r.refund_id, "amount": r.amount, "status": r.status, "created_at": r.created_at}
            for r in payment.refunds
        ],
        "problem_reports": [
            {"problem_report_id": r.problem_report_id, "kind": r.kind, "status": r.status, "created_at": r.created_at}
            for r in payment.problem_reports
        ],
    }


def allocations_view(payment: Payment) -> list[dict]:
    """What the payment pays on each invoice, in order of allocation (one invoice: the whole amount)."""
    if not payment.allocations:
        return [
            {
                "invoice_id": payment.invoice_id,
                "invoice_number": payment.invoice_number,
                "amount": payment.amount,
                "card_fee": 0,
            }
        ]
    return [
        {
            "invoice_id": a.invoice_id,
            "invoice_number": a.invoice_number,
            "amount": int(a.amount),
            "card_fee": int(a.card_fee or 0) if payment.card_fee else 0,
        }
        for a in payment.allocations
    ]


def quote_view(quote) -> dict:
    """POST /payments/quote (shared/services/multi_payments.Quote)."""
    fee = None
    if quote.fee is not None:
        fee = {
            "basis_points": quote.fee.basis_points,
            "amount": quote.card_fee,
            "card_funding": quote.card.funding if quote.card else None,
        }
    card = {"brand": quote.card.brand, "last4": quote.card.last4} if quote.card else None
    return {
        "currency": quote.currency,
        "amount": quote.amount,
        "card_fee": fee,
        "total": quote.total,
        "card": card,
        "allocations": [
            {"invoice_id": s.invoice_id, "invoice_number": s.number, "amount": s.amount, "card_fee": s.card_fee}
            for s in quote.shares
        ],
    }


def started_view(started) -> dict:
    """A payment just started (shared/services/card_payments.StartedPayment): the payment, with what the portal
    confirms it with (`client_secret`) and what it must do next (`next_action`)."""
    body = payment_view(started.payment)
    if started.client_secret:
        body["client_secret"] = started.client_secret
    if started.next_action:
        body["next_action"] = started.next_action
    return body


def resend_view(payment: Payment, sent_to: str) -> dict:
    return {
        "payment_id": payment.payment_id,
        "receipt_reference": receipt_number(payment.payment_id),
        "sent_to": sent_to,
        "status": "queued",
    }


def ach_authorization_view(record) -> dict | None:
    if record is None:
        return None
    return {
        "text": record.text,
        "accepted_at": record.accepted_at,
        "payment_method_id": record.payment_method_id,
        "bank_name": record.bank_name,
        "last4": record.bank_last4,
        "amount": record.amount,
        "currency": record.currency,
    }


def late_fee_view(invoice: Invoice, balance: int) -> dict:
    """The policy that applies (the invoice's own, else the merchant's default) and what it would cost on
    today's balance, so "pay before the due date to avoid a late fee" can say how much."""
    policy = _policy(invoice)
    return {
        "kind": policy.kind,
        "amount": policy.amount if policy.kind == "flat" else None,
        "basis_points": policy.basis_points if policy.kind == "percent" else None,
        "grace_days": policy.grace_days,
        "fee_on_balance": late_fee(policy, balance),
    }


def line_items_view(invoice: Invoice) -> list[dict]:
    """The invoice's own lines, then one line for its late fees, one for its corrections (refunds of overcharges
    that lowered the total) and one for the card fees paid with its payments, so the lines always add up to total +
    fees + card_fees. The fees and corrections themselves are journal entries (`activity`): the invoice item never
    grows with them."""
    lines: list[dict[str, Any]] = [
        {
            "description": li.description,
            "quantity": int(li.quantity),
            "unit_amount": int(li.unit_amount),
            "amount": int(li.amount),
        }
        for li in invoice.line_items
    ]
    if invoice.fees:
        lines.append(_fee_line(invoice, int(invoice.fees)))
    corrected = sum(line["amount"] for line in lines) - int(invoice.fees or 0) - int(invoice.total)
    if corrected:
        lines.append(
            {
                "description": "Corrections (overcharges refunded)",
                "quantity": 1,
                "unit_amount": -corrected,
                "amount": -corrected,
            }
        )
    if invoice.card_fees:  # paid with the payment it is a fee on: never part of the balance
        lines.append(
            {
                "description": CARD_FEE_LINE,
                "quantity": 1,
                "unit_amount": int(invoice.card_fees),
                "amount": int(invoice.card_fees),
            }
        )
    return lines


CARD_FEE_LINE = "Card fee (credit card surcharge), paid"


def _fee_line(invoice: Invoice, fees: int) -> dict:
    """The late fees as the invoice's policy describes them: a flat fee once per period charged."""
    policy = _policy(invoice)
    if policy.kind not in ("flat", "percent"):
        return {"description": "Late fees", "quantity": 1, "unit_amount": fees, "amount": fees}
    times = fees // policy.amount if policy.kind == "flat" and fees % policy.amount == 0 else 1
    return {
        "description": policy.describe(lambda cents: format_amount(cents, invoice.currency)),
        "quantity": times,
        "unit_amount": fees // times,
        "amount": fees,
    }


def _policy(invoice: Invoice) -> FeePolicy:
    return parse_policy(invoice.late_fee_policy.as_dict()) if invoice.late_fee_policy else merchant_default_policy()


def activity_view(entries: list[Entry]) -> list[dict]:
    """What changed the invoice's money, oldest first, in the client's side of the books (+ in, - out); entries
    that move only the merchant's own accounts (its losses) are not the client's to see."""
    return [
        {"kind": e.kind, "amount": e.signed, "at": e.at, "payment_id": e.payment_id, "refund_id": e.refund_id}
        for e in entries
        if e.kind in CLIENT_VISIBLE
    ]


def invoice_view(
    invoice: Invoice,
    payments: list[Payment] | None = None,
    today: date | None = None,
    activity: tuple[list[Entry], str | None] | None = None,
) -> dict:
    money = money_of(invoice)
    today = today or clock.today()
    overdue = is_overdue(invoice.status, money.balance, date.fromisoformat(invoice.due_date), today)
    allow_partial, minimum = invoice.allow_partial, invoice.minimum_payment
    plan = None
    if invoice.payment_plan is not None:  # its installments decide what is overdue and the smallest payment
        plan = payment_plans.states_of(invoice.payment_plan, money, invoice.status, today)
        overdue = any(s.status == payment_plans.OVERDUE for s in plan)
        allow_partial, minimum = payment_plans.payment_rules(
            plan, allow_partial=invoice.allow_partial, minimum_payment=invoice.minimum_payment, balance=money.balance
        )
    view = {
        "invoice_id": invoice.invoice_id,
        "number": invoice.number,
        "status": invoice.status,
        "currency": invoice.currency,
        "total": money.total,
        "amount_paid": money.amount_paid,
        "amount_pending": money.amount_pending,
        "fees": money.fees,
        "card_fees": int(invoice.card_fees or 0),
        "balance": money.balance,
        "issued_date": invoice.issued_date,
        "due_date": invoice.due_date,
        "overdue": overdue,
        "payable": is_payable(invoice.status, money.balance),
        "allow_partial": allow_partial,
        "minimum_payment": minimum,
        "extension_request": extension_view(invoice.extension_request),
        "late_fee_policy": late_fee_view(invoice, money.balance),
        "payment_plan": None
        if plan is None
        else {
            "installments": [
                {
                    "number": s.number,
                    "amount": s.amount,
                    "due_date": s.due_date.isoformat(),
                    "status": s.status,
                    "amount_due": s.owed,
                }
                for s in plan
            ]
        },
        "autopay_charge": autopay_charge_view(invoice, plan, money.balance, today),
    }
    if payments is not None:
        entries, next_cursor = activity or ([], None)
        view["line_items"] = line_items_view(invoice)
        view["payments"] = [payment_view(p) for p in payments]
        view["activity"] = activity_view(entries)
        view["activity_next_cursor"] = next_cursor
    return view


def autopay_charge_view(invoice: Invoice, plan, balance: int, today: date) -> dict | None:
    """The autopay charge the client was told of and that has yet to go through (shared/domain/autopay.py), if any."""
    notice = autopay.pending_notice(invoice, plan, balance, today)
    if notice is None:
        return None
    return {
        "due_date": notice.due_date,
        "charge_date": notice.charge_date,
        "amount": int(notice.amount),
        "method": notice.method_label,
    }


def extension_view(ext) -> dict | None:
    if ext is None:
        return None
    return {
        "extension_request_id": ext.extension_request_id,
        "requested_due_date": ext.requested_due_date,
        "reason": ext.reason,
        "status": ext.status,
        "note": ext.note,
    }


def payment_method_view(method, default_id: str | None, today: date | None = None) -> dict:
    from shared.services.saved_methods import expires_soon

    card = bank = None
    if method.type == "card":
        card = {
            "brand": method.card_brand,
            "last4": method.card_last4,
            "exp_month": method.card_exp_month,
            "exp_year": method.card_exp_year,
            "expires_soon": expires_soon(method.card_exp_month, method.card_exp_year, today or clock.today()),
        }
    else:
        bank = {
            "bank_name": method.bank_name,
            "account_type": method.bank_account_type,
            "last4": method.bank_last4,
            "status": method.bank_status,
            "verification_attempts_remaining": _attempts_remaining(method),
            "verify_again": bool(method.verify_again) and method.bank_status == "verification_pending",
        }
    return {
        "payment_method_id": method.payment_method_id,
        "type": method.type,
        "default": method.payment_method_id == default_id,
        "card": card,
        "bank": bank,
    }


def _attempts_remaining(method) -> int | None:
    """Micro-deposit attempts left while verification is pending; 0 once failed; None when verified."""
    if method.bank_status == "verified":
        return None
    if method.bank_status == "verification_failed":
        return 0
    return attempts_left(method.verification_attempts)


def account_view(client) -> dict:
    """`pending_billing_email`: an address waiting for the link emailed to it; receipts go to billing_email."""
    return {
        "client_id": client.client_id,
        "name": client.name,
        "billing_email": client.billing_email,
        "pending_billing_email": pending_billing_email(client, clock.now()),
        "due_date_reminders": client.due_date_reminders,
        "reminder_days_before": list(client.reminder_days_before),
        "payment_receipts": True,
        "credit_balance": client.credit_balance,
        "bank_payments": client.ach_status or "available",
        "autopay": None
        if client.autopay is None
        else {"payment_method_id": client.autopay.payment_method_id, "authorized_at": client.autopay.authorized_at},
    }

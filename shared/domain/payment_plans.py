"""Payment plans: an invoice's balance split into installments, and what each one still owes. Pure: no storage,
no clock (callers pass "today", a date in the merchant's time zone).

A plan is stored as its installments (amount, due date) and `base`, the money paid or in flight when it was
made. Installment k is due once the invoice's covered money reaches its target, base + the amounts up to k; the
last one's target is everything owed, so late fees charged later and corrections fall on it. So a payment covers
installments in date order, a payment larger than one covers the next ones, money that is taken back (a bank
return, a refund) reopens the earliest, and the installments always add up to the balance:

    still owed by installment k = target(k) - max(target(k - 1), covered)      (never below zero)

`covered` counts money in flight (a bank transfer) as well as money received: an installment a transfer covers
gets no reminder, late fee or autopay charge. Its status says only what was received ("paid" once the money
counts; "overdue" when past due with nothing in flight for it).
"""

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from shared.domain.due_dates import FeePolicy, fee_due, late_fee
from shared.domain.invoices import OPEN, PAID, PARTIALLY_PAID, VOID, InvoiceMoney
from shared.domain.money import format_amount, is_cents
from shared.http import request_schemas
from shared.http.errors import Conflict, Unprocessable
from shared.http.validation import json_object

MIN_INSTALLMENTS = 2
MAX_INSTALLMENTS = 12  # the plan is on the invoice item, which stays small (about 30 bytes per installment)
MAX_PLAN_DAYS = 366  # the last installment at most a year away
DUE, PAID_STATUS, OVERDUE = "due", "paid", "overdue"


@dataclass(frozen=True)
class Installment:
    amount: int
    due_date: date


@dataclass(frozen=True)
class InstallmentState:
    number: int  # 1-based
    amount: int  # what this installment is (the last one also carries fees and corrections since the plan)
    due_date: date
    owed: int  # not yet paid nor in flight
    unpaid: int  # not yet received (money in flight still counts here)
    status: str  # due | paid | overdue


def parse_plan(body: object, *, balance: int, currency: str, today: date) -> list[Installment]:
    """The installments of POST .../payment-plan, or the 422 the merchant sees. `balance`: what is left to split."""
    body = json_object(body, request_schemas.PAYMENT_PLAN)
    raw = body.get("installments")
    if (
        not isinstance(raw, list)
        or not MIN_INSTALLMENTS <= len(raw) <= MAX_INSTALLMENTS
        or not all(isinstance(i, dict) and set(i) == {"amount", "due_date"} for i in raw)
    ):
        raise Unprocessable(
            f"installments must be a list of {MIN_INSTALLMENTS}-{MAX_INSTALLMENTS} objects, each "
            'with "amount" (cents) and "due_date" (YYYY-MM-DD).',
            code="invalid_installments",
        )
    installments = []
    for item in raw:
        if not is_cents(item["amount"]) or item["amount"] <= 0:
            raise Unprocessable(
                "Each installment amount must be a whole, positive number of cents.", code="invalid_amount"
            )
        installments.append(Installment(item["amount"], _date(item["due_date"])))
    total = sum(i.amount for i in installments)
    if total != balance:
        raise Unprocessable(
            f"The installments add up to {format_amount(total, currency)}; they must add up to the "
            f"balance, {format_amount(balance, currency)}.",
            code="installments_do_not_sum",
        )
    dates = [i.due_date for i in installments]
    if any(later <= earlier for earlier, later in pairwise(dates)):
        raise Unprocessable(
            "Installment due dates must be in ascending order, one installment per day at most.",
            code="installment_dates_not_ascending",
        )
    if dates[0] < today:
        raise Unprocessable(
            f"The first installment can't be due before today ({today.isoformat()}).", code="installment_before_today"
        )
    if (dates[-1] - today).days > MAX_PLAN_DAYS:
        raise Unprocessable(f"The last installment must be due within {MAX_PLAN_DAYS} days.", code="invalid_date")
    return installments


def _date(raw: object) -> date:
    try:
        if isinstance(raw, str) and len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise Unprocessable("Each installment due_date must be a date like 2027-01-31.", code="invalid_date")


def check_plannable(status: str, balance: int, extension_pending: bool) -> None:
    if status == VOID:
        raise Conflict("This invoice was voided.", code="invoice_void")
    if status == PAID:
        raise Conflict("This invoice is already paid.", code="invoice_paid")
    if balance <= 0:
        raise Conflict(
            "A payment for the rest of this invoice is being processed; nothing is left to split.",
            code="payment_in_progress",
        )
    if extension_pending:
        raise Conflict(
            "A request to move this invoice's due date waits for an answer: answer it first.",
            code="extension_request_pending",
        )


def states(
    installments: list[Installment], base: int, money: InvoiceMoney, status: str, today: date
) -> list[InstallmentState]:
    """Each installment as it stands (see the module's docstring)."""
    owed_total = money.owed
    targets, running = [], base
    for installment in installments[:-1]:
        running += installment.amount
        targets.append(min(running, owed_total))
    targets.append(owed_total)
    covered = money.amount_paid + money.amount_pending
    result, before = [], min(base, owed_total)
    for number, (installment, target) in enumerate(zip(installments, targets), start=1):
        floor = before if number > 1 else 0  # the first also owes any money taken back since the plan
        owed = max(0, target - max(floor, covered))
        unpaid = max(0, target - max(floor, money.amount_paid))
        if status == PAID or unpaid == 0:
            state = PAID_STATUS
        elif owed and today > installment.due_date and status in (OPEN, PARTIALLY_PAID):
            state = OVERDUE
        else:
            state = DUE
        result.append(InstallmentState(number, max(0, target - before), installment.due_date, owed, unpaid, state))
        before = target
    return result


def states_of(record: Any, money: InvoiceMoney, status: str, today: date) -> list[InstallmentState]:
    """A stored plan's installments as they stand (models.PaymentPlan, or anything shaped like it)."""
    return states(installments_of(record), int(record.base), money, status, today)


def next_owed(plan: list[InstallmentState]) -> InstallmentState | None:
    """The earliest installment with something still to pay (nothing in flight for it)."""
    return next((s for s in plan if s.owed), None)


def installments_of(record: Any) -> list[Installment]:
    """A stored plan's installments (models.PaymentPlan, or anything shaped like it)."""
    return [Installment(int(i.amount), date.fromisoformat(i.due_date)) for i in record.installments]


def open_due_date(record: Any, money: InvoiceMoney) -> str:
    """The due date the due-date job files a plan's invoice under (the by-open-due-date index): the next
    installment still owed, else the last one."""
    installments = installments_of(record)
    upcoming = next_owed(states(installments, int(record.base), money, OPEN, date.min))
    return (upcoming.due_date if upcoming else installments[-1].due_date).isoformat()


def payment_rules(
    plan: list[InstallmentState], *, allow_partial: bool, minimum_payment: int, balance: int
) -> tuple[bool, int]:
    """(allow_partial, minimum) for a payment on a plan: any amount from what the next installment still owes
    (or the invoice's own lower minimum) up to the balance, so "Pay Now" can default to the next installment."""
    upcoming = next_owed(plan)
    minimum = min(upcoming.owed if upcoming else balance, balance)
    if allow_partial:
        minimum = min(minimum, minimum_payment)
    return True, minimum


def amount_rules(invoice: Any, money: InvoiceMoney, today: date) -> tuple[bool, int]:
    """(allow_partial, minimum_payment) a payment of this invoice is held to: its own, or its plan's."""
    if invoice.payment_plan is None:
        return bool(invoice.allow_partial), int(invoice.minimum_payment or 0)
    plan = states_of(invoice.payment_plan, money, invoice.status, today)
    return payment_rules(
        plan,
        allow_partial=bool(invoice.allow_partial),
        minimum_payment=int(invoice.minimum_payment or 0),
        balance=money.balance,
    )


def late_fees(
    plan: list[InstallmentState], policy: FeePolicy, today: date, charged_through: str | None
) -> list[tuple[str, int]]:
    """(installment due date, fee) for each installment past its due date and grace period, not yet paid nor in
    flight, and later than the last installment a fee was charged for (`charged_through`): one fee per
    installment, a percentage of what that installment still owes."""
    return [
        (s.due_date.isoformat(), late_fee(policy, s.owed))
        for s in plan
        if s.owed
        and (charged_through is None or s.due_date.isoformat() > charged_through)
        and fee_due(policy, s.due_date, today)
        and late_fee(policy, s.owed) > 0
    ]

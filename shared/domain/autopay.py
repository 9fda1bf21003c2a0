"""Autopay's rules: the authorization a client accepts, when an invoice (or installment) is charged, the notice
before it, the retries after a decline. Pure: no storage, no processor, no clock (callers pass "today", a date in
the merchant's time zone).

For each invoice still owed (each installment of a payment plan), with AutopayDaysBefore = N:

    charge day C = due date - N
    notice       emailed and recorded on the invoice 10-12 days before C (Regulation E, 12 CFR 1005.10(d): the
                 amount and the date of a debit that varies, at least 10 days before): amount, date, method
    tries        C, then C + 3 and C + 7 while nothing went through (at most two retries, on set days)
    amount       what is still owed then, never more than the notice said

An invoice that comes too late for a notice 10 days ahead (issued, or autopay turned on, less than 10 days
before C) is not charged: the client is told to pay it. Every try has an id and a processor idempotency key
derived from (invoice, due date, day tried): one charge per invoice or installment and day, whatever runs twice or
at once.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from shared.domain.ids import derived_id

if TYPE_CHECKING:  # a type only: reads of invoices (which use these rules) load no email or merchant module
    from shared.domain.merchant import Merchant

NOTICE_DAYS = 10  # Regulation E 1005.10(d)(1): "at least 10 days before the scheduled date of transfer"
NOTICE_SLACK = 2  # a notice may go up to 12 days ahead, so a job run missed on one day is made up the next
RETRY_DAYS = (3, 7)  # after the charge day: at most two retries, on set days
KEEP_NOTICES_DAYS = 45  # a notice stays on the invoice this long after its charge day (its tries may be in flight)
MAX_NOTICES = 13  # one per installment (at most 12) and one spare: the invoice item stays small
IN_FLIGHT = ("pending", "processing")


def authorization_text(merchant: "Merchant", days_before: int = 0) -> str:
    """The recurring authorization a client accepts to turn autopay on (GET /portal-settings
    autopay_authorization_text). For a bank account it is the recurring debit authorization NACHA's WEB rules
    want (which account, what amount, when, how to revoke) and the written, similarly authenticated authorization
    of Regulation E 1005.10(b); for a card, the same standing instruction."""
    when = (
        "on its due date"
        if days_before == 0
        else f"{days_before} day{'s' if days_before > 1 else ''} before its due date"
    )
    return (
        f"I authorize {merchant.name} to charge the card or debit the bank account (ACH) I chose above for each "
        f"of my invoices, and each installment of a payment plan, {when}, for the amount then due. At least "
        f"{NOTICE_DAYS} days before each charge I will be emailed its amount, date and method. If a charge does "
        f"not go through, it may be tried again {RETRY_DAYS[0]} and {RETRY_DAYS[1]} days later. This "
        "authorization stays in effect until I turn autopay off in my account settings, which I can do at any "
        "time; turning it off before a charge's date stops that charge. If a debit is made in error, I "
        f"authorize {merchant.name} to credit my account to correct it. Questions: {merchant.support_email}."
    )


def days_before_from(env) -> int:
    """AutopayDaysBefore (the template's parameter, 0-15), as the functions' environment carries it."""
    return int(env.get("AUTOPAY_DAYS_BEFORE") or 0)


def charge_day(due: date, days_before: int) -> date:
    return due - timedelta(days=days_before)


def try_days(first: date) -> list[date]:
    return [first] + [first + timedelta(days=d) for d in RETRY_DAYS]


def attempt_number(first: date, today: date) -> int | None:
    """Which try today is (1, 2 or 3), or None when today is not a try day."""
    days = try_days(first)
    return days.index(today) + 1 if today in days else None


def next_try(first: date, today: date) -> date | None:
    return next((d for d in try_days(first) if d > today), None)


def attempt_id(client_id: str, invoice_id: str, due_date: str, tried_on: str) -> str:
    return derived_id("pay", "autopay", client_id, invoice_id, due_date, tried_on)


def idempotency_key(client_id: str, invoice_id: str, due_date: str, tried_on: str) -> str:
    """The processor's key for a try (Stripe and Dwolla: the same key never charges twice)."""
    return f"autopay:{client_id}:{invoice_id}:{due_date}:{tried_on}"


def notice_email_key(client_id: str, invoice_id: str, due_date: str) -> str:
    """The email ledger's entry of a charge's notice: a charge goes ahead only once it says "sent" in time."""
    return f"email:autopay_notice:{client_id}:{invoice_id}:{due_date}"


def card_expired(exp_month: int | None, exp_year: int | None, on: date) -> bool:
    """A card works through the last day of its expiry month."""
    if not exp_month or not exp_year:
        return False
    return date(int(exp_year), int(exp_month), monthrange(int(exp_year), int(exp_month))[1]) < on


def unusable_reason(method, today: date) -> str | None:
    """Why a saved method can no longer pay by autopay (None: it can): removed, an expired card, or a bank account
    that is not verified."""
    if method is None:
        return "method_removed"
    if method.type == "card":
        return "method_expired" if card_expired(method.card_exp_month, method.card_exp_year, today) else None
    return None if method.bank_status == "verified" else "method_unusable"


@dataclass(frozen=True)
class Owed:
    """Something autopay may pay: the invoice (due_date is its own) or one installment of its plan."""

    due_date: str
    amount: int  # still owed (paid and in-flight money left out)
    label: str | None = None  # "installment 2 of 4"


def owed_items(invoice, plan, balance: int) -> list[Owed]:
    """What autopay may pay on an invoice: each installment still owed, or the invoice's balance. `plan`: the
    installment states (shared.domain.payment_plans.states_of) or None."""
    if plan is not None:
        return [Owed(s.due_date.isoformat(), s.owed, f"installment {s.number} of {len(plan)}") for s in plan if s.owed]
    return [Owed(invoice.due_date, balance)] if balance > 0 else []


def notice_for(invoice, due_date: str):
    return next((n for n in invoice.autopay_notices or [] if n.due_date == due_date), None)


def pending_notice(invoice, plan, balance: int, today: date):
    """The earliest notice of a charge still to come or still being tried, for something still owed."""
    for item in owed_items(invoice, plan, balance):
        notice = notice_for(invoice, item.due_date)
        if notice is not None and today <= try_days(date.fromisoformat(notice.charge_date))[-1]:
            return notice
    return None


@dataclass(frozen=True)
class Step:
    """What the daily job does today for one owed item of an autopay client."""

    kind: str  # notice | too_late | charge
    item: Owed
    charge_date: date
    attempt: int = 0  # charge: 1, 2 or 3
    amount: int = 0  # notice: what it announces; charge: what to take


def steps(invoice, plan, balance: int, today: date, days_before: int, authorized_on: date) -> list[Step]:
    """Today's autopay steps for one invoice (pure). A notice sent before the client's current authorization (autopay
    turned off and on again since) does not count."""
    result = []
    for item in owed_items(invoice, plan, balance):
        first = charge_day(date.fromisoformat(item.due_date), days_before)
        notice = notice_for(invoice, item.due_date)
        if notice is not None and notice.sent_on >= authorized_on.isoformat():
            first = date.fromisoformat(notice.charge_date)  # what the client was told
            attempt = attempt_number(first, today)
            if attempt is not None:
                result.append(Step("charge", item, first, attempt, min(item.amount, int(notice.amount))))
            continue
        ahead = (first - today).days
        if NOTICE_DAYS <= ahead <= NOTICE_DAYS + NOTICE_SLACK:
            result.append(Step("notice", item, first, amount=item.amount))
        elif 0 <= ahead < NOTICE_DAYS:
            result.append(Step("too_late", item, first))
    return result


def kept_notices(notices, today: date) -> list:
    """The notices worth keeping on the invoice: recent ones only, at most MAX_NOTICES (newest kept)."""
    recent = [n for n in notices or [] if (today - date.fromisoformat(n.charge_date)).days <= KEEP_NOTICES_DAYS]
    return recent[-MAX_NOTICES:]


def recent_attempt_ids(client_id: str, invoice, today: date) -> list[str]:
    """The ids of every autopay try on the invoice that may still be in flight (from its recent notices): a late
    fee waits while one is."""
    ids = []
    for notice in invoice.autopay_notices or []:
        for day in try_days(date.fromisoformat(notice.charge_date)):
            if day <= today:
                ids.append(attempt_id(client_id, invoice.invoice_id, notice.due_date, day.isoformat()))
    return ids

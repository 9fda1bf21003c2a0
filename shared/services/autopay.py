"""Autopay: the client's standing authorization (PUT / DELETE /account/autopay) and the daily job's part of it: the
notice before each charge, the charge, the retries (the rules: shared/domain/autopay.py).

A charge is written before the processor is called, as a bank payment is: one unit of work (shared/books/) creates
the payment, with an id derived from (invoice, due date, day tried), conditional on it being new and on the invoice
version the amount was read at; a bank debit reserves its amount on the invoice in the same write. Then the saved
card is charged off-session, or the transfer created, with an idempotency key derived the same way, and the answer
applied through the webhooks' own path (shared/services/payment_updates.py). So the job run twice, or two runs at
once, charge once: the second finds the payment (and asks the processor again with the same key, which answers
the same intent or transfer). A decline, or a bank asking for authentication the absent client cannot give, leaves
the invoice open and emails the client a link to pay it; the next try comes on its set day.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from shared.aws.models import (
    AchAuthorization,
    AutopayAttempt,
    AutopayAuthorization,
    AutopayNotice,
    Client,
    Invoice,
    Payment,
    ProcessedEvent,
    SavedPaymentMethod,
)
from shared.aws.retries import KeptLosingRaces
from shared.aws.store import lost_race, money_of, write_transaction
from shared.books import repository
from shared.books.ledger import entry
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import autopay as rules
from shared.domain import clock
from shared.domain.ach_limits import check_sender_allowed
from shared.domain.declines import failure_from
from shared.domain.invoices import OPEN, PARTIALLY_PAID, PROCESSING
from shared.domain.payment_plans import states_of
from shared.domain.payment_states import CANCELED, FAILED, PENDING, SUCCEEDED, Failure, Outcome, PaymentUpdate
from shared.domain.payment_states import PROCESSING as PAYMENT_PROCESSING
from shared.emails.jobs import Enqueue
from shared.http import request_schemas
from shared.http.errors import BadRequest, Conflict, ProcessorRefused, ProcessorUnavailable, Unprocessable
from shared.http.payment_requests import CARD_MINIMUMS, check_ach_amount
from shared.http.validation import is_id, json_object
from shared.processors.ach import AchProcessor
from shared.processors.card import CardProcessor, OffSessionCharge
from shared.services.ach_allowance import check_ach_allowed
from shared.services.ach_payments import submit_transfer
from shared.services.card_payments import cancel_open_payment, canceled_fields
from shared.services.customers import stripe_customer_for
from shared.services.payment_updates import apply_update

log = Logger(child=True)
STRIPE_KEY_WINDOW = timedelta(hours=23)  # Stripe keeps idempotency keys 24 hours: asking again later could charge twice
NOT_REACHED = Failure(
    "processing_error",
    "We could not reach the card processor for this automatic payment. You "
    "were not charged; pay the invoice in the portal, or autopay tries again on "
    "its next day.",
)
REFUSED = Failure(
    "processor_refused",
    "Our card processor did not accept this automatic payment. You were not "
    "charged: pay the invoice in the portal, or autopay tries again on its next day.",
)


# ---- the client's authorization ---------------------------------------------------------------------------------


def parse_request(body: object, current_text: str) -> str:
    """The saved method PUT /account/autopay names, once the client accepted exactly the current text."""
    body = json_object(body, request_schemas.AUTOPAY)
    method_id = body.get("payment_method_id")
    if not is_id(method_id):
        raise Unprocessable(
            "payment_method_id must be the id of one of your saved payment methods.", code="invalid_field"
        )
    accepted = body.get("authorization")
    if (
        not isinstance(accepted, dict)
        or accepted.get("accepted") is not True
        or not isinstance(accepted.get("text"), str)
        or set(accepted) - {"accepted", "text"}
    ):
        raise BadRequest(
            'Autopay needs the authorization the portal shows, accepted: send "authorization": '
            '{"accepted": true, "text": <the text shown>}.',
            code="autopay_authorization_required",
        )
    if accepted["text"] != current_text:
        raise Unprocessable(
            "The autopay authorization you accepted is not the current one: reload the page, read it "
            "again and accept it.",
            code="autopay_authorization_outdated",
        )
    return method_id


def method_label(method: SavedPaymentMethod) -> str:
    if method.type == "card":
        names = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
        return f"{names.get(method.card_brand, 'Card')} ending in {method.card_last4}"
    return f"{method.bank_name or 'Bank'} account ending in {method.bank_last4}"


def turn_on(client: Client, method_id: str, text: str, today: date, enqueue: Enqueue) -> Client:
    """Autopay with this saved card or verified bank account; the client is emailed a copy of what they accepted.
    The same method and text again change nothing (a double click is not a second authorization)."""
    try:
        method = SavedPaymentMethod.get(client.client_id, method_id, consistent_read=True)
    except SavedPaymentMethod.DoesNotExist:
        raise Unprocessable(
            "Choose one of your saved cards or verified bank accounts.", code="payment_method_not_found"
        ) from None
    reason = rules.unusable_reason(method, today)
    if reason == "method_unusable":
        raise Unprocessable(
            "Verify this bank account with its two small deposits before using it for autopay.",
            code="bank_account_not_verified",
        )
    if reason == "method_expired":
        raise Unprocessable("This card has expired: add a new card or choose another method.", code="card_expired")
    if method.type != "card":  # the processor holds or stopped this client's bank transfers: every debit would fail
        check_sender_allowed(client.ach_status)
    current = client.autopay
    if current is not None and current.payment_method_id == method_id and current.text == text:
        return client
    now = clock.now_iso()
    authorization = AutopayAuthorization(
        payment_method_id=method_id,
        method_type=method.type,
        method_label=method_label(method),
        text=text,
        authorized_at=now,
    )
    actions: list[Action] = [Client.autopay.set(authorization)]
    if current is not None:
        actions.append(Client.autopay_previous.set(_ended(current, "replaced", now)))
    try:
        with write_transaction() as tx:  # only while the method still exists, and nobody else changed autopay
            tx.condition_check(
                SavedPaymentMethod, client.client_id, method_id, condition=SavedPaymentMethod.payment_method_id.exists()
            )
            tx.update(Client(client.client_id), actions=actions, condition=_unchanged(current))
    except TransactWriteError as exc:
        if lost_race(exc):
            raise Conflict(
                "Your payment methods or autopay changed at the same moment; nothing was changed. Try again.",
                code="concurrent_change",
            ) from None
        raise
    enqueue({"kind": "autopay_authorized", "client_id": client.client_id, "authorized_at": now})
    log.info("autopay on", extra={"client_id": client.client_id, "method_type": method.type})
    client.autopay = authorization
    return client


def turn_off(client: Client, reason: str = "client") -> AutopayAuthorization | None:
    """End the authorization (None: it was off). Kept as `autopay_previous` with when and why."""
    current = client.autopay
    if current is None:
        return None
    ended, actions = end_actions(current, reason)
    try:
        Client(client.client_id).update(actions=actions, condition=_unchanged(current))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(
                "Autopay changed at the same moment; nothing was changed. Try again.", code="concurrent_change"
            ) from None
        raise
    log.info("autopay off", extra={"client_id": client.client_id, "reason": reason})
    cancel_announced(client.client_id)
    return ended


def cancel_announced(client_id: str, *, repo: Repository | None = None) -> int:
    """Once autopay ends, no invoice announces a charge any more (none will be made): the notices come off the
    client's owed invoices (found on the by-status index, those that carry notices only). Returns how many."""
    repo = repo or repository()
    cleared = 0
    for status in (OPEN, PARTIALLY_PAID, PROCESSING):
        for found in Invoice.by_status.query(
            client_id, Invoice.status_key.startswith(f"{status}#"), filter_condition=Invoice.autopay_notices.exists()
        ):

            def decide(ctx: Context) -> Change:
                invoice = ctx.invoice()
                if invoice is None or not invoice.autopay_notices:
                    return Change(result=0)
                return Change(result=1, invoices={invoice.invoice_id: {"autopay_notices": None}})

            cleared += run(repo, Keys(client_id, invoice_ids=(found.invoice_id,)), decide)
    return cleared


def end_actions(current: AutopayAuthorization, reason: str) -> tuple[AutopayAuthorization, list]:
    """(the ended authorization, the update that ends it): also used where a removed method ends it."""
    ended = _ended(current, reason, clock.now_iso())
    return ended, [Client.autopay.remove(), Client.autopay_previous.set(ended)]


def ended_job(client_id: str, ended: AutopayAuthorization) -> dict:
    """The email that tells the client autopay is off, and why (not when they turned it off themselves)."""
    return {
        "kind": "autopay_off",
        "client_id": client_id,
        "authorized_at": ended.authorized_at,
        "reason": ended.end_reason,
        "method": ended.method_label,
    }


def _ended(current: AutopayAuthorization, reason: str, at: str) -> AutopayAuthorization:
    return AutopayAuthorization(
        payment_method_id=current.payment_method_id,
        method_type=current.method_type,
        method_label=current.method_label,
        text=current.text,
        authorized_at=current.authorized_at,
        ended_at=at,
        end_reason=reason,
    )


def _unchanged(current: AutopayAuthorization | None):
    if current is None:
        return Client.client_id.exists() & Client.autopay.does_not_exist()
    return Client.autopay.authorized_at == current.authorized_at


# ---- the daily job ----------------------------------------------------------------------------------------------


@dataclass
class AutopayReport:
    notices: int = 0
    too_late: int = 0
    charges: int = 0  # tries started (or found again)
    succeeded: int = 0
    declined: int = 0
    turned_off: int = 0
    skipped: int = 0  # a try day with nothing to charge, no notice in time, or a try still in flight


def authorized_on(authorization: AutopayAuthorization) -> date:
    moment = datetime.fromisoformat(authorization.authorized_at.replace("Z", "+00:00"))
    return moment.astimezone(clock.merchant_zone()).date()


def run_day(
    invoices: list[Invoice],
    clients: dict[str, Client],
    today: date,
    days_before: int,
    *,
    cards: Callable[[], CardProcessor],
    ach: Callable[[], AchProcessor],
    enqueue: Enqueue,
    methods: dict | None = None,
    repo: Repository | None = None,
) -> AutopayReport:
    """Autopay's part of the daily job for the invoices the job read (each owed invoice due within its windows).
    `methods`: the clients' autopay methods by (client_id, payment_method_id) (None: read them)."""
    report = AutopayReport()
    on = {c.client_id: c for c in clients.values() if c.autopay is not None}
    if methods is None:
        wanted = [(c.client_id, c.autopay.payment_method_id) for c in on.values()]
        methods = (
            {(m.client_id, m.payment_method_id): m for m in SavedPaymentMethod.batch_get(wanted)} if wanted else {}
        )
    for client in list(on.values()):
        reason = rules.unusable_reason(methods.get((client.client_id, client.autopay.payment_method_id)), today)
        if reason is not None:  # removed at the processor, expired, no longer verified: off, and the client told
            del on[client.client_id]
            try:
                ended = turn_off(client, reason)
            except Conflict:
                continue  # changed meanwhile: the next run decides again
            if ended is not None:
                enqueue(ended_job(client.client_id, ended))
                report.turned_off += 1
    for invoice in invoices:
        owner = on.get(invoice.client_id)
        if owner is not None and invoice.status in (OPEN, PARTIALLY_PAID, PROCESSING):
            for_invoice(
                owner, invoice, today, days_before, cards=cards, ach=ach, enqueue=enqueue, report=report, repo=repo
            )
    return report


def for_invoice(
    client: Client,
    invoice: Invoice,
    today: date,
    days_before: int,
    *,
    cards: Callable[[], CardProcessor],
    ach: Callable[[], AchProcessor],
    enqueue: Enqueue,
    report: AutopayReport,
    repo: Repository | None = None,
    allowed: Callable[[str, int], None] | None = None,
) -> None:
    """`allowed(client_id, amount)`: raises when the ACH processor would refuse a debit (by default Dwolla's rules,
    read from the tables and Dwolla: shared/services/ach_allowance.py)."""
    repo = repo or repository()
    resume_unfinished(invoice, today, cards, enqueue, repo)
    money = money_of(invoice)
    plan = states_of(invoice.payment_plan, money, invoice.status, today) if invoice.payment_plan else None
    since = authorized_on(client.autopay)
    for step in rules.steps(invoice, plan, money.balance, today, days_before, since):
        if step.kind == "notice":
            report.notices += record_notice(client, invoice.invoice_id, step, today, enqueue, repo)
        elif step.kind == "too_late":
            enqueue(
                {
                    "kind": "autopay_too_late",
                    "client_id": client.client_id,
                    "invoice_id": invoice.invoice_id,
                    "due_date": step.item.due_date,
                }
            )
            report.too_late += 1
        else:
            try:
                outcome = charge(client, invoice.invoice_id, step, today, cards, ach, enqueue, repo, allowed)
            except ProcessorUnavailable:  # the bank debit's processor: what was written waits for the next run
                log.warning("autopay: processor unavailable", extra={"invoice_id": invoice.invoice_id})
                outcome = "unavailable"
            report.charges += outcome not in SKIPPED
            report.succeeded += outcome in (SUCCEEDED, PAYMENT_PROCESSING)
            report.declined += outcome in (FAILED, CANCELED)
            report.skipped += outcome in SKIPPED
    for notice in invoice.autopay_notices or []:  # until its email is sent (the email ledger sends it once)
        if notice.charge_date > today.isoformat() and notice.sent_on >= since.isoformat():
            enqueue(notice_job(client.client_id, invoice.invoice_id, notice.due_date))


def notice_job(client_id: str, invoice_id: str, due_date: str) -> dict:
    return {"kind": "autopay_notice", "client_id": client_id, "invoice_id": invoice_id, "due_date": due_date}


def record_notice(
    client: Client, invoice_id: str, step: rules.Step, today: date, enqueue: Enqueue, repo: Repository
) -> int:
    """Write the notice on the invoice (what the charge may take, and when), then queue its email. 1 if written."""
    due = step.item.due_date
    since = authorized_on(client.autopay).isoformat()

    def decide(ctx: Context) -> Change:
        invoice = ctx.invoice()
        existing = rules.notice_for(invoice, due) if invoice is not None else None
        if invoice is None or (existing is not None and existing.sent_on >= since):
            return Change(result=0)  # written by an earlier run (or the invoice is gone)
        item = _owed(invoice, due, today)
        if item is None:
            return Change(result=0)
        notice = AutopayNotice(
            due_date=due,
            charge_date=step.charge_date.isoformat(),
            amount=item.amount,
            sent_on=today.isoformat(),
            method_label=client.autopay.method_label,
        )
        notices = [n for n in rules.kept_notices(invoice.autopay_notices, today) if n.due_date != due]
        return Change(
            result=1,
            invoices={invoice.invoice_id: {"autopay_notices": [*notices, notice][-rules.MAX_NOTICES :]}},
            jobs=[notice_job(client.client_id, invoice.invoice_id, due)],
        )

    try:
        return run(repo, Keys(client.client_id, invoice_ids=(invoice_id,)), decide, enqueue=enqueue, attempts=3)
    except KeptLosingRaces:
        return 0  # the next run records it (a notice may go up to NOTICE_SLACK days late and still be in time)


def _owed(invoice: Invoice, due_date: str, today: date) -> rules.Owed | None:
    money = balances_of(invoice).money
    plan = states_of(invoice.payment_plan, money, invoice.status, today) if invoice.payment_plan else None
    return next((o for o in rules.owed_items(invoice, plan, money.balance) if o.due_date == due_date), None)


def notice_sent_in_time(ledger: ProcessedEvent | None, charge_date: date) -> bool:
    """The notice's email went out at least NOTICE_DAYS before the charge (the email ledger says when)."""
    if ledger is None or ledger.status != "sent":
        return False
    sent = datetime.fromisoformat(ledger.processed_at.replace("Z", "+00:00")).astimezone(clock.merchant_zone()).date()
    return (charge_date - sent).days >= rules.NOTICE_DAYS


SKIPPED = ("off", "unusable", "no_notice", "in_flight", "nothing_owed", "below_minimum", "unavailable")


def charge(
    client: Client,
    invoice_id: str,
    step: rules.Step,
    today: date,
    cards: Callable[[], CardProcessor],
    ach: Callable[[], AchProcessor],
    enqueue: Enqueue,
    repo: Repository,
    allowed: Callable[[str, int], None] | None = None,
) -> str:
    """Today's try for one invoice or installment: the payment's status after it, or why nothing was charged."""
    due, tried_on, method_id = step.item.due_date, today.isoformat(), client.autopay.payment_method_id
    payment_id = rules.attempt_id(client.client_id, invoice_id, due, tried_on)
    earlier = [
        rules.attempt_id(client.client_id, invoice_id, due, d.isoformat())
        for d in rules.try_days(step.charge_date)
        if d < today
    ]
    keys = Keys(
        client.client_id,
        payment_id=payment_id,
        invoice_ids=(invoice_id,),
        extra=(
            (SavedPaymentMethod, client.client_id, method_id),
            (ProcessedEvent, rules.notice_email_key(client.client_id, invoice_id, due)),
            *((Payment, client.client_id, e) for e in earlier),
        ),
    )

    # A bank debit the ACH processor would refuse (over its limit per transfer or this week's, a restricted
    # customer) is known before anything is written; the try is then recorded and ended as refused at once.
    refusal = (
        _ach_refusal(client.client_id, step.amount, ach, enqueue, allowed)
        if client.autopay.method_type != "card"
        else None
    )

    def decide(ctx: Context) -> Change:
        if ctx.payment is not None:
            return Change(result=(ctx.payment, False))  # this try was written by a run before (or at the same time)
        invoice, authorization, method, sent = ctx.invoice(), ctx.client.autopay if ctx.client else None, *ctx.extra[:2]
        if authorization is None or authorization.payment_method_id != method_id or invoice is None:
            return Change(result="off")
        if rules.unusable_reason(method, today) is not None:
            return Change(result="unusable")
        notice = rules.notice_for(invoice, due)
        if notice is None or not notice_sent_in_time(sent, date.fromisoformat(notice.charge_date)):
            return Change(result="no_notice")
        if any(p is not None and p.status in rules.IN_FLIGHT for p in ctx.extra[2:]):
            return Change(result="in_flight")
        item = _owed(invoice, due, today)
        if item is None or invoice.status not in (OPEN, PARTIALLY_PAID):
            return Change(result="nothing_owed")
        amount = min(item.amount, int(notice.amount))  # never more than the notice said
        if method.type == "card" and amount < CARD_MINIMUMS.get(invoice.currency, 50):
            return Change(result="below_minimum")
        replaced = None
        if invoice.open_payment_id:  # a checkout the client left open: cancelled first, as a new payment does
            try:
                replaced = cancel_open_payment(invoice, cards(), repo)
            except Conflict:
                return Change(result="in_flight")  # the client is paying it right now
        payment = _attempt(payment_id, invoice, method, authorization, amount, step, today)
        entries = (
            [
                entry(
                    "transfer_started",
                    amount,
                    f"autopay:{payment_id}",
                    payment.created_at,
                    invoice_id,
                    payment_id=payment_id,
                )
            ]
            if payment.method == "ach"
            else []
        )
        return Change(
            result=(payment, True),
            creates=[payment],
            entries=entries,
            invoices={invoice_id: {"open_payment_id": None}} if replaced is not None else {},
            updates=[(replaced, canceled_fields())] if replaced is not None else [],
        )

    try:
        result = run(repo, keys, decide, enqueue=enqueue, attempts=3)
    except KeptLosingRaces:
        return "in_flight"  # the invoice kept changing (the client paying?): the next try day decides again
    if isinstance(result, str):
        log.info("autopay try skipped", extra={"invoice_id": invoice_id, "due_date": due, "why": result})
        return result
    payment, written_now = result
    if payment.method == "ach":
        if written_now and refusal is not None:
            return _refused(payment, refusal, enqueue, repo)
        return submit_transfer(payment, ach(), enqueue, repo=repo).payment.status
    return charge_card(payment, client, cards, enqueue, repo)


def _ach_refusal(
    client_id: str,
    amount: int,
    ach: Callable[[], AchProcessor],
    enqueue: Enqueue,
    allowed: Callable[[str, int], None] | None,
) -> Failure | None:
    """Why the ACH processor would refuse this debit, in the client's words (None: it would take it): the same
    checks as a bank payment the client starts (shared/services/ach_payments.py), before anything is written."""
    try:
        check_ach_amount(amount)
        (allowed or (lambda client, cents: check_ach_allowed(client, cents, ach(), enqueue)))(client_id, amount)
    except Unprocessable as exc:
        return Failure(exc.code or "transfer_refused", exc.message)
    return None


def _refused(payment: Payment, refusal: Failure, enqueue: Enqueue, repo: Repository) -> str:
    """A bank try the processor would refuse ends failed, its reservation released, as a transfer the processor
    refused does (the client is emailed that it did not go through; the next try day decides again)."""
    log.warning(
        "autopay: bank debit refused before the processor",
        extra={"payment_id": payment.payment_id, "code": refusal.code},
    )
    apply_update(
        PaymentUpdate(
            source="autopay",
            event_id=f"refused:{payment.payment_id}",
            event_type="transfer_refused",
            client_id=payment.client_id,
            invoice_id=payment.invoice_id,
            payment_id=payment.payment_id,
            processor_payment_id=None,
            outcome=Outcome(FAILED, payment.amount, int(clock.now().timestamp()), refusal),
        ),
        enqueue,
        repo=repo,
    )
    return FAILED


def _attempt(
    payment_id: str,
    invoice: Invoice,
    method: SavedPaymentMethod,
    authorization: AutopayAuthorization,
    amount: int,
    step: rules.Step,
    today: date,
) -> Payment:
    created_at = clock.now_iso()
    client_id, invoice_id, due = invoice.client_id, invoice.invoice_id, step.item.due_date
    payment = Payment(
        client_id,
        payment_id,
        invoice_id=invoice_id,
        invoice_number=invoice.number,
        amount=amount,
        currency=invoice.currency,
        method="card" if method.type == "card" else "ach",
        created_at=created_at,
        processor_method_id=method.processor_method_id,
        request_fingerprint=f"autopay:{due}",
        created_key=f"{created_at}#{payment_id}",
        invoice_key=f"{invoice_id}#{created_at}#{payment_id}",
        unsettled="unsettled",
        processor_idempotency_key=rules.idempotency_key(client_id, invoice_id, due, today.isoformat()),
        autopay=AutopayAttempt(
            due_date=due, charge_date=step.charge_date.isoformat(), tried_on=today.isoformat(), attempt=step.attempt
        ),
    )
    if method.type == "card":
        payment.status, payment.processor = PENDING, "stripe"
        payment.card_brand, payment.card_last4 = method.card_brand, method.card_last4
    else:  # money in flight from the moment it is written, as any bank payment
        payment.status, payment.processor = PAYMENT_PROCESSING, "ach"
        payment.bank_name, payment.bank_last4 = method.bank_name, method.bank_last4
        payment.ach_authorization = AchAuthorization(
            text=authorization.text,
            accepted_at=authorization.authorized_at,
            payment_method_id=method.payment_method_id,
            bank_name=method.bank_name,
            bank_last4=method.bank_last4,
            amount=amount,
            currency=invoice.currency,
        )
    return payment


def charge_card(
    payment: Payment, client: Client, cards: Callable[[], CardProcessor], enqueue: Enqueue, repo: Repository
) -> str:
    """Charge the saved card of a recorded try (or ask Stripe again, same key, if an earlier run was cut off) and
    apply the answer; a decline cancels the intent (nobody will confirm it) and emails the client."""
    if payment.status != PENDING:
        return payment.status
    processor = cards()
    try:
        intent_id, answer = processor.charge_off_session(
            OffSessionCharge(
                amount=payment.amount,
                currency=payment.currency,
                customer_id=stripe_customer_for(client, processor),
                payment_method=payment.processor_method_id,
                client_id=payment.client_id,
                invoice_id=payment.invoice_id,
                payment_id=payment.payment_id,
                description=f"Invoice {payment.invoice_number} (autopay)",
                idempotency_key=payment.processor_idempotency_key,
            )
        )
    except ProcessorUnavailable:
        log.warning("autopay: card processor unavailable", extra={"payment_id": payment.payment_id})
        return "unavailable"  # still pending: the next run today (or tomorrow, within the key's window) asks again
    except ProcessorRefused as exc:  # Stripe refused the request itself (logged with its code): nothing charged
        log.error(
            "autopay: card charge refused", extra={"payment_id": payment.payment_id, "stripe_code": exc.processor_code}
        )
        intent_id, answer = None, None
    at = int(clock.now().timestamp())
    if answer is None:
        outcome = Outcome(FAILED, payment.amount, at, REFUSED)
    elif answer.status in ("succeeded", "processing"):
        outcome = Outcome(SUCCEEDED if answer.status == "succeeded" else PAYMENT_PROCESSING, payment.amount, at)
    elif answer.failure_code or answer.decline_code or answer.status == "requires_action":
        code = answer.failure_code or ("authentication_required" if answer.status == "requires_action" else None)
        outcome = Outcome(FAILED, payment.amount, at, failure_from(code, answer.decline_code))
    else:
        return payment.status  # an answer to wait for (reconciliation asks again)
    _apply(payment, intent_id, answer.status if answer is not None else "refused", outcome, enqueue, repo)
    if outcome.status == FAILED:
        if intent_id:
            try:
                processor.cancel_intent(intent_id)
                _apply(payment, intent_id, "canceled", Outcome(CANCELED, payment.amount, at + 1), enqueue, repo)
            except ProcessorUnavailable:
                pass  # it stays failed; reconciliation reads it later
        enqueue({"kind": "autopay_failed", "client_id": payment.client_id, "payment_id": payment.payment_id})
        return FAILED
    return outcome.status


def _apply(
    payment: Payment, intent_id: str | None, status: str, outcome: Outcome, enqueue: Enqueue, repo: Repository
) -> None:
    apply_update(
        PaymentUpdate(
            source="autopay",
            event_id=f"{intent_id or payment.payment_id}:{status}",
            event_type="autopay_charge",
            client_id=payment.client_id,
            invoice_id=payment.invoice_id,
            payment_id=payment.payment_id,
            processor_payment_id=intent_id,
            outcome=outcome,
            payment_method_id=payment.processor_method_id,
        ),
        enqueue,
        repo=repo,
    )


def resume_unfinished(
    invoice: Invoice, today: date, cards: Callable[[], CardProcessor], enqueue: Enqueue, repo: Repository
) -> None:
    """A card try whose run was cut off before Stripe answered (still pending, no intent): ask Stripe again with
    the same key while it remembers it; after that, nothing can have been charged without a webhook saying so, and
    the try ends as not charged (the next try day decides again)."""
    ids = rules.recent_attempt_ids(invoice.client_id, invoice, today)
    if not ids:
        return
    ctx = repo.load(Keys(invoice.client_id, extra=tuple((Payment, invoice.client_id, i) for i in ids)))
    assert ctx.client is not None  # the invoice's client: never deleted
    for payment in ctx.extra:
        if payment is not None:
            finish_try(payment, ctx.client, cards, enqueue, repo)


def finish_try(
    payment: Payment,
    client: Client,
    cards: Callable[[], CardProcessor],
    enqueue: Enqueue,
    repo: Repository | None = None,
) -> None:
    """One card try still waiting for Stripe's first answer (the job's next run, or reconciliation, asks)."""
    if payment.method != "card" or payment.status != PENDING or payment.processor_payment_id or payment.autopay is None:
        return
    repo = repo or repository()
    age = clock.now() - datetime.fromisoformat(payment.created_at.replace("Z", "+00:00"))
    if age < STRIPE_KEY_WINDOW:
        charge_card(payment, client, cards, enqueue, repo)
    else:
        at = int(clock.now().timestamp())
        _apply(payment, None, "not_reached", Outcome(FAILED, payment.amount, at, NOT_REACHED), enqueue, repo)
        _apply(payment, None, "canceled", Outcome(CANCELED, payment.amount, at + 1), enqueue, repo)

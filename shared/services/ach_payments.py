"""Start an ACH payment: debit a verified bank account for (part of) an invoice.

A transfer moves money as soon as the processor accepts it, so the order is the reverse of cards: first one
transaction records the payment as `processing` and adds its amount to the invoice's amount_pending
(conditional on the invoice version, so two requests can never reserve more than is owed), then the
transfer is created with an idempotency key derived from the client's Idempotency-Key. If the processor
times out, the money stays reserved (it may be moving) and the answer is 503: the same request again finds
the recorded payment and asks the processor again with the same key, which returns the same transfer.
A definite refusal releases the money through the same code path as a failed-transfer webhook.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from shared.aws.models import AchAuthorization, Payment, SavedPaymentMethod
from shared.books import repository
from shared.books.ledger import entry
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import clock
from shared.domain.ids import payment_id_for
from shared.domain.payment_plans import amount_rules
from shared.domain.payment_states import FAILED, PROCESSING, Failure, Outcome, PaymentUpdate
from shared.emails.jobs import Enqueue, payment_job
from shared.http.errors import Unprocessable, invoice_not_found
from shared.http.payment_requests import PaymentRequest, check_ach_amount, choose_amount
from shared.processors.ach import AchError, AchProcessor, Transfer
from shared.processors.card import CardProcessor
from shared.services.ach_allowance import check_ach_allowed
from shared.services.card_payments import StartedPayment, cancel_open_payment, canceled_fields
from shared.services.payment_updates import UNSETTLED, apply_update
from shared.services.saved_methods import method_not_found

log = Logger(child=True)
IDEMPOTENCY_WINDOW = timedelta(hours=24)  # how long the ACH processor remembers an Idempotency-Key
ACH_CURRENCY = "usd"  # the only currency the ACH processor (Dwolla) moves


def _require_ach_currency(currency: str) -> None:
    if currency.lower() != ACH_CURRENCY:
        raise Unprocessable(
            f"Bank transfers move US dollars only and this invoice is in {currency.upper()}; pay it by card.",
            code="unsupported_currency",
        )


def within_idempotency_window(payment: Payment, now: datetime) -> bool:
    """Whether asking the processor again with the payment's key is still safe (it returns the same transfer);
    after the window it could create a second debit."""
    return now - datetime.fromisoformat(payment.created_at.replace("Z", "+00:00")) < IDEMPOTENCY_WINDOW


def create_transfer_for(payment: Payment, ach: AchProcessor) -> Transfer:
    """The payment's transfer, created or (same key) found again."""
    _require_ach_currency(payment.currency)  # never a debit of the same number in another currency
    return ach.create_transfer(
        bank_account_id=payment.processor_method_id,
        amount=payment.amount,
        idempotency_key=payment.processor_idempotency_key,
        metadata={"client_id": payment.client_id, "invoice_id": payment.invoice_id, "payment_id": payment.payment_id},
    )


def start_ach_payment(
    client_id: str,
    invoice_id: str,
    idempotency_key: str,
    request: PaymentRequest,
    ach: AchProcessor,
    cards: Callable[[], CardProcessor],
    enqueue: Enqueue,
    *,
    repo: Repository | None = None,
    allowed: Callable[[str, int], None] | None = None,
) -> StartedPayment:
    """`allowed(client_id, amount)`: raises when the processor would refuse the debit (by default Dwolla's rules,
    shared/services/ach_allowance.py)."""
    if request.payment_method_id is None:
        raise Unprocessable("Choose the bank account to pay from (payment_method_id).", code="payment_method_required")
    if request.save_payment_method:
        raise Unprocessable(
            "save_payment_method is for cards; bank accounts are saved when linked.", code="invalid_field"
        )
    payment_id = payment_id_for(client_id, idempotency_key)
    fingerprint = request.fingerprint(invoice_id)
    repo = repo or repository()
    allowed = allowed or (lambda client, amount: check_ach_allowed(client, amount, ach, enqueue))

    def decide(ctx: Context) -> Change:
        invoice, existing, bank = ctx.invoice(), ctx.payment, ctx.extra[0]
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise Unprocessable(
                    "This Idempotency-Key was already used for a different payment request. "
                    "Use a new key for a new payment.",
                    code="idempotency_key_reused",
                )
            return Change(result=(existing, True))
        if invoice is None:
            raise invoice_not_found()
        _require_ach_currency(invoice.currency)  # before anything is recorded, cancelled or sent
        if bank is None or bank.type != "bank_account":
            raise method_not_found()
        if bank.bank_status != "verified":
            raise Unprocessable(
                "Verify this bank account with the two small deposits before paying from it.",
                code="bank_account_not_verified",
            )
        money = balances_of(invoice).money
        allow_partial, minimum = amount_rules(invoice, money, clock.today())  # a payment plan's, if it has one
        amount = choose_amount(
            request,
            status=invoice.status,
            balance=money.balance,
            allow_partial=allow_partial,
            minimum_payment=minimum,
            currency=invoice.currency,
        )
        check_ach_amount(amount)  # the processor's limit per transfer: before anything is recorded or sent
        allowed(client_id, amount)  # Dwolla's limits and restrictions: 422 before anything is written
        replaced = cancel_open_payment(invoice, cards(), repo) if invoice.open_payment_id else None

        created_at = clock.now_iso()
        payment = Payment(
            client_id,
            payment_id,
            invoice_id=invoice_id,
            invoice_number=invoice.number,
            amount=amount,
            currency=invoice.currency,
            method="ach",
            status=PROCESSING,
            created_at=created_at,
            processor="ach",
            processor_method_id=bank.processor_method_id,
            bank_name=bank.bank_name,
            bank_last4=bank.bank_last4,
            request_fingerprint=fingerprint,
            created_key=f"{created_at}#{payment_id}",
            invoice_key=f"{invoice_id}#{created_at}#{payment_id}",
            unsettled=UNSETTLED,
            processor_idempotency_key=f"{client_id}:{idempotency_key}",
            ach_authorization=AchAuthorization(
                text=request.ach_authorization,
                accepted_at=created_at,
                payment_method_id=bank.payment_method_id,
                bank_name=bank.bank_name,
                bank_last4=bank.bank_last4,
                amount=amount,
                currency=invoice.currency,
            ),
        )
        # Money in flight: the unit of work adds it to the invoice's pending, conditional on the version the
        # amount was checked on, so two requests can never reserve more than is owed.
        reserved = [
            entry("transfer_started", amount, f"ach-start:{payment_id}", created_at, invoice_id, payment_id=payment_id)
        ]
        return Change(
            result=(payment, False),
            creates=[payment],
            entries=reserved,
            invoices={invoice_id: {"open_payment_id": None}} if invoice.open_payment_id else {},
            updates=[(replaced, canceled_fields())] if replaced is not None else [],
        )

    keys = Keys(
        client_id,
        payment_id=payment_id,
        invoice_ids=(invoice_id,),
        extra=((SavedPaymentMethod, client_id, request.payment_method_id),),
    )
    payment, replayed = run(
        repo,
        keys,
        decide,
        code="payment_in_progress",
        message="This invoice is being paid from another window right now. Check your payment "
        "history before trying again.",
    )
    return _submit(payment, ach, enqueue, replayed=replayed, repo=repo)


def _submit(
    payment: Payment, ach: AchProcessor, enqueue: Enqueue, *, replayed: bool, repo: Repository
) -> StartedPayment:
    """Create (or find again) the transfer of a recorded payment; ProcessorUnavailable leaves it reserved."""
    if payment.processor_payment_id is not None or payment.status != PROCESSING:
        return StartedPayment(payment, client_secret=None, replayed=replayed)
    if not within_idempotency_window(payment, clock.now()):
        # The processor forgets idempotency keys after 24 hours: asking again now could debit twice.
        # Reconciliation reports the payment for a person to settle; the client sees it still processing.
        log.error(
            "ach payment without a transfer past the idempotency window", extra={"payment_id": payment.payment_id}
        )
        return StartedPayment(payment, client_secret=None, replayed=replayed)
    try:
        transfer = create_transfer_for(payment, ach)
    except AchError as exc:
        log.warning("ach transfer refused", extra={"payment_id": payment.payment_id, "code": exc.code})
        apply_update(
            PaymentUpdate(
                source="ach-submit",
                event_id=f"refused:{payment.payment_id}",
                event_type="transfer_refused",
                client_id=payment.client_id,
                invoice_id=payment.invoice_id,
                payment_id=payment.payment_id,
                processor_payment_id=None,
                outcome=Outcome(
                    FAILED,
                    payment.amount,
                    int(clock.now().timestamp()),
                    Failure(
                        "transfer_refused",
                        "Our payment processor could not start this bank transfer. You were not charged: "
                        "pay by card or with another bank account.",
                    ),
                ),
            ),
            enqueue,
            repo=repo,
        )
        return StartedPayment(_reread(payment, repo), client_secret=None, replayed=replayed)
    payment, _ = record_transfer_id(payment, transfer.id, repo)
    enqueue(payment_job(payment.client_id, payment.payment_id, "ach_initiated"))
    return StartedPayment(payment, client_secret=None, replayed=replayed)


def submit_transfer(
    payment: Payment, ach: AchProcessor, enqueue: Enqueue, *, repo: Repository | None = None
) -> StartedPayment:
    """The transfer of a bank payment recorded elsewhere (an autopay try), as a started payment's."""
    return _submit(payment, ach, enqueue, replayed=False, repo=repo or repository())


def record_transfer_id(payment: Payment, transfer_id: str, repo: Repository | None = None) -> tuple[Payment, bool]:
    """Store the transfer's id on its payment, unless a webhook or a retry stored it first: (the payment as
    stored, whether this call stored it)."""
    repo = repo or repository()

    def decide(ctx: Context) -> Change:
        assert ctx.payment is not None  # the payment being submitted
        if ctx.payment.processor_payment_id is not None:
            return Change(result=False)
        return Change(result=True, payment={"processor_payment_id": transfer_id})

    recorded = run(repo, Keys(payment.client_id, payment_id=payment.payment_id), decide)
    return _reread(payment, repo), recorded


def _reread(payment: Payment, repo: Repository) -> Payment:
    again = repo.load(Keys(payment.client_id, payment_id=payment.payment_id)).payment
    assert again is not None  # a payment is never deleted
    return again

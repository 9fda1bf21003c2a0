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
from pynamodb.exceptions import UpdateError

from shared import clock
from shared.errors import Unprocessable, invoice_not_found
from shared.ids import payment_id_for
from shared.ledger import entry
from shared.models import AchAuthorization, Invoice, Payment, SavedPaymentMethod
from shared.payment_requests import PaymentRequest, check_ach_amount, choose_amount
from shared.payment_states import CANCELED, FAILED, PENDING, PROCESSING, Failure, Outcome, PaymentUpdate
from shared.processors.ach import AchError, AchProcessor, Transfer
from shared.processors.card import CardProcessor
from shared.services.card_payments import StartedPayment, cancel_open_payment
from shared.postings import log_posted, posting_actions
from shared.services.payment_updates import UNSETTLED, apply_update
from shared.services.saved_methods import method_not_found
from shared.jobs import Enqueue, payment_job
from shared.retries import until_won
from shared.store import get_many, money_of, write_transaction

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id
IDEMPOTENCY_WINDOW = timedelta(hours=24)  # how long the ACH processor remembers an Idempotency-Key
ACH_CURRENCY = "usd"  # the only currency the ACH processor (Dwolla) moves


def _require_ach_currency(currency: str) -> None:
    if currency.lower() != ACH_CURRENCY:
        raise Unprocessable(f"Bank transfers move US dollars only and this invoice is in {currency.upper()}; "
                            "pay it by card.", code="unsupported_currency")


def within_idempotency_window(payment: Payment, now: datetime) -> bool:
    """Whether asking the processor again with the payment's key is still safe (it returns the same transfer);
    after the window it could create a second debit."""
    return now - datetime.fromisoformat(payment.created_at.replace("Z", "+00:00")) < IDEMPOTENCY_WINDOW


def create_transfer_for(payment: Payment, ach: AchProcessor) -> Transfer:
    """The payment's transfer, created or (same key) found again."""
    _require_ach_currency(payment.currency)  # never a debit of the same number in another currency
    return ach.create_transfer(
        bank_account_id=payment.processor_method_id, amount=payment.amount,
        idempotency_key=payment.processor_idempotency_key,
        metadata={"client_id": payment.client_id, "invoice_id": payment.invoice_id, "payment_id": payment.payment_id})


def start_ach_payment(client_id: str, invoice_id: str, idempotency_key: str, request: PaymentRequest,
                      ach: AchProcessor, cards: Callable[[], CardProcessor],
                      enqueue: Enqueue) -> StartedPayment:
    if request.payment_method_id is None:
        raise Unprocessable("Choose the bank account to pay from (payment_method_id).",
                            code="payment_method_required")
    if request.save_payment_method:
        raise Unprocessable("save_payment_method is for cards; bank accounts are saved when linked.",
                            code="invalid_field")
    payment_id = payment_id_for(client_id, idempotency_key)
    fingerprint = request.fingerprint(invoice_id)
    def attempt() -> StartedPayment:
        invoice, existing, bank = get_many((Invoice, client_id, invoice_id), (Payment, client_id, payment_id),
                                           (SavedPaymentMethod, client_id, request.payment_method_id))
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise Unprocessable("This Idempotency-Key was already used for a different payment request. "
                                    "Use a new key for a new payment.", code="idempotency_key_reused")
            return _submit(existing, ach, enqueue, replayed=True)
        if invoice is None:
            raise invoice_not_found()
        _require_ach_currency(invoice.currency)  # before anything is recorded, cancelled or sent
        if bank is None or bank.type != "bank_account":
            raise method_not_found()
        if bank.bank_status != "verified":
            raise Unprocessable("Verify this bank account with the two small deposits before paying from it.",
                                code="bank_account_not_verified")
        money = money_of(invoice)
        amount = choose_amount(request, status=invoice.status, balance=money.balance,
                               allow_partial=invoice.allow_partial, minimum_payment=invoice.minimum_payment,
                               currency=invoice.currency)
        check_ach_amount(amount)  # the processor's limit per transfer: before anything is recorded or sent
        replaced = cancel_open_payment(invoice, cards()) if invoice.open_payment_id else None

        created_at = clock.now_iso()
        payment = Payment(
            client_id, payment_id, invoice_id=invoice_id, invoice_number=invoice.number, amount=amount,
            currency=invoice.currency, method="ach",
            status=PROCESSING, created_at=created_at, processor="ach",
            processor_method_id=bank.processor_method_id, bank_name=bank.bank_name, bank_last4=bank.bank_last4,
            request_fingerprint=fingerprint, created_key=f"{created_at}#{payment_id}",
            invoice_key=f"{invoice_id}#{created_at}#{payment_id}", unsettled=UNSETTLED,
            processor_idempotency_key=f"{client_id}:{idempotency_key}",
            ach_authorization=AchAuthorization(
                text=request.ach_authorization, accepted_at=created_at, payment_method_id=bank.payment_method_id,
                bank_name=bank.bank_name, bank_last4=bank.bank_last4, amount=amount, currency=invoice.currency))
        reserved = [entry("transfer_started", amount, f"ach-start:{payment_id}", created_at, payment_id=payment_id)]
        invoice_actions, _ = posting_actions(invoice, reserved)  # LedgerRefused: a bug upstream, answered 500
        if invoice.open_payment_id:
            invoice_actions.append(Invoice.open_payment_id.remove())
        with write_transaction() as tx:  # a lost race: until_won starts again on fresh data
            tx.save(payment)  # condition: new
            tx.update(invoice, actions=invoice_actions)  # condition: the version the amount was checked on
            if replaced is not None:
                tx.update(replaced, actions=[Payment.status.set(CANCELED), Payment.unsettled.remove()],
                          condition=Payment.status.is_in(PENDING, FAILED))
        log_posted(reserved, client_id, invoice_id)
        return _submit(payment, ach, enqueue, replayed=False)

    return until_won(attempt, message="This invoice is being paid from another window right now. Check your "
                                      "payment history before trying again.", code="payment_in_progress")


def _submit(payment: Payment, ach: AchProcessor,
            enqueue: Enqueue, *, replayed: bool) -> StartedPayment:
    """Create (or find again) the transfer of a recorded payment; ProcessorUnavailable leaves it reserved."""
    if payment.processor_payment_id is not None or payment.status != PROCESSING:
        return StartedPayment(payment, client_secret=None, replayed=replayed)
    if not within_idempotency_window(payment, clock.now()):
        # The processor forgets idempotency keys after 24 hours: asking again now could debit twice.
        # Reconciliation reports the payment for a person to settle; the client sees it still processing.
        log.error("ach payment without a transfer past the idempotency window",
                  extra={"payment_id": payment.payment_id})
        return StartedPayment(payment, client_secret=None, replayed=replayed)
    try:
        transfer = create_transfer_for(payment, ach)
    except AchError as exc:
        log.warning("ach transfer refused", extra={"payment_id": payment.payment_id, "code": exc.code})
        apply_update(PaymentUpdate(
            source="ach-submit", event_id=f"refused:{payment.payment_id}", event_type="transfer_refused",
            client_id=payment.client_id, invoice_id=payment.invoice_id, payment_id=payment.payment_id,
            processor_payment_id=None, outcome=Outcome(FAILED, payment.amount, int(clock.now().timestamp()), Failure(
                "transfer_refused", f"The bank transfer could not be started: {exc.message} You were not "
                                    "charged; pay by card or with another bank account."))), enqueue)
        payment.refresh(consistent_read=True)
        return StartedPayment(payment, client_secret=None, replayed=replayed)
    try:
        payment.update(actions=[Payment.processor_payment_id.set(transfer.id)],
                       condition=Payment.processor_payment_id.does_not_exist(), add_version_condition=False)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        payment.refresh(consistent_read=True)  # a webhook recorded it first
    enqueue(payment_job(payment.client_id, payment.payment_id, "ach_initiated"))
    return StartedPayment(payment, client_secret=None, replayed=replayed)

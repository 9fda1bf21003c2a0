"""Start a card payment on an invoice: one Stripe PaymentIntent, recorded exactly once.

Order matters. The PaymentIntent is created first, with a Stripe idempotency key derived from the client's
Idempotency-Key, then the payment and the invoice's pointer to it are written in one conditional
transaction. The client_secret leaves this function only after that write, so an intent whose write failed
can never be confirmed by anyone. An invoice has at most one unconfirmed card payment: a new one cancels
the old intent at Stripe first, and if Stripe says the old one was already confirmed, the new payment is
refused (409 payment_in_progress) instead of risking a second charge. A saved card whose intent another
request cancelled before this one confirmed it is refused (409 payment_canceled), its payment `canceled`.
"""

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from shared.aws.models import Invoice, Payment, SavedPaymentMethod
from shared.books import repository
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import clock
from shared.domain.declines import failure_from
from shared.domain.ids import payment_id_for
from shared.domain.payment_plans import amount_rules
from shared.domain.payment_states import CANCELED, FAILED, PENDING, PROCESSING, SUCCEEDED, Outcome, PaymentUpdate
from shared.emails.jobs import Enqueue
from shared.http.errors import Conflict, Unprocessable, invoice_not_found
from shared.http.payment_requests import PaymentRequest, check_card_amount, choose_amount
from shared.processors.card import CardProcessor, Confirmation, IntentCanceled, IntentRequest
from shared.services.customers import stripe_customer_for
from shared.services.payment_updates import UNSETTLED, apply_update
from shared.services.saved_methods import method_not_found

log = Logger(child=True)
MAX_ATTEMPTS = 3
# A PaymentIntent's own status word -> the payment status it settles on (the rest wait for the client).
INTENT_STATUSES = {"succeeded": SUCCEEDED, "processing": PROCESSING, "canceled": CANCELED}


@dataclass(frozen=True)
class StartedPayment:
    payment: Payment
    client_secret: str | None  # cards only: what Stripe.js confirms with
    replayed: bool
    next_action: str | None = None  # "authenticate": the portal finishes 3-D Secure with Stripe.js


def start_card_payment(
    client_id: str,
    invoice_id: str,
    idempotency_key: str,
    request: PaymentRequest,
    cards: CardProcessor,
    merchant_name: str,
    enqueue: Enqueue,
    *,
    repo: Repository | None = None,
) -> StartedPayment:
    repo = repo or repository()
    payment_id = payment_id_for(client_id, idempotency_key)
    fingerprint = request.fingerprint(invoice_id)
    extra = ((SavedPaymentMethod, client_id, request.payment_method_id),) if request.payment_method_id else ()

    def decide(ctx: Context) -> Change:
        invoice, client, existing = ctx.invoice(), ctx.client, ctx.payment
        if existing is not None:
            return Change(result=existing)
        if invoice is None or client is None:
            raise invoice_not_found()
        saved_card = ctx.extra[0] if extra else None
        if request.payment_method_id is not None and (saved_card is None or saved_card.type != "card"):
            raise method_not_found()

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
        check_card_amount(amount, invoice.currency)  # Stripe's minimum and maximum, before any call
        replaced = cancel_open_payment(invoice, cards, repo)
        customer_id = stripe_customer_for(client, cards)
        intent = cards.create_intent(
            IntentRequest(
                amount=amount,
                currency=invoice.currency,
                customer_id=customer_id,
                client_id=client_id,
                invoice_id=invoice_id,
                payment_id=payment_id,
                description=f"{merchant_name} invoice {invoice.number}",
                receipt_email=client.billing_email,
                save_for_later=request.save_payment_method,
                # Scoped by client: two clients' keys must never meet in the merchant's one Stripe account.
                idempotency_key=f"{client_id}:{idempotency_key}",
                payment_method=saved_card.processor_method_id if saved_card else None,
            )
        )
        created_at = clock.now_iso()
        payment = Payment(
            client_id,
            payment_id,
            invoice_id=invoice_id,
            invoice_number=invoice.number,
            amount=amount,
            currency=invoice.currency,
            method="card",
            status=PENDING,
            created_at=created_at,
            processor="stripe",
            processor_payment_id=intent.id,
            save_payment_method=request.save_payment_method,
            request_fingerprint=fingerprint,
            created_key=f"{created_at}#{payment_id}",
            invoice_key=f"{invoice_id}#{created_at}#{payment_id}",
            unsettled=UNSETTLED,
            processor_idempotency_key=f"{client_id}:{idempotency_key}",
        )
        if saved_card is not None:
            payment.processor_method_id = saved_card.processor_method_id
            payment.card_brand, payment.card_last4 = saved_card.card_brand, saved_card.card_last4
        log.info(
            "card payment started",
            extra={
                "payment_id": payment_id,
                "invoice_id": invoice_id,
                "amount": amount,
                "replaced": getattr(replaced, "payment_id", None),
            },
        )
        # A lost race (another request changed the invoice or took this key): decided again on fresh data.
        return Change(
            result=(payment, intent),
            creates=[payment],
            invoices={invoice_id: {"open_payment_id": payment_id}},
            updates=[(replaced, canceled_fields())] if replaced is not None else [],
        )

    result = run(
        repo,
        Keys(client_id, payment_id=payment_id, invoice_ids=(invoice_id,), extra=extra),
        decide,
        attempts=MAX_ATTEMPTS,
        code="payment_in_progress",
        message="This invoice is being paid from another window right now. Check your payment history "
        "before trying again.",
    )
    if isinstance(result, Payment):
        return _replay(result, fingerprint, cards, enqueue)
    payment, intent = result
    if payment.processor_method_id is None:
        return StartedPayment(payment, intent.client_secret, replayed=False)
    return _confirm_saved_card(payment, intent.id, intent.client_secret, cards, enqueue)


def canceled_fields() -> dict:
    """A replaced, unconfirmed card payment (its intent cancelled at Stripe first)."""
    return {"status": CANCELED, "unsettled": None}


def _confirm_saved_card(
    payment: Payment, intent_id: str, client_secret: str, cards: CardProcessor, enqueue: Enqueue
) -> StartedPayment:
    """Confirm server-side, after the payment is recorded (money may move from here on), and apply the
    answer through the webhook's own code path; the webhook that follows then changes nothing."""
    try:
        confirmation: Confirmation = cards.confirm_intent(intent_id)
    except IntentCanceled:
        # Another tab replaced this payment between our write and the confirm. Record what Stripe says
        # (the replacing request may not have written yet), then tell the client nothing was charged.
        _apply(payment, intent_id, "canceled", Outcome(CANCELED, payment.amount, int(clock.now().timestamp())), enqueue)
        raise Conflict(
            "This payment was cancelled before your card was charged, because another payment for this "
            "invoice was started (perhaps in another window). Check your payment history before "
            "paying again.",
            code="payment_canceled",
        ) from None
    if confirmation.status == "requires_action":
        return StartedPayment(payment, client_secret, replayed=False, next_action="authenticate")
    if confirmation.failure_code or confirmation.decline_code:
        outcome = Outcome(
            FAILED,
            payment.amount,
            int(clock.now().timestamp()),
            failure_from(confirmation.failure_code, confirmation.decline_code),
        )
    elif confirmation.status in INTENT_STATUSES:
        outcome = Outcome(INTENT_STATUSES[confirmation.status], payment.amount, int(clock.now().timestamp()))
    else:
        return StartedPayment(payment, client_secret, replayed=False)
    _apply(payment, intent_id, confirmation.status, outcome, enqueue)
    payment.refresh(consistent_read=True)
    return StartedPayment(payment, client_secret, replayed=False)


def _apply(payment: Payment, intent_id: str, intent_status: str, outcome: Outcome, enqueue: Enqueue) -> None:
    apply_update(
        PaymentUpdate(
            source="stripe-confirm",
            event_id=f"{intent_id}:{intent_status}",
            event_type="confirm",
            client_id=payment.client_id,
            invoice_id=payment.invoice_id,
            payment_id=payment.payment_id,
            processor_payment_id=intent_id,
            outcome=outcome,
            payment_method_id=payment.processor_method_id,
        ),
        enqueue,
    )


def _replay(existing: Payment, fingerprint: str, cards: CardProcessor, enqueue: Enqueue) -> StartedPayment:
    if existing.request_fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used for a different payment request. Use a new key for a new payment.",
            code="idempotency_key_reused",
        )
    intent = cards.retrieve_intent(existing.processor_payment_id)
    if existing.status == PENDING and existing.processor_method_id and intent.status == "requires_confirmation":
        # A saved-card payment whose first attempt died before confirming: this retry finishes it.
        started = _confirm_saved_card(existing, intent.id, intent.client_secret, cards, enqueue)
        return StartedPayment(started.payment, started.client_secret, True, started.next_action)
    next_action = "authenticate" if intent.status == "requires_action" else None
    return StartedPayment(existing, intent.client_secret, replayed=True, next_action=next_action)


def cancel_open_payment(invoice: Invoice, cards: CardProcessor, repo: Repository | None = None) -> Payment | None:
    """Cancel the invoice's unconfirmed card payment at Stripe so it can be replaced; refuse if it was
    confirmed meanwhile (its money may already be moving)."""
    if not invoice.open_payment_id:
        return None
    previous = (repo or repository()).load(Keys(invoice.client_id, payment_id=invoice.open_payment_id)).payment
    if previous is None or previous.status not in (PENDING, FAILED):
        return None
    if not cards.cancel_intent(previous.processor_payment_id):
        raise Conflict(
            "A payment for this invoice was just submitted and is being processed. Check your "
            "payment history before paying again.",
            code="payment_in_progress",
        )
    return previous

"""Start a card payment on an invoice: one Stripe PaymentIntent, recorded exactly once.

Order matters. The PaymentIntent is created first, with a Stripe idempotency key derived from the client's
Idempotency-Key, then the payment and the invoice's pointer to it are written in one conditional
transaction. The client_secret leaves this function only after that write, so an intent whose write failed
can never be confirmed by anyone. An invoice has at most one unconfirmed card payment: a new one cancels
the old intent at Stripe first, and if Stripe says the old one was already confirmed, the new payment is
refused (409 payment_in_progress) instead of risking a second charge.
"""

import logging
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError

from shared import clock
from shared.errors import Conflict, NotFound, Unprocessable, invoice_not_found
from shared.ids import payment_id_for
from shared.models import Client, Invoice, Payment
from shared.payment_requests import PaymentRequest, choose_amount
from shared.payment_states import CANCELED, FAILED, PENDING
from shared.processors.card import CardProcessor, IntentRequest
from shared.store import get_many, lost_race, money_of, write_transaction

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class StartedPayment:
    payment: Payment
    client_secret: str
    replayed: bool


def start_card_payment(client_id: str, invoice_id: str, idempotency_key: str, request: PaymentRequest,
                       cards: CardProcessor, merchant_name: str) -> StartedPayment:
    payment_id = payment_id_for(client_id, idempotency_key)
    fingerprint = request.fingerprint(invoice_id)
    for _ in range(MAX_ATTEMPTS):
        invoice, client, existing = get_many((Invoice, client_id, invoice_id), (Client, client_id),
                                             (Payment, client_id, payment_id))
        if existing is not None:
            return _replay(existing, fingerprint, cards)
        if invoice is None or client is None:
            raise invoice_not_found()
        if request.payment_method_id is not None:
            # Saved cards arrive with the saved-methods feature; until then no id can be one of the client's.
            raise NotFound("We couldn't find that saved payment method.", code="payment_method_not_found")

        amount = choose_amount(request, status=invoice.status, balance=money_of(invoice).balance,
                               allow_partial=invoice.allow_partial, minimum_payment=invoice.minimum_payment,
                               currency=invoice.currency)
        replaced = _cancel_open_payment(invoice, cards)
        customer_id = client.stripe_customer_id or _ensure_customer(client, cards)
        intent = cards.create_intent(IntentRequest(
            amount=amount, currency=invoice.currency, customer_id=customer_id, client_id=client_id,
            invoice_id=invoice_id, payment_id=payment_id,
            description=f"{merchant_name} invoice {invoice.number}", receipt_email=client.billing_email,
            save_for_later=request.save_payment_method,
            # Scoped by client: two clients' keys must never meet in the merchant's one Stripe account.
            idempotency_key=f"{client_id}:{idempotency_key}",
        ))
        created_at = clock.now_iso()
        payment = Payment(
            client_id, payment_id, invoice_id=invoice_id, amount=amount, currency=invoice.currency,
            method="card", status=PENDING, created_at=created_at, processor="stripe",
            processor_payment_id=intent.id, save_payment_method=request.save_payment_method,
            request_fingerprint=fingerprint, created_key=f"{created_at}#{payment_id}",
            invoice_key=f"{invoice_id}#{created_at}#{payment_id}",
        )
        try:
            with write_transaction() as tx:
                tx.save(payment)  # condition: no payment with this id yet
                tx.update(invoice, actions=[Invoice.open_payment_id.set(payment_id)])  # condition: version
                if replaced is not None:
                    tx.update(replaced, actions=[Payment.status.set(CANCELED)],
                              condition=Payment.status.is_in(PENDING, FAILED))
        except TransactWriteError as exc:
            if lost_race(exc):
                continue  # another request changed the invoice or took this key: decide again on fresh data
            raise
        log.info("card payment started", extra={"payment_id": payment_id, "invoice_id": invoice_id,
                                                "amount": amount, "replaced": getattr(replaced, "payment_id", None)})
        return StartedPayment(payment, intent.client_secret, replayed=False)
    raise Conflict("This invoice is being paid from another window right now. Check your payment history "
                   "before trying again.", code="payment_in_progress")


def _replay(existing: Payment, fingerprint: str, cards: CardProcessor) -> StartedPayment:
    if existing.request_fingerprint != fingerprint:
        raise Unprocessable("This Idempotency-Key was already used for a different payment request. Use a "
                            "new key for a new payment.", code="idempotency_key_reused")
    intent = cards.retrieve_intent(existing.processor_payment_id)
    return StartedPayment(existing, intent.client_secret, replayed=True)


def _cancel_open_payment(invoice: Invoice, cards: CardProcessor) -> Payment | None:
    """Cancel the invoice's unconfirmed card payment at Stripe so it can be replaced; refuse if it was
    confirmed meanwhile (its money may already be moving)."""
    if not invoice.open_payment_id:
        return None
    try:
        previous = Payment.get(invoice.client_id, invoice.open_payment_id, consistent_read=True)
    except Payment.DoesNotExist:
        return None
    if previous.status not in (PENDING, FAILED):
        return None
    if not cards.cancel_intent(previous.processor_payment_id):
        raise Conflict("A payment for this invoice was just submitted and is being processed. Check your "
                       "payment history before paying again.", code="payment_in_progress")
    return previous


def _ensure_customer(client: Client, cards: CardProcessor) -> str:
    """One Stripe customer per client, even when two first payments race: Stripe's idempotency key makes
    both calls return the same customer, and the conditional write keeps the first id stored."""
    customer_id = cards.ensure_customer(client_id=client.client_id, email=client.billing_email, name=client.name)
    try:
        client.update(actions=[Client.stripe_customer_id.set(customer_id)],
                      condition=Client.stripe_customer_id.does_not_exist())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        client.refresh(consistent_read=True)
        return client.stripe_customer_id
    return customer_id

"""Several invoices, one payment (POST /payments), and what it will cost (POST /payments/quote).

The client picks unpaid invoices in one currency and pays their full balances with one card payment (one
PaymentIntent for the sum) or one ACH debit. The payment is one record: its `allocations` are every invoice's
share in order of allocation (the oldest due date first), its `invoice_id` the first (so the indexes, the
processors' metadata and every reader of one payment's invoice work unchanged), and a PaymentLink per other
invoice lists it with that invoice (shared/aws/payment_links.py). The books spread its money when it moves, in one
unit of work over all its invoices (shared/domain/allocations.py, shared/domain/spread_outcomes.py).

A card fee (shared/domain/surcharges.py) is decided from the card itself: the portal sends the card Stripe.js collected
(`stripe_payment_method`) or a saved card, this service reads the card's `funding` from Stripe, and only a credit
card carries the fee. The client is shown the exact fee before submitting (the quote), sends back the fee it was
shown, and a higher fee is never charged (409 card_fee_changed: the switch was turned on, or the balances changed,
meanwhile). The intent is created with that card and confirmed here, server-side, so the card the fee was decided
for is the card charged; a declined one is cancelled so that no other card can confirm it.

Order as for one invoice: a card intent first (Stripe's idempotency key from the client's Idempotency-Key), then the
payment, its links and every invoice's pointer to it in one conditional transaction; an ACH payment, once its sum is
within the processor's limit per transfer and the client's weekly limit (one debit, counted once), is recorded with
its money in flight first, then the debit is asked for (shared/services/ach_payments.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from aws_lambda_powertools import Logger

from shared.aws.models import AchAuthorization, Allocation, Invoice, Payment, SavedPaymentMethod
from shared.aws.payment_links import link_items
from shared.books import repository
from shared.books.ledger import entry
from shared.books.work import Change, Context, Keys, Repository, balances_of, run
from shared.domain import clock
from shared.domain.ids import payment_id_for
from shared.domain.invoices import PAID, PROCESSING, VOID
from shared.domain.money import format_amount
from shared.domain.payment_states import FAILED, PENDING
from shared.domain.payment_states import PROCESSING as IN_FLIGHT
from shared.domain.surcharges import CardFee
from shared.emails.jobs import Enqueue
from shared.http.errors import Conflict, NotFound, Unprocessable, invoice_not_found
from shared.http.multi_payment_requests import PaymentsRequest
from shared.http.payment_requests import check_ach_amount, check_card_amount
from shared.processors.ach import AchProcessor
from shared.processors.card import CardDetails, CardProcessor, IntentRequest
from shared.services.ach_allowance import check_ach_allowed
from shared.services.ach_payments import _require_ach_currency, _submit
from shared.services.card_payments import (
    StartedPayment,
    _confirm_saved_card,
    _replay,
    cancel_open_payment,
    canceled_fields,
)
from shared.services.customers import stripe_customer_for
from shared.services.payment_updates import UNSETTLED
from shared.services.saved_methods import method_not_found

log = Logger(child=True)
MAX_ATTEMPTS = 3
BUSY = (
    "One of these invoices is being paid from another window right now. Check your payment history before trying again."
)


@dataclass(frozen=True)
class QuotedShare:
    invoice_id: str
    number: str
    amount: int  # the invoice's balance
    card_fee: int = 0


@dataclass(frozen=True)
class Quote:
    currency: str
    shares: tuple[QuotedShare, ...]  # in order of allocation
    fee: CardFee | None  # the card fee in force (None: none)
    card: CardDetails | None  # the card the fee was decided for (None: a bank transfer, or no card yet)

    @property
    def amount(self) -> int:
        return sum(s.amount for s in self.shares)

    @property
    def card_fee(self) -> int | None:
        """The fee in cents; None while a fee is in force and the card is not known yet."""
        if self.fee is not None and self.card is None:
            return None
        return sum(s.card_fee for s in self.shares)

    @property
    def total(self) -> int:
        return self.amount + (self.card_fee or 0)


def quote(
    client_id: str,
    request: PaymentsRequest,
    cards: Callable[[], CardProcessor],
    fee: CardFee | None,
    *,
    repo: Repository | None = None,
) -> Quote:
    """What paying these invoices costs right now, the card fee included. Reads only (one TransactGetItems, and for a
    card one request to Stripe for its funding)."""
    repo = repo or repository()
    return _quote(repo.load(_keys(client_id, request)), request, _card_reader(cards), fee)


def start_payments(
    client_id: str,
    idempotency_key: str,
    request: PaymentsRequest,
    *,
    cards: Callable[[], CardProcessor],
    ach: Callable[[], AchProcessor],
    merchant_name: str,
    enqueue: Enqueue,
    fee: CardFee | None,
    repo: Repository | None = None,
    allowed: Callable[[str, int], None] | None = None,
) -> StartedPayment:
    """`allowed(client_id, amount)`: raises when the ACH processor would refuse the debit (by default Dwolla's
    rules, shared/services/ach_allowance.py): the one debit for the sum is checked once."""
    repo = repo or repository()
    if request.method == "ach":
        allowed = allowed or (lambda client, amount: check_ach_allowed(client, amount, ach(), enqueue))
        return _start_ach(client_id, idempotency_key, request, ach, cards, enqueue, repo, allowed)
    return _start_card(client_id, idempotency_key, request, cards, merchant_name, enqueue, fee, repo)


# ---- reading and checking ----------------------------------------------------------------------------------------


def _keys(client_id: str, request: PaymentsRequest, payment_id: str | None = None) -> Keys:
    extra = ((SavedPaymentMethod, client_id, request.payment_method_id),) if request.payment_method_id else ()
    return Keys(client_id, payment_id=payment_id, invoice_ids=request.invoice_ids, extra=extra)


def _card_reader(cards: Callable[[], CardProcessor]) -> Callable[[str], CardDetails | None]:
    """Stripe's card for a PaymentMethod id, asked once per request (a lost race decides again without asking)."""
    return cache(lambda method_id: cards().card_details(method_id))


def _shares(ctx: Context, request: PaymentsRequest) -> tuple[str, list[tuple[Invoice, int]]]:
    """(currency, [(invoice, balance)] in order of allocation), or the error the client sees."""
    invoices = []
    for invoice_id in request.invoice_ids:
        invoice = ctx.invoices.get(invoice_id)
        if invoice is None:
            raise invoice_not_found()
        if invoice.status == VOID:
            raise Unprocessable(
                f"Invoice {invoice.number} was voided and can't be paid: leave it out.", code="invoice_void"
            )
        balance = balances_of(invoice).money.balance
        if invoice.status == PAID or (balance == 0 and invoice.status != PROCESSING):
            raise Unprocessable(f"Invoice {invoice.number} is already paid: leave it out.", code="invoice_paid")
        if balance == 0:
            raise Conflict(
                f"A payment for the rest of invoice {invoice.number} is already being processed. Check "
                "your payment history before paying it again.",
                code="payment_in_progress",
            )
        invoices.append((invoice, balance))
    currencies = {invoice.currency for invoice, _ in invoices}
    if len(currencies) > 1:
        raise Unprocessable(
            "These invoices are in different currencies ("
            + ", ".join(sorted(c.upper() for c in currencies))
            + "): pay the invoices of each currency separately.",
            code="mixed_currencies",
        )
    invoices.sort(key=lambda pair: (pair[0].due_date, pair[0].issued_date, pair[0].invoice_id))
    return currencies.pop(), invoices


def _card_of(
    ctx: Context, request: PaymentsRequest, read: Callable[[str], CardDetails | None]
) -> tuple[str, CardDetails] | None:
    """(Stripe PaymentMethod id, its card as Stripe has it) for the card named, or None when none is named yet."""
    if request.payment_method_id is not None:
        saved = ctx.extra[0]
        if saved is None or saved.type != "card":
            raise method_not_found()
        method_id = saved.processor_method_id
    elif request.stripe_payment_method is not None:
        method_id = request.stripe_payment_method
    else:
        return None
    card = read(method_id)
    if card is None:
        raise Unprocessable("We couldn't read that card. Enter it again, or choose another.", code="invalid_field")
    if (
        card.customer_id
        and request.stripe_payment_method is not None
        and ctx.client is not None
        and card.customer_id != ctx.client.stripe_customer_id
    ):
        raise NotFound("We couldn't find that card. Enter it again.", code="payment_method_not_found")
    return method_id, card


def _quote(
    ctx: Context, request: PaymentsRequest, read: Callable[[str], CardDetails | None], fee: CardFee | None
) -> Quote:
    if ctx.client is None:
        raise invoice_not_found()
    currency, invoices = _shares(ctx, request)
    card = _card_of(ctx, request, read) if request.method == "card" else None
    applied = fee.for_card(card[1].funding) if fee is not None and card is not None else None
    shares = tuple(
        QuotedShare(i.invoice_id, i.number, balance, applied.on(balance) if applied else 0) for i, balance in invoices
    )
    return Quote(currency, shares, fee if request.method == "card" else None, card[1] if card else None)


# ---- card ----------------------------------------------------------------------------------------------------------


def _start_card(
    client_id: str,
    idempotency_key: str,
    request: PaymentsRequest,
    cards: Callable[[], CardProcessor],
    merchant_name: str,
    enqueue: Enqueue,
    fee: CardFee | None,
    repo: Repository,
) -> StartedPayment:
    payment_id = payment_id_for(client_id, idempotency_key)
    fingerprint = request.fingerprint()
    read = _card_reader(cards)

    def decide(ctx: Context) -> Change:
        if ctx.payment is not None:
            return Change(result=ctx.payment)
        assert ctx.client is not None  # the paying client: never deleted
        quoted = _quote(ctx, request, read, fee)
        if quoted.card_fee is None:
            raise Unprocessable(
                "Enter your card before paying: the card fee depends on the kind of card.", code="card_details_required"
            )
        if quoted.card_fee > request.card_fee:
            raise Conflict(
                f"The card fee is now {format_amount(quoted.card_fee, quoted.currency)}, not what you "
                "were shown: review the payment again.",
                code="card_fee_changed",
                details={"card_fee": quoted.card_fee},
            )
        check_card_amount(quoted.total, quoted.currency)  # Stripe's minimum and maximum, before any call
        method_id, card = _card_of(ctx, request, read) or (None, None)
        replaced = _replace_open_payments(ctx, cards(), repo)
        intent = cards().create_intent(
            IntentRequest(
                amount=quoted.total,
                currency=quoted.currency,
                customer_id=stripe_customer_for(ctx.client, cards()),
                client_id=client_id,
                invoice_id=quoted.shares[0].invoice_id,
                payment_id=payment_id,
                description=_description(merchant_name, quoted),
                receipt_email=ctx.client.billing_email,
                save_for_later=request.save_payment_method and request.stripe_payment_method is not None,
                idempotency_key=f"{client_id}:{idempotency_key}",
                payment_method=method_id,
                metadata={"invoice_count": str(len(quoted.shares)), "card_fee": str(quoted.card_fee)},
            )
        )
        payment = _payment(
            client_id,
            payment_id,
            quoted,
            "card",
            fingerprint,
            idempotency_key,
            status=PENDING,
            processor="stripe",
            processor_payment_id=intent.id,
            processor_method_id=method_id,
            save_payment_method=request.save_payment_method,
            card_brand=card.brand if card else None,
            card_last4=card.last4 if card else None,
            card_fee=quoted.card_fee or None,
            card_funding=card.funding if card else None,
        )
        log.info(
            "card payment of several invoices started",
            extra={
                "payment_id": payment_id,
                "invoice_ids": [s.invoice_id for s in quoted.shares],
                "amount": quoted.total,
                "card_fee": quoted.card_fee,
                "funding": card.funding if card else None,
                "replaced": [p.payment_id for p in replaced],
            },
        )
        return Change(
            result=(payment, intent),
            creates=[payment, *link_items(payment)],
            invoices={s.invoice_id: {"open_payment_id": payment_id} for s in quoted.shares},
            updates=[(p, canceled_fields()) for p in replaced],
        )

    result = run(
        repo,
        _keys(client_id, request, payment_id),
        decide,
        attempts=MAX_ATTEMPTS,
        code="payment_in_progress",
        message=BUSY,
    )
    if isinstance(result, Payment):
        return _replay(result, fingerprint, cards(), enqueue)
    payment, intent = result
    if payment.processor_method_id is None:
        return StartedPayment(payment, intent.client_secret, replayed=False)
    started = _confirm_saved_card(payment, intent.id, intent.client_secret, cards(), enqueue)
    if payment.card_fee and started.payment.status == FAILED:
        # The fee was decided for this card: the intent must not be confirmed with another one (the client pays
        # again with a new quote). Stripe's payment_intent.canceled then records it.
        cards().cancel_intent(intent.id)
    return started


def _replace_open_payments(ctx: Context, cards: CardProcessor, repo: Repository) -> list[Payment]:
    """Each invoice's unconfirmed card payment, cancelled at Stripe so that this one replaces it (once per payment:
    a payment of several invoices may be the open one of several)."""
    replaced, seen = [], set()
    for invoice in ctx.invoices.values():
        if invoice.open_payment_id and invoice.open_payment_id not in seen:
            seen.add(invoice.open_payment_id)
            previous = cancel_open_payment(invoice, cards, repo)
            if previous is not None:
                replaced.append(previous)
    return replaced


def _description(merchant_name: str, quoted: Quote) -> str:
    numbers = ", ".join(s.number for s in quoted.shares)
    return f"{merchant_name} invoice{'s' if len(quoted.shares) > 1 else ''} {numbers}"[:1000]


def _payment(
    client_id: str, payment_id: str, quoted: Quote, method: str, fingerprint: str, idempotency_key: str, **fields
) -> Payment:
    created_at = clock.now_iso()
    first = quoted.shares[0]
    return Payment(
        client_id,
        payment_id,
        invoice_id=first.invoice_id,
        invoice_number=first.number,
        amount=quoted.total,
        currency=quoted.currency,
        method=method,
        created_at=created_at,
        request_fingerprint=fingerprint,
        created_key=f"{created_at}#{payment_id}",
        invoice_key=f"{first.invoice_id}#{created_at}#{payment_id}",
        unsettled=UNSETTLED,
        processor_idempotency_key=f"{client_id}:{idempotency_key}",
        allocations=[
            Allocation(invoice_id=s.invoice_id, invoice_number=s.number, amount=s.amount, card_fee=s.card_fee)
            for s in quoted.shares
        ],
        **fields,
    )


# ---- ACH -------------------------------------------------------------------------------------------------------


def _start_ach(
    client_id: str,
    idempotency_key: str,
    request: PaymentsRequest,
    ach: Callable[[], AchProcessor],
    cards: Callable[[], CardProcessor],
    enqueue: Enqueue,
    repo: Repository,
    allowed: Callable[[str, int], None],
) -> StartedPayment:
    """One debit for the sum: one transfer within the processor's limit per transfer, counted once against the
    client's weekly limit."""
    payment_id = payment_id_for(client_id, idempotency_key)
    fingerprint = request.fingerprint()

    def decide(ctx: Context) -> Change:
        existing = ctx.payment
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise Unprocessable(
                    "This Idempotency-Key was already used for a different payment request. "
                    "Use a new key for a new payment.",
                    code="idempotency_key_reused",
                )
            return Change(result=(existing, True))
        quoted = _quote(ctx, request, lambda _: None, None)
        _require_ach_currency(quoted.currency)  # before anything is recorded, cancelled or sent
        bank = ctx.extra[0]
        if bank is None or bank.type != "bank_account":
            raise method_not_found()
        if bank.bank_status != "verified":
            raise Unprocessable(
                "Verify this bank account with the two small deposits before paying from it.",
                code="bank_account_not_verified",
            )
        check_ach_amount(quoted.total)  # the processor's limit per transfer: before anything is recorded or sent
        allowed(client_id, quoted.total)  # Dwolla's weekly limit and restrictions, for the one debit of the sum
        replaced = (
            _replace_open_payments(ctx, cards(), repo) if any(i.open_payment_id for i in ctx.invoices.values()) else []
        )
        payment = _payment(
            client_id,
            payment_id,
            quoted,
            "ach",
            fingerprint,
            idempotency_key,
            status=IN_FLIGHT,
            processor="ach",
            processor_method_id=bank.processor_method_id,
            bank_name=bank.bank_name,
            bank_last4=bank.bank_last4,
        )
        payment.ach_authorization = AchAuthorization(
            text=request.ach_authorization,
            accepted_at=payment.created_at,
            payment_method_id=bank.payment_method_id,
            bank_name=bank.bank_name,
            bank_last4=bank.bank_last4,
            amount=quoted.total,
            currency=quoted.currency,
        )
        # Money in flight on every invoice, conditional on the versions the balances were read at.
        reserved = [
            entry(
                "transfer_started",
                s.amount,
                f"ach-start:{payment_id}",
                payment.created_at,
                s.invoice_id,
                payment_id=payment_id,
            )
            for s in quoted.shares
        ]
        log.info(
            "bank payment of several invoices started",
            extra={
                "payment_id": payment_id,
                "invoice_ids": [s.invoice_id for s in quoted.shares],
                "amount": quoted.total,
            },
        )
        return Change(
            result=(payment, False),
            creates=[payment, *link_items(payment)],
            entries=reserved,
            invoices={i: {"open_payment_id": None} for i, inv in ctx.invoices.items() if inv.open_payment_id},
            updates=[(p, canceled_fields()) for p in replaced],
        )

    payment, replayed = run(
        repo, _keys(client_id, request, payment_id), decide, code="payment_in_progress", message=BUSY
    )
    return _submit(payment, ach(), enqueue, replayed=replayed, repo=repo)

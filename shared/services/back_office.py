"""The merchant's back office: create an invoice, void one, and read any client's invoices and payments.

Creating is idempotent like starting a payment: the invoice id is derived from (client, Idempotency-Key), the
write is conditional on that id being new, and a repeated key finds the stored invoice: the same request
body (its fingerprint is stored) is a replay, another body is 422 idempotency_key_reused.

Voiding cancels the invoice's unconfirmed card PaymentIntent at Stripe first (so nobody can confirm it
afterwards), then sets the status with one write conditional on the invoice version read; a change in between
(a new payment started, money arrived) makes it decide again on fresh data. A void invoice never holds money:
voiding is refused while any payment on it holds money or is disputed, and money that still reaches a void
invoice (a dispute won, a late success) is kept as the client's credit (shared/domain/payment_states.py,
shared/domain/dispute_states.py).
"""

from dataclasses import dataclass, field, replace

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice, LateFeePolicy, LineItem, Payment
from shared.books import repository
from shared.books.ledger import PaymentBalances, opening
from shared.books.work import Change, Context, Keys, Repository, run
from shared.domain import clock
from shared.domain.dispute_states import CLOSED
from shared.domain.ids import derived_id
from shared.domain.invoices import OPEN, PAID, PROCESSING, VOID
from shared.http.errors import Conflict, NotFound, Unprocessable, invoice_not_found
from shared.http.invoice_requests import InvoiceRequest, check_issued_before_due
from shared.processors.card import CardProcessor
from shared.services import queries
from shared.services.card_payments import cancel_open_payment, canceled_fields

log = Logger(child=True)
MAX_ATTEMPTS = 3


def invoice_id_for(client_id: str, idempotency_key: str) -> str:
    """A retried request lands on the same invoice."""
    return derived_id("inv", "invoice", client_id, idempotency_key)


def client_not_found() -> NotFound:
    return NotFound("There is no client with this id.", code="client_not_found")


def _require_client(client_id: str) -> Client:
    try:
        return Client.get(client_id)
    except Client.DoesNotExist:
        raise client_not_found() from None


@dataclass(frozen=True)
class CreatedInvoice:
    invoice: Invoice
    payments: list[Payment]
    replayed: bool
    activity: list = field(default_factory=list)  # its journal entries, oldest first


def create_invoice(request: InvoiceRequest, idempotency_key: str, *, repo: Repository | None = None) -> CreatedInvoice:
    invoice_id = invoice_id_for(request.client_id, idempotency_key)

    def decide(ctx: Context) -> Change:
        if ctx.client is None:
            raise client_not_found()
        existing = ctx.invoice()
        if existing is not None:
            return Change(result=_replay(existing, request))
        issued_date = request.issued_date or clock.today().isoformat()
        check_issued_before_due(issued_date, request.due_date)
        invoice = Invoice(
            request.client_id,
            invoice_id,
            number=request.number,
            currency=request.currency,
            total=0,
            fees=0,
            amount_paid=0,
            amount_pending=0,
            issued_date=issued_date,
            issued_key=f"{issued_date}#{invoice_id}",
            due_date=request.due_date,
            allow_partial=request.allow_partial,
            minimum_payment=request.minimum_payment,
            status=OPEN,
            request_fingerprint=request.fingerprint(),
            line_items=[
                LineItem(
                    description=line.description,
                    quantity=line.quantity,
                    unit_amount=line.unit_amount,
                    amount=line.amount,
                )
                for line in request.line_items
            ],
        )
        if request.late_fee_policy is not None:
            invoice.late_fee_policy = LateFeePolicy(**request.late_fee_policy)
        # The total is the opening entry's: the unit of work sets it, the status and the index keys from it.
        return Change(
            result=CreatedInvoice(invoice, [], replayed=False),
            creates=[invoice],
            entries=opening(request.total, f"invoice:{invoice_id}", clock.now_iso(), invoice_id),
            invoices={invoice_id: {}},
        )

    # A concurrent request with the same key that wrote first makes this one decide again: its replay.
    repo = repo or repository()
    created = run(repo, Keys(request.client_id, invoice_ids=(invoice_id,)), decide)
    if not created.replayed:
        log.info(
            "invoice created", extra={"client_id": request.client_id, "invoice_id": invoice_id, "total": request.total}
        )
    return replace(created, activity=repo.journal(request.client_id, invoice_id))


def _get_invoice(client_id: str, invoice_id: str) -> Invoice | None:
    try:
        return Invoice.get(client_id, invoice_id, consistent_read=True)
    except Invoice.DoesNotExist:
        return None


def _replay(existing: Invoice, request: InvoiceRequest) -> CreatedInvoice:
    if existing.request_fingerprint != request.fingerprint():
        raise Unprocessable(
            "This Idempotency-Key was already used for a different invoice. Use a new key for a new invoice.",
            code="idempotency_key_reused",
        )
    return CreatedInvoice(existing, _payments_of(existing), replayed=True)


def _payments_of(invoice: Invoice) -> list[Payment]:
    return queries.invoice_payments(invoice.client_id, invoice.invoice_id, consistent=True)


def void_invoice(
    client_id: str, invoice_id: str, cards: CardProcessor, *, repo: Repository | None = None
) -> tuple[Invoice, list[Payment], list]:
    repo = repo or repository()

    def decide(ctx: Context) -> Change:
        invoice = ctx.invoice()
        if invoice is None:
            raise invoice_not_found()
        check_voidable(invoice, repo.invoice_payments(client_id, invoice_id))
        # Cancel an unconfirmed card payment at Stripe first: once the invoice is void nobody may confirm it.
        # Raises 409 payment_in_progress if the client confirmed it meanwhile.
        replaced = cancel_open_payment(invoice, cards, repo) if invoice.open_payment_id else None
        return Change(
            result=invoice.open_payment_id,
            void=(invoice_id,),
            invoices={invoice_id: {"open_payment_id": None}},
            updates=[(replaced, canceled_fields())] if replaced is not None else [],
        )

    canceled = run(
        repo,
        Keys(client_id, invoice_ids=(invoice_id,)),
        decide,
        attempts=MAX_ATTEMPTS,
        message="This invoice is changing right now (a payment may be starting). Try again in a moment.",
    )
    log.info(
        "invoice voided", extra={"client_id": client_id, "invoice_id": invoice_id, "canceled_payment_id": canceled}
    )
    invoice = repo.load(Keys(client_id, invoice_ids=(invoice_id,))).invoice()
    assert invoice is not None  # the invoice just voided
    # Newest payments first, as the API lists them; the journal, oldest first.
    return invoice, repo.invoice_payments(client_id, invoice_id)[::-1], repo.journal(client_id, invoice_id)


def check_voidable(invoice: Invoice, payments: list[Payment]) -> None:
    """Only an invoice nobody has paid, nobody is paying and no payment's money is still tied to can be voided:
    a void invoice never holds money."""
    if invoice.status == VOID:
        raise Conflict("This invoice is already void.", code="invoice_void")
    if invoice.status == PAID:
        raise Conflict("This invoice is paid: refund its payments instead of voiding it.", code="invoice_paid")
    if invoice.amount_paid > 0:
        raise Conflict(
            "Part of this invoice is paid: refund those payments first, then void it.", code="invoice_partially_paid"
        )
    if invoice.status == PROCESSING or invoice.amount_pending > 0:
        raise Conflict(
            "A payment for this invoice is being processed; it can't be voided until that payment settles or fails.",
            code="payment_in_progress",
        )
    if any(p.dispute is not None and p.dispute.status not in CLOSED for p in payments):
        raise Conflict(
            "A payment on this invoice is disputed: its money may come back to this invoice. Void it "
            "once the dispute is closed.",
            code="payment_disputed",
        )
    if any(PaymentBalances(p.balance_map()).held_for(invoice.invoice_id) for p in payments):
        raise Conflict(
            "A payment on this invoice still holds money (kept as the client's credit): refund it "
            "first, then void the invoice.",
            code="payment_holds_money",
        )


def list_client_invoices(client_id: str, status: str | None, limit: int, cursor: str | None):
    _require_client(client_id)
    return queries.list_invoices(client_id, status, limit, cursor)


def list_client_payments(client_id: str, invoice_id: str | None, limit: int, cursor: str | None):
    _require_client(client_id)
    return queries.list_payments(client_id, invoice_id, limit, cursor)

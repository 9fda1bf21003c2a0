"""The merchant's back office: create an invoice, void one, and read any client's invoices and payments.

Creating is idempotent like starting a payment: the invoice id is derived from (client, Idempotency-Key), the
write is conditional on that id being new, and a repeated key finds the stored invoice: the same request
body (its fingerprint is stored) is a replay, another body is 422 idempotency_key_reused.

Voiding cancels the invoice's unconfirmed card PaymentIntent at Stripe first (so nobody can confirm it
afterwards), then sets the status with one write conditional on the invoice version read; a change in between
(a new payment started, money arrived) makes it decide again on fresh data.
"""

from dataclasses import dataclass

from aws_lambda_powertools import Logger
from pynamodb.exceptions import PutError

from shared import clock
from shared.errors import Conflict, NotFound, Unprocessable, invoice_not_found
from shared.ids import derived_id
from shared.invoice_requests import InvoiceRequest, check_issued_before_due
from shared.invoices import OPEN, PAID, PROCESSING, VOID
from shared.ledger import opening
from shared.models import Client, Invoice, LateFeePolicy, LineItem, Payment
from shared.payment_states import CANCELED, FAILED, PENDING
from shared.processors.card import CardProcessor
from shared.services import queries
from shared.services.card_payments import cancel_open_payment
from shared.postings import posting_actions, stored_entry
from shared.retries import until_won
from shared.store import status_key, write_transaction

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id
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


def create_invoice(request: InvoiceRequest, idempotency_key: str) -> CreatedInvoice:
    _require_client(request.client_id)
    invoice_id = invoice_id_for(request.client_id, idempotency_key)
    existing = _get_invoice(request.client_id, invoice_id)
    if existing is not None:
        return _replay(existing, request)

    issued_date = request.issued_date or clock.today().isoformat()
    check_issued_before_due(issued_date, request.due_date)
    invoice = Invoice(
        request.client_id, invoice_id, number=request.number, currency=request.currency, total=request.total,
        fees=0, amount_paid=0, amount_pending=0, issued_date=issued_date, due_date=request.due_date,
        allow_partial=request.allow_partial, minimum_payment=request.minimum_payment, status=OPEN,
        line_items=[LineItem(description=line.description, quantity=line.quantity,
                             unit_amount=line.unit_amount, amount=line.amount) for line in request.line_items],
        request_fingerprint=request.fingerprint())
    # The same index keys every status write keeps (store.status_actions): open money is in the due-date index.
    invoice.status_key = status_key(OPEN, invoice)
    invoice.open_due_date = request.due_date
    invoice.entries = [stored_entry(e) for e in opening(request.total, f"invoice:{invoice_id}", clock.now_iso())]
    if request.late_fee_policy is not None:
        invoice.late_fee_policy = LateFeePolicy(**request.late_fee_policy)
    try:
        invoice.save(condition=Invoice.invoice_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        # The same key was used by a concurrent request that wrote first: this is its replay.
        existing = _get_invoice(request.client_id, invoice_id)
        if existing is None:
            raise
        return _replay(existing, request)
    log.info("invoice created", extra={"client_id": request.client_id, "invoice_id": invoice_id,
                                       "total": request.total})
    return CreatedInvoice(invoice, [], replayed=False)


def _get_invoice(client_id: str, invoice_id: str) -> Invoice | None:
    try:
        return Invoice.get(client_id, invoice_id, consistent_read=True)
    except Invoice.DoesNotExist:
        return None


def _replay(existing: Invoice, request: InvoiceRequest) -> CreatedInvoice:
    if existing.request_fingerprint != request.fingerprint():
        raise Unprocessable("This Idempotency-Key was already used for a different invoice. Use a new key for "
                            "a new invoice.", code="idempotency_key_reused")
    return CreatedInvoice(existing, _payments_of(existing), replayed=True)


def _payments_of(invoice: Invoice) -> list[Payment]:
    return queries.invoice_payments(invoice.client_id, invoice.invoice_id, consistent=True)


def void_invoice(client_id: str, invoice_id: str, cards: CardProcessor) -> tuple[Invoice, list[Payment]]:
    def attempt() -> tuple[Invoice, list[Payment]]:
        invoice = _get_invoice(client_id, invoice_id)
        if invoice is None:
            raise invoice_not_found()
        check_voidable(invoice)
        # Cancel an unconfirmed card payment at Stripe first: once the invoice is void nobody may confirm it.
        # Raises 409 payment_in_progress if the client confirmed it meanwhile.
        replaced = cancel_open_payment(invoice, cards) if invoice.open_payment_id else None
        canceled = invoice.open_payment_id
        voided, _ = posting_actions(invoice, [], void=True)  # no money moves; the books still must hold
        with write_transaction() as tx:  # a lost race: until_won decides again on fresh data
            # Conditional on the version read: a payment started or settled since is seen.
            tx.update(invoice, actions=[*voided, Invoice.open_payment_id.remove()])
            if replaced is not None:
                tx.update(replaced, actions=[Payment.status.set(CANCELED), Payment.unsettled.remove()],
                          condition=Payment.status.is_in(PENDING, FAILED))
        invoice.refresh(consistent_read=True)
        log.info("invoice voided", extra={"client_id": client_id, "invoice_id": invoice_id,
                                          "canceled_payment_id": canceled})
        return invoice, _payments_of(invoice)

    return until_won(attempt, attempts=MAX_ATTEMPTS, message="This invoice is changing right now (a payment may be "
                     "starting). Try again in a moment.")


def check_voidable(invoice: Invoice) -> None:
    """Only an invoice nobody has paid and nobody is paying can be voided."""
    if invoice.status == VOID:
        raise Conflict("This invoice is already void.", code="invoice_void")
    if invoice.status == PAID:
        raise Conflict("This invoice is paid: refund its payments instead of voiding it.", code="invoice_paid")
    if invoice.amount_paid > 0:
        raise Conflict("Part of this invoice is paid: refund those payments first, then void it.",
                       code="invoice_partially_paid")
    if invoice.status == PROCESSING or invoice.amount_pending > 0:
        raise Conflict("A payment for this invoice is being processed; it can't be voided until that payment "
                       "settles or fails.", code="payment_in_progress")


def list_client_invoices(client_id: str, status: str | None, limit: int, cursor: str | None):
    _require_client(client_id)
    return queries.list_invoices(client_id, status, limit, cursor)


def list_client_payments(client_id: str, invoice_id: str | None, limit: int, cursor: str | None):
    _require_client(client_id)
    return queries.list_payments(client_id, invoice_id, limit, cursor)

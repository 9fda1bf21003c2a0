"""Extension requests: a client asks for a later due date; the merchant approves or declines it."""

from datetime import date

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from shared.aws.models import ExtensionRequest, Invoice
from shared.aws.store import status_actions
from shared.domain import clock
from shared.domain.due_dates import check_approvable, check_extendable, parse_extension_request
from shared.domain.ids import new_id
from shared.emails.jobs import Enqueue
from shared.http.errors import Conflict, NotFound, invoice_not_found

log = Logger(child=True)
PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


def _conflict_if_changed(exc: UpdateError) -> None:
    if exc.cause_response_code == "ConditionalCheckFailedException":
        raise Conflict("The invoice changed while saving; try again.", code="concurrent_change") from None
    raise exc


def request_extension(client_id: str, invoice_id: str, body: object, today: date, enqueue: Enqueue) -> Invoice:
    try:
        invoice = Invoice.get(client_id, invoice_id, consistent_read=True)
    except Invoice.DoesNotExist:
        raise invoice_not_found() from None
    open_request = invoice.extension_request is not None and invoice.extension_request.status == PENDING
    check_extendable(invoice.status, open_request, invoice.payment_plan is not None)
    requested, reason = parse_extension_request(body, date.fromisoformat(invoice.due_date), today)
    ext = ExtensionRequest(
        extension_request_id=new_id("ext"),
        requested_due_date=requested.isoformat(),
        previous_due_date=invoice.due_date,
        reason=reason,
        status=PENDING,
        created_at=clock.now_iso(),
    )
    try:  # conditional on the version read: two requests at once cannot both be the open one
        invoice.update(
            actions=[Invoice.extension_request.set(ext), Invoice.extension_request_id.set(ext.extension_request_id)]
        )
    except UpdateError as exc:
        _conflict_if_changed(exc)
    enqueue(
        {
            "kind": "extension_requested",
            "client_id": client_id,
            "invoice_id": invoice_id,
            "extension_request_id": ext.extension_request_id,
        }
    )
    log.info("extension requested", extra={"invoice_id": invoice_id, "requested": requested.isoformat()})
    return invoice


def decide_extension(extension_request_id: str, approve: bool, enqueue: Enqueue, note: str | None = None) -> Invoice:
    """Approve or decline; `note`, the merchant's words to the client, goes with either answer (the email and the
    invoice show it)."""
    invoice = next(iter(Invoice.by_extension_request.query(extension_request_id, limit=1)), None)
    if invoice is None:
        raise NotFound("There is no extension request with that id.", code="extension_request_not_found")
    invoice.refresh(consistent_read=True)  # the index is eventually consistent; decide on the record itself
    ext = invoice.extension_request
    if ext is None or ext.extension_request_id != extension_request_id:
        raise NotFound("There is no extension request with that id.", code="extension_request_not_found")
    if ext.status != PENDING:
        raise Conflict(f"This extension request was already {ext.status}.", code="extension_request_decided")
    if approve:  # a date that has passed can only be declined (with a note)
        check_approvable(date.fromisoformat(ext.requested_due_date), clock.today())
    ext.status, ext.decided_at, ext.note = (APPROVED if approve else DECLINED), clock.now_iso(), note
    actions = [Invoice.extension_request.set(ext)]
    if approve:
        # The new date moves the invoice out of today's overdue window and gives fees a new period.
        actions += [
            Invoice.due_date.set(ext.requested_due_date),
            *status_actions(invoice.status, invoice, due_date=ext.requested_due_date),
        ]
    try:
        invoice.update(actions=actions)
    except UpdateError as exc:
        _conflict_if_changed(exc)
    enqueue(
        {
            "kind": "extension_decided",
            "client_id": invoice.client_id,
            "invoice_id": invoice.invoice_id,
            "extension_request_id": extension_request_id,
        }
    )
    log.info("extension decided", extra={"extension_request_id": extension_request_id, "status": ext.status})
    return invoice

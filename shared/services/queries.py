"""Read side for the portal: every list is one Query on the client's own partition, paged by cursor."""

import base64
import binascii
import hashlib
import json

from datetime import date

from shared import clock
from shared.errors import BadRequest, invoice_not_found, payment_not_found
from shared.invoices import OPEN, PARTIALLY_PAID, STATUSES
from shared.models import Invoice, Payment
from shared.validation import fits_key, is_id

DEFAULT_LIMIT, MAX_LIMIT = 25, 100


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.", code="invalid_limit")
    return int(raw)


def _owner(client_id: str) -> str:
    """Which client's list a cursor belongs to, without the client id in it (a cursor of one client's list is
    refused on another's: the back office reads many)."""
    return hashlib.sha256(client_id.encode()).hexdigest()[:12]


def _encode_cursor(key: dict | None) -> str | None:
    """Opaque to the client: the position within its own partition, without the partition key (the client id
    comes from the token, never from a cursor), as base64url of the sort-key values and `_owner`."""
    if not key:
        return None
    position = {name: value["S"] for name, value in key.items() if name != "client_id"}
    position["of"] = _owner(key["client_id"]["S"])
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, client_id: str, keys: tuple[str, ...], prefix: tuple[str, str] | None = None) -> dict | None:
    """The DynamoDB start key a next_cursor encodes, checked to be a position in this query: exactly the query's
    key attributes (`keys`), strings that fit a key, and with `prefix` (attribute, value) inside the query's
    begins_with range; the partition is the caller's own. DynamoDB refuses any other start key."""
    if cursor is None:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        position = None
    if not isinstance(position, dict) or position.pop("of", None) != _owner(client_id) or set(position) != set(keys) \
            or not all(isinstance(v, str) and fits_key(v) for v in position.values()) \
            or (prefix and not position[prefix[0]].startswith(prefix[1])):
        raise BadRequest("cursor is not valid: use the next_cursor of the previous page.", code="invalid_cursor")
    return {"client_id": {"S": client_id}, **{name: {"S": value} for name, value in position.items()}}


OVERDUE = "overdue"  # a filter, not a stored status: derived from the due date like the invoice's `overdue`
STATUS_FILTERS = (*STATUSES, OVERDUE)


def list_invoices(client_id: str, status: str | None, limit: int, cursor: str | None,
                  today: date | None = None) -> tuple[list, str | None]:
    if status is not None and status not in STATUS_FILTERS:
        raise BadRequest(f"status must be one of: {', '.join(STATUS_FILTERS)}.", code="invalid_status")
    if status in (None, OVERDUE):
        start = _decode_cursor(cursor, client_id, ("invoice_id",))
    if status == OVERDUE:
        # The client's partition filtered as is_overdue decides (PynamoDB reads on until the page is full, so a
        # client with many paid invoices costs more reads, never a Scan).
        due_before = (today or clock.today()).isoformat()
        results = Invoice.query(client_id, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                                filter_condition=Invoice.status.is_in(OPEN, PARTIALLY_PAID)
                                & (Invoice.due_date < due_before))
    elif status is None:
        results = Invoice.query(client_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    else:
        start = _decode_cursor(cursor, client_id, ("invoice_id", "status_key"), ("status_key", f"{status}#"))
        results = Invoice.by_status.query(client_id, Invoice.status_key.startswith(f"{status}#"),
                                          scan_index_forward=False, limit=limit, last_evaluated_key=start)
    items = list(results)
    return items, _encode_cursor(results.last_evaluated_key)


def get_invoice(client_id: str, invoice_id: str) -> tuple[Invoice, list[Payment]]:
    try:
        invoice = Invoice.get(client_id, invoice_id)
    except Invoice.DoesNotExist:
        raise invoice_not_found() from None
    return invoice, invoice_payments(client_id, invoice_id)


def invoice_payments(client_id: str, invoice_id: str, *, consistent: bool = False) -> list[Payment]:
    """An invoice's payments, newest first (one Query on the by-invoice index)."""
    return list(Payment.by_invoice.query(client_id, Payment.invoice_key.startswith(f"{invoice_id}#"),
                                         scan_index_forward=False, consistent_read=consistent))


def list_payments(client_id: str, invoice_id: str | None, limit: int,
                  cursor: str | None) -> tuple[list[Payment], str | None]:
    if invoice_id is None:
        start = _decode_cursor(cursor, client_id, ("payment_id", "created_key"))
        results = Payment.by_created.query(client_id, scan_index_forward=False, limit=limit,
                                           last_evaluated_key=start)
    else:
        if not is_id(invoice_id):
            raise BadRequest("invoice_id must be the id of one of your invoices.", code="invalid_invoice_id")
        start = _decode_cursor(cursor, client_id, ("payment_id", "invoice_key"), ("invoice_key", f"{invoice_id}#"))
        results = Payment.by_invoice.query(client_id, Payment.invoice_key.startswith(f"{invoice_id}#"),
                                           scan_index_forward=False, limit=limit, last_evaluated_key=start)
    items = list(results)
    return items, _encode_cursor(results.last_evaluated_key)


def get_payment(client_id: str, payment_id: str, *, consistent: bool = False) -> Payment:
    try:
        return Payment.get(client_id, payment_id, consistent_read=consistent)
    except Payment.DoesNotExist:
        raise payment_not_found() from None

"""Read side for the portal: every list is one Query on the client's own partition, paged by cursor."""

import base64
import binascii
import hashlib
import json
from datetime import date

from shared.aws.dynamodb import connection
from shared.aws.models import Invoice, JournalItem, Payment
from shared.aws.payment_links import is_link_id, resolve
from shared.books.ledger import Entry
from shared.books.work import entry_of, journal_key
from shared.domain import clock
from shared.domain.invoices import OPEN, PARTIALLY_PAID, STATUSES
from shared.http.errors import BadRequest, invoice_not_found, payment_not_found
from shared.http.validation import fits_key, is_id

DEFAULT_LIMIT, MAX_LIMIT = 25, 100
ACTIVITY_PAGE = 100  # journal entries an invoice's detail (or one page of its activity) shows
INVOICE_PAYMENTS = 100  # the newest payments an invoice's detail shows (GET /payments?invoice_id= pages all)


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


def _decode_cursor(
    cursor: str | None, client_id: str, keys: tuple[str, ...], prefix: tuple[str, str] | None = None
) -> dict | None:
    """The DynamoDB start key a next_cursor encodes, checked to be a position in this query: exactly the query's
    key attributes (`keys`), strings that fit a key, and with `prefix` (attribute, value) inside the query's
    begins_with range; the partition is the caller's own. DynamoDB refuses any other start key."""
    if cursor is None:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        position = None
    if (
        not isinstance(position, dict)
        or position.pop("of", None) != _owner(client_id)
        or set(position) != set(keys)
        or not all(isinstance(v, str) and fits_key(v) for v in position.values())
        or (prefix and not position[prefix[0]].startswith(prefix[1]))
    ):
        raise BadRequest("cursor is not valid: use the next_cursor of the previous page.", code="invalid_cursor")
    return {"client_id": {"S": client_id}, **{name: {"S": value} for name, value in position.items()}}


OVERDUE = "overdue"  # a filter, not a stored status: derived from the due date like the invoice's `overdue`
STATUS_FILTERS = (*STATUSES, OVERDUE)


def list_invoices(
    client_id: str, status: str | None, limit: int, cursor: str | None, today: date | None = None
) -> tuple[list, str | None]:
    if status is not None and status not in STATUS_FILTERS:
        raise BadRequest(f"status must be one of: {', '.join(STATUS_FILTERS)}.", code="invalid_status")
    if status in (None, OVERDUE):
        start = _decode_cursor(cursor, client_id, ("invoice_id", "issued_key"))
    # Newest issued first, on the by-issued index: it holds the client's invoices only, never their journals.
    if status == OVERDUE:
        # Filtered as is_overdue decides (PynamoDB reads on until the page is full, so a client with many paid
        # invoices costs more reads, never a Scan).
        due_before = (today or clock.today()).isoformat()
        results = Invoice.by_issued.query(
            client_id,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
            filter_condition=Invoice.status.is_in(OPEN, PARTIALLY_PAID) & (Invoice.due_date < due_before),
        )
    elif status is None:
        results = Invoice.by_issued.query(client_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    else:
        start = _decode_cursor(cursor, client_id, ("invoice_id", "status_key"), ("status_key", f"{status}#"))
        results = Invoice.by_status.query(
            client_id,
            Invoice.status_key.startswith(f"{status}#"),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
    items = list(results)
    return items, _encode_cursor(results.last_evaluated_key)


def get_invoice(client_id: str, invoice_id: str) -> tuple[Invoice, list[Payment], tuple[list[Entry], str | None]]:
    """The invoice, its newest payments and the first page of its activity: two requests, whatever its history
    (one Query reads the invoice and the start of its journal, whose items follow it in the partition)."""
    items, more = _journal_query(client_id, invoice_id, invoice_id, ACTIVITY_PAGE + 1)
    if not items or "kind" in items[0]:
        raise invoice_not_found()
    invoice = Invoice.from_raw_data(items[0])
    entries = [entry_of(JournalItem.from_raw_data(item)) for item in items[1:]]
    payments = resolve(
        client_id,
        Payment.by_invoice.query(
            client_id,
            Payment.invoice_key.startswith(f"{invoice_id}#"),
            scan_index_forward=False,
            limit=INVOICE_PAYMENTS,
        ),
    )
    return invoice, payments, (entries, _activity_cursor(entries) if more else None)


def invoice_activity(client_id: str, invoice_id: str, cursor: str | None) -> tuple[list[Entry], str | None]:
    """One page of an invoice's activity after `cursor` (a next cursor from its detail or a previous page): one
    Query of the client's own partition, so another client's invoice id finds nothing."""
    if not is_id(invoice_id):
        raise invoice_not_found()
    after = _decode_activity_cursor(cursor)
    items, more = _journal_query(client_id, invoice_id, journal_key(invoice_id, after + 1), ACTIVITY_PAGE)
    entries = [entry_of(JournalItem.from_raw_data(item)) for item in items if "kind" in item]
    return entries, _activity_cursor(entries) if more and entries else None


def _journal_query(client_id: str, invoice_id: str, first: str, limit: int) -> tuple[list[dict], bool]:
    page = connection().query(
        Invoice.Meta.table_name,
        client_id,
        range_key_condition=Invoice.invoice_id.between(first, f"{invoice_id}#~"),
        limit=limit,
    )
    return page.get("Items", []), bool(page.get("LastEvaluatedKey"))


def _activity_cursor(entries: list[Entry]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": entries[-1].seq}).encode()).decode().rstrip("=")


def _decode_activity_cursor(cursor: str | None) -> int:
    if cursor is None:
        return -1
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))).get("after")
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError, AttributeError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 10**9 - 1:
        raise BadRequest(
            "cursor is not valid: use the activity_next_cursor of the previous page.", code="invalid_cursor"
        )
    return after


def invoice_payments(client_id: str, invoice_id: str, *, consistent: bool = False) -> list[Payment]:
    """An invoice's payments, newest first (one Query on the by-invoice index; payments of several invoices read
    through their links: shared/aws/payment_links.py)."""
    return resolve(
        client_id,
        Payment.by_invoice.query(
            client_id,
            Payment.invoice_key.startswith(f"{invoice_id}#"),
            scan_index_forward=False,
            consistent_read=consistent,
        ),
    )


def list_payments(
    client_id: str, invoice_id: str | None, limit: int, cursor: str | None
) -> tuple[list[Payment], str | None]:
    if invoice_id is None:
        start = _decode_cursor(cursor, client_id, ("payment_id", "created_key"))
        results = Payment.by_created.query(client_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    else:
        if not is_id(invoice_id):
            raise BadRequest("invoice_id must be the id of one of your invoices.", code="invalid_invoice_id")
        start = _decode_cursor(cursor, client_id, ("payment_id", "invoice_key"), ("invoice_key", f"{invoice_id}#"))
        results = Payment.by_invoice.query(
            client_id,
            Payment.invoice_key.startswith(f"{invoice_id}#"),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
    items = resolve(client_id, results) if invoice_id is not None else list(results)
    return items, _encode_cursor(results.last_evaluated_key)


def get_payment(client_id: str, payment_id: str, *, consistent: bool = False) -> Payment:
    if is_link_id(payment_id):  # an invoice's link to a payment of several invoices is not a payment
        raise payment_not_found()
    try:
        return Payment.get(client_id, payment_id, consistent_read=consistent)
    except Payment.DoesNotExist:
        raise payment_not_found() from None

"""What the merchant's console reads besides each client's own lists: the clients, one invoice of any client, and
what needs a person.

What needs a person comes from records that say so, each read without scanning the big tables:
- payments: the sparse `needs-attention` index (an open dispute, money kept as the client's credit: shared/
  attention.py, kept by the books' unit of work), and the `unsettled` index for payments still pending or
  processing long after their processor should have answered (reconciliation could not settle them);
- extension requests waiting for an answer: a Scan of the sparse by-extension-request index (invoices that have
  one), filtered to pending;
- problem reports still open: a Scan of the problem reports table (it holds reports only), filtered to open.
The clients list is a paged Scan of the clients table, which holds one small item per client.
"""

import base64
import binascii
import json
from datetime import datetime, timedelta

from shared.aws.models import Client, Invoice, Payment, ProblemReport
from shared.domain import clock
from shared.domain.attention import REASONS
from shared.domain.payment_states import PENDING, PROCESSING
from shared.http.errors import BadRequest, NotFound
from shared.http.validation import is_id
from shared.services import queries

LIST_LIMIT = 100  # each list of what needs a person shows at most this many (the oldest first)
STUCK_AFTER = {PENDING: timedelta(days=1), PROCESSING: timedelta(days=10)}  # ACH settles in 3-5 business days


def list_clients(limit: int, cursor: str | None) -> tuple[list[Client], str | None]:
    start = None
    if cursor is not None:
        try:
            client_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))).get("after")
        except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError, AttributeError):
            client_id = None
        if not is_id(client_id):
            raise BadRequest("cursor is not valid: use the next_cursor of the previous page.", code="invalid_cursor")
        start = {"client_id": {"S": client_id}}
    results = Client.scan(limit=limit, last_evaluated_key=start)
    clients = list(results)
    last = results.last_evaluated_key
    after = (
        base64.urlsafe_b64encode(json.dumps({"after": last["client_id"]["S"]}).encode()).decode().rstrip("=")
        if last
        else None
    )
    return sorted(clients, key=lambda c: (c.name.lower(), c.client_id)), after


def get_client(client_id: str) -> Client:
    try:
        return Client.get(client_id, consistent_read=True)
    except Client.DoesNotExist:
        raise NotFound("There is no client with this id.", code="client_not_found") from None


def get_invoice(client_id: str, invoice_id: str):
    """Any client's invoice, as the client reads it (its payments and the start of its activity)."""
    return queries.get_invoice(client_id, invoice_id)


def needing_attention(now: datetime) -> dict:
    flagged = [(reason, p) for reason in REASONS for p in Payment.needs_attention.query(reason, limit=LIST_LIMIT)]
    oldest = clock.iso(now - min(STUCK_AFTER.values()))
    stuck = [
        ("stuck", p)
        for p in Payment.unsettled_index.query("unsettled", Payment.created_key < oldest, limit=LIST_LIMIT * 2)
        if p.status in STUCK_AFTER and clock.iso(now - STUCK_AFTER[p.status]) > p.created_key
    ]
    requests = [
        i
        for i in Invoice.by_extension_request.scan(
            filter_condition=Invoice.extension_request.status == "pending",  # type: ignore[arg-type]  # a Condition
            limit=LIST_LIMIT * 5,
        )
    ][:LIST_LIMIT]
    reports = list(ProblemReport.scan(filter_condition=ProblemReport.status == "open", limit=LIST_LIMIT * 5))
    reports = sorted(reports, key=lambda r: r.created_at)[:LIST_LIMIT]
    ids = {p.client_id for _, p in flagged + stuck} | {i.client_id for i in requests} | {r.client_id for r in reports}
    clients = {c.client_id: c for c in Client.batch_get(list(ids))} if ids else {}
    return {
        "payments": flagged + stuck[:LIST_LIMIT],
        "extension_requests": requests,
        "problem_reports": reports,
        "clients": clients,
    }

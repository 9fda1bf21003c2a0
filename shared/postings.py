"""Ledger entries onto a stored invoice: the update actions that post them, and the line logged per change.

Every writer of invoice money builds its entries and adds `posting_actions(...)` to the transaction it already
writes: the counters, the status (with its index keys) and the appended entries go in the one update of the
invoice, conditional on the invoice version read, so no posting adds a request or an item.
"""

from aws_lambda_powertools import Logger

from shared.invoices import VOID
from shared.ledger import COUNTERS, Books, Entry, Posting, post
from shared.models import Client, Invoice, LedgerEntry
from shared.store import status_actions

# A child of the handlers' Powertools Logger: its lines carry the request's correlation id.
log = Logger(child=True)


def books_of(invoice: Invoice) -> Books:
    return Books(**{name: int(getattr(invoice, name) or 0) for name in COUNTERS})


def entries_of(invoice: Invoice) -> list[Entry]:
    return [Entry(e.kind, int(e.amount), e.key, e.at, e.payment_id, e.refund_id) for e in invoice.entries or []]


def posting_actions(invoice: Invoice, entries: list[Entry], *, void: bool | None = None) -> tuple[list, Posting]:
    """Raises ledger.LedgerRefused (nothing to write) if the entries would break an invariant."""
    before = books_of(invoice)
    posting = post(before, entries, void=invoice.status == VOID if void is None else void,
                   posted={(e.key, e.kind) for e in invoice.entries or []})
    actions = [getattr(Invoice, name).set(getattr(posting.books, name)) for name in COUNTERS
               if getattr(posting.books, name) != getattr(before, name)]
    actions += status_actions(posting.status, invoice)  # recomputed on every write, never patched
    if entries:
        actions.append(Invoice.entries.set((Invoice.entries | []).append([stored_entry(e) for e in entries])))
    return actions, posting


def move_credit(tx, client_id: str, delta: int) -> None:
    """Add the client's side of credit entries to a transaction: an atomic ADD, never taken below zero."""
    if delta:
        tx.update(Client(client_id), actions=[Client.credit_balance.add(delta)],
                  condition=Client.credit_balance >= -delta if delta < 0 else Client.client_id.exists())


def stored_entry(e: Entry) -> LedgerEntry:
    return LedgerEntry(kind=e.kind, amount=e.amount, key=e.key, at=e.at, payment_id=e.payment_id,
                       refund_id=e.refund_id)


def log_posted(entries: list[Entry], client_id: str, invoice_id: str, **processor_ids) -> None:
    """One structured line per money change (ids only: never a card or account number, secret or token)."""
    for e in entries:
        log.info("money moved", extra={"kind": e.kind, "amount": e.amount, "client_id": client_id,
                                       "invoice_id": invoice_id, "payment_id": e.payment_id,
                                       "refund_id": e.refund_id, "event_key": e.key,
                                       **{k: v for k, v in processor_ids.items() if v}})

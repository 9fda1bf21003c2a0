"""An invoice's money as a ledger: immutable entries, and the one function that posts them. Pure: no storage.

Every change to an invoice's money is an entry (kind, signed amount in cents, the event key it came from,
the payment / refund it is about). The counters stored on the invoice (total, fees, amount_paid,
amount_pending, amount_credited) are a projection of its entries: `post` is the only way they change, and
it refuses any posting that would break an invariant, so a wrong computation anywhere upstream becomes a
loud refusal instead of a silently wrong balance.
"""

from dataclasses import dataclass

from shared.invoices import InvoiceMoney, derive_status

TOTAL, FEES, PAID, PENDING, CREDIT = "total", "fees", "amount_paid", "amount_pending", "amount_credited"
COUNTERS = (TOTAL, FEES, PAID, PENDING, CREDIT)

# kind -> (the counter it moves, +1 adds / -1 takes off)
KINDS: dict[str, tuple[str, int]] = {
    "invoiced": (TOTAL, +1),  # the amounts of invoiced, late_fee and correction add up to total + fees
    "late_fee": (FEES, +1),
    "correction": (TOTAL, -1),
    "transfer_started": (PENDING, +1),  # started + finished: amount_pending
    "transfer_finished": (PENDING, -1),
    "payment_received": (PAID, +1),  # received, returned, chargeback*, refunded: amount_paid
    "kept_as_credit": (CREDIT, +1),  # *credit*, refund_returned: amount_credited
    "payment_returned": (PAID, -1),
    "credit_returned": (CREDIT, -1),
    "chargeback": (PAID, -1),
    "chargeback_from_credit": (CREDIT, -1),
    "chargeback_reversed": (PAID, +1),
    "chargeback_reversed_to_credit": (CREDIT, +1),
    "refunded": (PAID, -1),
    "refunded_from_credit": (CREDIT, -1),
    "refund_returned": (CREDIT, +1),
}
# Each kind in the words a client reads (the OpenAPI document and the README say the same).
DESCRIPTIONS = {
    "invoiced": "The invoice was issued for this amount.",
    "late_fee": "A late fee was added.",
    "correction": "The merchant corrected an overcharge: the invoice total went down.",
    "transfer_started": "A bank transfer started: counted as pending while the bank moves it.",
    "transfer_finished": "A bank transfer settled or failed: no longer pending.",
    "payment_received": "A payment reached the merchant and counts toward the invoice.",
    "kept_as_credit": "Money beyond what was owed, kept as credit on the client's account.",
    "payment_returned": "The bank returned a payment: it no longer counts.",
    "credit_returned": "The bank returned a payment that had been kept as credit.",
    "chargeback": "The card's bank took the payment back (a dispute).",
    "chargeback_from_credit": "The card's bank took back a payment that had been kept as credit (a dispute).",
    "chargeback_reversed": "The dispute was won: the money counts again.",
    "chargeback_reversed_to_credit": "The dispute was won: the money beyond what is owed is credit again.",
    "refunded": "Money sent back to the client: it no longer counts toward the invoice.",
    "refunded_from_credit": "Money sent back out of the credit the payment had left.",
    "refund_returned": "A refund did not reach the client: the merchant owes it again, as credit.",
}


class LedgerRefused(Exception):
    """A posting that would break an invariant: nothing is written, a person must look (anomaly alarm)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    kind: str
    amount: int  # cents, signed: the change to the kind's counter
    key: str  # the event it came from (processor event, request, job run): an entry posts once
    at: str  # ISO-8601 UTC
    payment_id: str | None = None
    refund_id: str | None = None


@dataclass(frozen=True)
class Books:
    """The counters an invoice stores, all in cents."""

    total: int = 0
    fees: int = 0
    amount_paid: int = 0
    amount_pending: int = 0
    amount_credited: int = 0  # part of this invoice's payments kept as the client's credit

    @property
    def money(self) -> InvoiceMoney:
        return InvoiceMoney(self.total, self.fees, self.amount_paid, self.amount_pending)


@dataclass(frozen=True)
class Posting:
    books: Books
    status: str


def entry(kind: str, magnitude: int, key: str, at: str, **ids) -> Entry:
    """An entry of `kind` moving `magnitude` (>= 0) cents in the kind's direction."""
    return Entry(kind, KINDS[kind][1] * magnitude, key, at, **ids)


def post(books: Books, entries: list[Entry], *, void: bool = False, posted: set[tuple[str, str]] = frozenset()
         ) -> Posting:
    """The books after `entries`, and the invoice status that follows; raises LedgerRefused instead of breaking
    an invariant. `posted` holds the (key, kind) of the entries already on the invoice: none posts twice."""
    counters = {name: getattr(books, name) for name in COUNTERS}
    seen = set(posted)
    for e in entries:
        if e.kind not in KINDS:
            raise LedgerRefused(f"unknown_kind:{e.kind}")
        counter, sign = KINDS[e.kind]
        if not isinstance(e.amount, int) or isinstance(e.amount, bool) or e.amount * sign <= 0:
            raise LedgerRefused(f"bad_amount:{e.kind}")
        if (e.key, e.kind) in seen:
            raise LedgerRefused(f"posted_twice:{e.kind}")
        seen.add((e.key, e.kind))
        counters[counter] += e.amount
    after = Books(**counters)
    check(after)
    return Posting(after, derive_status(after.money, void=void))


def check(books: Books) -> None:
    """The invariants every stored invoice keeps."""
    for name in COUNTERS:
        if getattr(books, name) < 0:
            raise LedgerRefused(f"negative_{name}")
    if books.amount_paid > books.total + books.fees:
        raise LedgerRefused("paid_above_owed")


def fold(entries: list[Entry]) -> Books:
    """The books the entries add up to (reconciliation compares them with the stored counters)."""
    counters = dict.fromkeys(COUNTERS, 0)
    for e in entries:
        counters[KINDS[e.kind][0]] += e.amount
    return Books(**counters)


def opening(total: int, key: str, at: str) -> list[Entry]:
    return [entry("invoiced", total, key, at)] if total else []

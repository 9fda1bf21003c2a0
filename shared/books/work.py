"""The unit of work for money: load a context, decide a change (pure), settle it into one write, commit it.

Every money-moving use case is a `decide(context) -> Change` function run by `run`. The decision says what
happened (journal entries) and what else changes on the records it read (a payment's status, a refund's, an
invoice's late-fee period); `settle` posts the entries onto the balances of every account they touch (the only
place a balance or an invoice status is computed), numbers the new journal items, and turns it all into one
`Write`: updates conditional on each record's version, new records conditional on being new, a version check
on every record read and left unchanged, the client's credit as an atomic ADD that may not go below zero, the
event record. A repository commits a Write in one DynamoDB transaction (or, in the fast tests, in memory);
when any condition fails it raises LostRace and `run` decides again on fresh data (retries.until_won), so a
decision is always made on the state its write lands on.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice, JournalItem, Payment, Refund
from shared.aws.retries import until_won
from shared.aws.store import status_fields
from shared.books.ledger import Books, Entry, InvoiceBalances, LedgerRefused, PaymentBalances
from shared.domain.attention import attention_of
from shared.domain.invoices import VOID, derive_status
from shared.domain.payment_plans import open_due_date
from shared.emails.jobs import Enqueue

log = Logger(child=True)
SEQ_DIGITS = 9


@dataclass(frozen=True)
class Keys:
    """What a decision reads, in one request."""

    client_id: str
    payment_id: str | None = None
    invoice_ids: tuple[str, ...] = ()
    refund_id: str | None = None
    event_key: str | None = None
    extra: tuple[tuple[Any, ...], ...] = ()  # other records: (Model, hash key[, range key])


@dataclass
class Context:
    keys: Keys
    client: Client | None
    payment: Payment | None
    invoices: dict[str, Invoice]  # those found
    refund: Refund | None
    seen: bool  # the event was recorded already
    extra: list[Any]  # the `extra` records, None where missing

    def invoice(self, invoice_id: str | None = None) -> Invoice | None:
        key = invoice_id or next(iter(self.keys.invoice_ids), None)
        return self.invoices.get(key) if key else None

    @property
    def books(self) -> Books:
        payments = {self.payment.payment_id: PaymentBalances(self.payment.balance_map())} if self.payment else {}
        return Books(
            {i.invoice_id: balances_of(i) for i in self.invoices.values()},
            int(self.client.credit_balance) if self.client else 0,
            payments,
        )


def balances_of(invoice: Invoice) -> InvoiceBalances:
    return InvoiceBalances(
        int(invoice.total),
        int(invoice.fees),
        int(invoice.amount_paid),
        int(invoice.amount_pending),
        int(invoice.card_fees),
    )


@dataclass
class Change:
    """What a decision does. Field dicts name model attributes; a value of None removes the attribute."""

    result: Any = None  # what the use case answers
    entries: list[Entry] = field(default_factory=list)
    payment: dict[str, Any] = field(default_factory=dict)  # the context's payment
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)  # the context's invoices (or created ones)
    refund: dict[str, Any] = field(default_factory=dict)  # the context's refund
    refund_was: str | None = None  # ... written only if its status is still this
    updates: list[tuple[Any, dict[str, Any]]] = field(
        default_factory=list
    )  # other records read (e.g. a replaced payment)
    creates: list[Any] = field(default_factory=list)  # new records, each conditional on being new
    void: tuple[str, ...] = ()  # invoices this change voids
    event_type: str | None = None  # record the context's event key (with this type) in the same write
    jobs: list[dict[str, Any]] = field(default_factory=list)  # queued once the write is committed
    refused: Callable[[str], Any] | None = None  # the result when the ledger refuses the entries (None: raise)


@dataclass
class Update:
    record: Any  # as read: its version is the condition
    fields: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)  # attribute -> value it must still have


@dataclass
class Write:
    client_id: str  # whose credit credit_delta moves
    credit_delta: int
    updates: list[Update] = field(default_factory=list)
    creates: list[Any] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)  # records read and left unchanged: still at the version read
    entries: list[JournalItem] = field(default_factory=list)  # the new journal entries, as stored
    event: tuple[str, str] | None = None  # (key, type)

    @property
    def empty(self) -> bool:
        return not (self.updates or self.creates or self.credit_delta or self.entries or self.event)


class Repository(Protocol):
    """Where records live: DynamoDB (shared/books/dynamo.py) or memory (shared/books/memory.py)."""

    def load(self, keys: Keys) -> Context: ...

    def commit(self, write: Write) -> None:
        """All of it or nothing; LostRace when a condition fails."""

    def payment_by_id(self, payment_id: str) -> Payment | None: ...

    def payment_by_processor_id(self, processor_payment_id: str) -> Payment | None: ...

    def refund_by_processor_id(self, processor_refund_id: str) -> Refund | None: ...

    def invoice_payments(self, client_id: str, invoice_id: str) -> list[Payment]: ...

    def journal(self, client_id: str, invoice_id: str) -> list[Entry]: ...

    def client_journal(self, client_id: str) -> list[Entry]: ...


def settle(ctx: Context, change: Change) -> Write:
    """The one write a change makes. Raises LedgerRefused (nothing to write) if its entries break the books."""
    created_invoices = {r.invoice_id: r for r in change.creates if isinstance(r, Invoice)}
    created_payments = {r.payment_id: r for r in change.creates if isinstance(r, Payment)}
    invoices = {**ctx.invoices, **created_invoices}
    before = ctx.books
    before = Books(
        {**before.invoices, **{i: InvoiceBalances() for i in created_invoices}},
        before.credit,
        {**before.payments, **{p: PaymentBalances() for p in created_payments}},
    )
    after = before.post(change.entries)
    write = Write(client_id=ctx.keys.client_id, credit_delta=after.credit - before.credit)

    for invoice_id, invoice in invoices.items():
        fields = dict(change.invoices.get(invoice_id, {}))
        mine = [e for e in change.entries if e.invoice_id == invoice_id]
        balances = after.invoices[invoice_id]
        if mine:
            first = int(invoice.entry_count or 0)
            fields.update(
                total=balances.total,
                fees=balances.fees,
                amount_paid=balances.amount_paid,
                amount_pending=balances.amount_pending,
                card_fees=balances.card_fees,
                entry_count=first + len(mine),
            )
            write.entries += [journal_item(invoice.client_id, e, first + n) for n, e in enumerate(mine)]
        if fields or invoice_id in change.void or invoice_id in created_invoices:
            void = invoice.status == VOID or invoice_id in change.void
            fields.update(
                status_fields(
                    derive_status(balances.money, void=void), invoice, _index_due_date(invoice, fields, balances)
                )
            )
        if invoice_id in created_invoices:
            _assign(invoice, fields)
        elif fields:
            write.updates.append(Update(invoice, fields))
        else:
            write.checks.append(invoice)

    for payment_id, held in after.payments.items():
        if before.payments.get(payment_id, PaymentBalances()) == held:
            continue
        if payment_id in created_payments:
            created_payments[payment_id].balances = dict(held.accounts)
        elif ctx.payment is not None and payment_id == ctx.payment.payment_id:
            change.payment["balances"] = dict(held.accounts)
        else:
            raise LedgerRefused("entry_for_a_payment_not_read")
    for payment in created_payments.values():
        payment.attention = attention_of(payment.dispute, payment.balance_map())
    if ctx.payment is not None:
        if change.payment:
            _keep_attention(ctx.payment, change.payment)
            write.updates.append(Update(ctx.payment, change.payment))
        else:
            write.checks.append(ctx.payment)
    if ctx.refund is not None and change.refund:
        write.updates.append(
            Update(ctx.refund, change.refund, {"status": change.refund_was} if change.refund_was else {})
        )
    write.updates += [Update(record, fields) for record, fields in change.updates]
    write.creates = list(change.creates)
    if change.event_type and ctx.keys.event_key:
        write.event = (ctx.keys.event_key, change.event_type)
    return write


def _keep_attention(payment: Payment, fields: dict[str, Any]) -> None:
    """The payment's place in the needs-attention index follows what the change makes of it (shared/domain/attention.py)."""
    balances = fields["balances"] if "balances" in fields else payment.balance_map()
    reason = attention_of(fields.get("dispute", payment.dispute), balances)
    if reason != payment.attention:
        fields["attention"] = reason


def _index_due_date(invoice: Invoice, fields: dict[str, Any], balances: InvoiceBalances) -> str:
    """The date the due-date job files an owed invoice under: its due date, or its payment plan's next
    installment still owed (shared/domain/payment_plans.py)."""
    plan = fields.get("payment_plan", invoice.payment_plan)
    if plan is not None:
        return open_due_date(plan, balances.money)
    due_date: str = fields.get("due_date", invoice.due_date)
    return due_date


def _assign(record: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(record, name, value)


def journal_key(invoice_id: str, seq: int) -> str:
    return f"{invoice_id}#{seq:0{SEQ_DIGITS}d}"


def journal_item(client_id: str, e: Entry, seq: int) -> JournalItem:
    return JournalItem(
        client_id,
        journal_key(e.invoice_id, seq),
        kind=e.kind,
        amount=e.amount,
        key=e.key,
        at=e.at,
        payment_id=e.payment_id,
        refund_id=e.refund_id,
    )


def entry_of(item: JournalItem) -> Entry:
    invoice_id, _, seq = item.entry_key.rpartition("#")
    return Entry(item.kind, int(item.amount), item.key, item.at, invoice_id, item.payment_id, item.refund_id, int(seq))


def run(
    repo: Repository, keys: Keys, decide: Callable[[Context], Change], *, enqueue: Enqueue | None = None, **retry: Any
) -> Any:
    """Decide on fresh data and commit, again after every lost race (`retry`: until_won's options)."""

    def attempt() -> Any:
        ctx = repo.load(keys)
        change = decide(ctx)
        try:
            write = settle(ctx, change)
        except LedgerRefused as exc:
            if change.refused is None:
                raise
            log.error(
                "posting refused: the books would break",
                extra={"reason": exc.reason, "event": keys.event_key, "client_id": keys.client_id},
            )
            change = Change(result=change.refused(exc.reason), event_type=change.event_type)
            write = settle(ctx, change)
        if not write.empty:
            repo.commit(write)
        log_posted(change.entries, keys.client_id)
        for job in change.jobs:
            assert enqueue is not None, "a change with jobs is run with enqueue"
            enqueue(job)
        return change.result

    return until_won(attempt, **retry)


def log_posted(entries: Iterable[Entry], client_id: str) -> None:
    """One structured line per money change (ids only: never a card or account number, secret or token)."""
    for e in entries:
        log.info(
            "money moved",
            extra={
                "kind": e.kind,
                "amount": e.amount,
                "client_id": client_id,
                "invoice_id": e.invoice_id,
                "payment_id": e.payment_id,
                "refund_id": e.refund_id,
                "event_key": e.key,
            },
        )

"""The books' repository in memory: the same contract as DynamoDB's (every condition of a Write checked, all of
it or nothing, LostRace on a failed condition), for running the money rules without any emulator. A record is
stored as a copy and every read answers a copy, so nothing a caller holds can change what is stored."""

import copy
from typing import Any

from shared.aws.event_records import record_of
from shared.aws.models import Client, Invoice, JournalItem, Payment, ProcessedEvent, Refund
from shared.aws.retries import LostRace
from shared.books.ledger import Entry
from shared.books.work import Context, Keys, Write, entry_of


def _key(record) -> tuple:
    model = type(record)
    return (
        model.Meta.table_name,
        getattr(record, model._hash_keyname),
        getattr(record, model._range_keyname) if model._range_keyname else None,
    )


class MemoryRepository:
    def __init__(self):
        self.items: dict[tuple[Any, ...], tuple[type, Any]] = {}  # key -> (model, a copy of the record)
        self.commits = 0
        # Run once right after the next load returns, before its decision is written: another request that
        # completes in between (tests/model provokes every race this way, deterministically).
        self.after_next_load = None

    # ---- records -------------------------------------------------------------------------------------------

    def put(self, *records) -> None:
        """Store copies of records as they are (test set-up)."""
        for record in records:
            self.items[_key(record)] = (type(record), _copy(record))

    def get(self, model, hash_key, range_key=None):
        found = self.items.get((model.Meta.table_name, hash_key, range_key))
        return _copy(found[1]) if found and found[0] is model else None

    def all(self, model) -> list:
        return [_copy(record) for m, record in self.items.values() if m is model]

    def _first(self, model, **attributes):
        """The first stored record of `model` with these attribute values (as an index would find it)."""
        return next(
            (
                _copy(record)
                for m, record in self.items.values()
                if m is model and all(getattr(record, k) == v for k, v in attributes.items())
            ),
            None,
        )

    def clone(self) -> "MemoryRepository":
        """Another repository holding the same records (stored records are never changed in place: cheap)."""
        other = MemoryRepository()
        other.items = dict(self.items)
        return other

    # ---- the repository ------------------------------------------------------------------------------------

    def load(self, keys: Keys) -> Context:
        client = self.get(Client, keys.client_id)
        payment = self.get(Payment, keys.client_id, keys.payment_id) if keys.payment_id else None
        invoices = {i: record for i in keys.invoice_ids if (record := self.get(Invoice, keys.client_id, i))}
        refund = self.get(Refund, keys.client_id, keys.refund_id) if keys.refund_id else None
        seen = keys.event_key is not None and self.get(ProcessedEvent, keys.event_key) is not None
        context = Context(keys, client, payment, invoices, refund, seen, [self.get(*k) for k in keys.extra])
        competitor, self.after_next_load = self.after_next_load, None
        if competitor is not None:
            competitor()
        return context

    def commit(self, write: Write) -> None:
        for update in write.updates:
            stored = self.get(type(update.record), *_key(update.record)[1:])
            if (
                stored is None
                or _version(stored) != _version(update.record)
                or any(getattr(stored, name) != value for name, value in update.expect.items())
            ):
                raise LostRace
        for record in [*write.creates, *write.entries]:
            if _key(record) in self.items:
                raise LostRace
        for record in write.checks:
            stored = self.get(type(record), *_key(record)[1:])
            if stored is None or _version(stored) != _version(record):
                raise LostRace
        client = self.get(Client, write.client_id) if write.credit_delta else None
        if write.credit_delta and (client is None or int(client.credit_balance or 0) + write.credit_delta < 0):
            raise LostRace
        if write.event and self.get(ProcessedEvent, write.event[0]) is not None:
            raise LostRace
        # Every condition holds: apply all of it.
        for update in write.updates:
            stored = self.get(type(update.record), *_key(update.record)[1:])
            for name, value in update.fields.items():
                setattr(stored, name, value)
            if _version(stored) is not None:
                stored.version = _version(stored) + 1
            self.put(stored)
        for record in write.creates:
            if getattr(type(record), "_version_attribute_name", None):
                record.version = 1
            self.put(record)
        self.put(*write.entries)
        if client is not None:
            client.credit_balance = int(client.credit_balance or 0) + write.credit_delta
            self.put(client)
        if write.event:
            self.put(record_of(*write.event))
        self.commits += 1

    def payment_by_id(self, payment_id: str) -> Payment | None:
        return self._first(Payment, payment_id=payment_id)

    def payment_by_processor_id(self, processor_payment_id: str) -> Payment | None:
        return self._first(Payment, processor_payment_id=processor_payment_id)

    def refund_by_processor_id(self, processor_refund_id: str) -> Refund | None:
        return self._first(Refund, processor_refund_id=processor_refund_id)

    def invoice_payments(self, client_id: str, invoice_id: str) -> list[Payment]:
        found = [
            _copy(p)
            for m, p in self.items.values()
            if m is Payment and p.client_id == client_id and invoice_id in p.invoice_ids
        ]
        return sorted(found, key=lambda p: p.created_key or "")

    def client_journal(self, client_id: str) -> list[Entry]:
        items = [e for e in self.all(JournalItem) if e.client_id == client_id]
        return [entry_of(e) for e in sorted(items, key=lambda e: e.entry_key)]

    def journal(self, client_id: str, invoice_id: str) -> list[Entry]:
        items = [
            e for e in self.all(JournalItem) if e.client_id == client_id and e.entry_key.rsplit("#", 1)[0] == invoice_id
        ]
        return [entry_of(e) for e in sorted(items, key=lambda e: e.entry_key)]


def _copy(record):
    """A record of its own: its attribute values copied (the values themselves are replaced, never changed in
    place, by every writer: a list or map is set anew)."""
    clone = copy.copy(record)
    clone.attribute_values = {name: copy.copy(value) for name, value in record.attribute_values.items()}
    return clone


def _version(record):
    name = getattr(type(record), "_version_attribute_name", None)
    return getattr(record, name) if name else None

"""The books' repository on DynamoDB: one TransactGetItems to load a context, one TransactWriteItems to commit a
change, PynamoDB models throughout."""

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import TransactWriteError

from shared.aws.event_records import save_new
from shared.aws.models import Client, Invoice, JournalItem, Payment, ProcessedEvent, Refund
from shared.aws.payment_links import is_link_id, resolve
from shared.aws.retries import LostRace
from shared.aws.store import get_many, lost_race, write_transaction
from shared.books.ledger import Entry
from shared.books.work import Context, Keys, Write, entry_of, journal_key


class DynamoRepository:
    def load(self, keys: Keys) -> Context:
        wanted: list[tuple] = [(Client, keys.client_id)]
        if keys.payment_id:
            wanted.append((Payment, keys.client_id, keys.payment_id))
        wanted += [(Invoice, keys.client_id, i) for i in keys.invoice_ids]
        if keys.refund_id:
            wanted.append((Refund, keys.client_id, keys.refund_id))
        if keys.event_key:
            wanted.append((ProcessedEvent, keys.event_key))
        wanted += list(keys.extra)
        found = iter(get_many(*wanted))
        client = next(found)
        payment = next(found) if keys.payment_id else None
        invoices = {i: record for i in keys.invoice_ids if (record := next(found)) is not None}
        refund = next(found) if keys.refund_id else None
        seen = next(found) is not None if keys.event_key else False
        return Context(keys, client, payment, invoices, refund, seen, list(found))

    def commit(self, write: Write) -> None:
        try:
            with write_transaction() as tx:
                for update in write.updates:
                    model = type(update.record)
                    actions = [
                        getattr(model, name).remove() if value is None else getattr(model, name).set(_stored(value))
                        for name, value in update.fields.items()
                    ]
                    condition = None
                    for name, value in update.expect.items():
                        clause = getattr(model, name) == value
                        condition = clause if condition is None else condition & clause
                    if condition is None and getattr(model, "_version_attribute_name", None) is None:
                        condition = _exists(model)  # an update never creates what was not read
                    tx.update(update.record, actions=actions, condition=condition)  # + its version, if it has one
                for record in write.creates:
                    tx.save(record, condition=_exists(type(record), False))
                for record in write.checks:
                    model = type(record)
                    version = getattr(model, model._version_attribute_name)
                    keys = [getattr(record, model._hash_keyname)]
                    if model._range_keyname:
                        keys.append(getattr(record, model._range_keyname))
                    tx.condition_check(model, *keys, condition=version == getattr(record, version.attr_name))  # type: ignore[misc]  # keys: hash[, range]
                if write.credit_delta:
                    delta = write.credit_delta
                    tx.update(
                        Client(write.client_id),
                        actions=[Client.credit_balance.add(delta)],
                        condition=Client.credit_balance >= -delta if delta < 0 else Client.client_id.exists(),
                    )
                for item in write.entries:
                    tx.save(item, condition=JournalItem.entry_key.does_not_exist())
                if write.event:
                    save_new(tx, *write.event)
        except TransactWriteError as exc:
            if lost_race(exc):
                raise LostRace from None
            raise

    def payment_by_id(self, payment_id: str) -> Payment | None:
        if is_link_id(payment_id):  # a payment's link (shared/aws/payment_links.py) is not a payment
            return None
        found = next(iter(Payment.by_payment_id.query(payment_id, limit=1)), None)
        return Payment.get(found.client_id, payment_id, consistent_read=True) if found else None

    def payment_by_processor_id(self, processor_payment_id: str) -> Payment | None:
        return next(iter(Payment.by_processor_id.query(processor_payment_id, limit=1)), None)

    def refund_by_processor_id(self, processor_refund_id: str) -> Refund | None:
        return next(iter(Refund.by_processor_id.query(processor_refund_id, limit=1)), None)

    def invoice_payments(self, client_id: str, invoice_id: str) -> list[Payment]:
        return resolve(
            client_id,
            Payment.by_invoice.query(client_id, Payment.invoice_key.startswith(f"{invoice_id}#"), consistent_read=True),
        )

    def client_journal(self, client_id: str) -> list[Entry]:
        """Every journal entry of the client's invoices (their items share the client's partition)."""
        return [entry_of(JournalItem.from_raw_data(item)) for item in _partition(client_id) if "kind" in item]

    def journal(self, client_id: str, invoice_id: str) -> list[Entry]:
        return [
            entry_of(item)
            for item in JournalItem.query(
                client_id,
                JournalItem.entry_key.between(journal_key(invoice_id, 0), f"{invoice_id}#~"),
                consistent_read=True,
            )
        ]


def _stored(value):
    """Plain dicts (a payment's balances) become the raw map PynamoDB writes."""
    return MapAttribute(**value) if isinstance(value, dict) else value


def _exists(model, exists: bool = True):
    attribute = getattr(model, model._hash_keyname)
    return attribute.exists() if exists else attribute.does_not_exist()


def _partition(client_id: str):
    """The raw items of the client's partition of the invoices table (invoices and their journal entries)."""
    from shared.aws.dynamodb import connection

    start = None
    while True:
        page = connection().query(Invoice.Meta.table_name, client_id, consistent_read=True, exclusive_start_key=start)
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return

"""Small helpers over PynamoDB shared by the services: one connection, single-request multi-table reads."""

from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

from shared.aws.dynamodb import connection
from shared.aws.models import Invoice
from shared.domain.invoices import InvoiceMoney


def get_many(*keys: tuple) -> list[Any]:  # each model or None: the caller knows which
    """Read items from several tables in one TransactGetItems request: [(Model, hash[, range]), ...]."""
    with TransactGet(connection=connection()) as tx:
        futures = [tx.get(model, *key) for model, *key in keys]
    results = []
    for future in futures:
        try:
            results.append(future.get())
        except Model.DoesNotExist:
            results.append(None)
    return results


def write_transaction() -> TransactWrite:
    return TransactWrite(connection=connection())


def lost_race(error: TransactWriteError) -> bool:
    """True when a transaction was cancelled only by failed conditions (another writer got there first)."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return bool(reasons) and all(
        r is None or r.code in ("None", "ConditionalCheckFailed", "TransactionConflict") for r in reasons
    )


def money_of(invoice: Invoice) -> InvoiceMoney:
    return InvoiceMoney(
        total=invoice.total, fees=invoice.fees, amount_paid=invoice.amount_paid, amount_pending=invoice.amount_pending
    )


def status_key(status: str, invoice: Invoice) -> str:
    return f"{status}#{invoice.issued_date}#{invoice.invoice_id}"


OWED_STATUSES = ("open", "partially_paid", "processing")


def status_fields(status: str, invoice: Invoice, due_date: str | None = None) -> dict:
    """Every write of an invoice's status keeps its two index keys true (None: the attribute is removed)."""
    due = due_date or invoice.due_date
    return {
        "status": status,
        "status_key": status_key(status, invoice),
        "open_due_date": due if status in OWED_STATUSES else None,
    }


def status_actions(status: str, invoice: Invoice, due_date: str | None = None) -> list:
    return [
        getattr(Invoice, name).set(value) if value is not None else getattr(Invoice, name).remove()
        for name, value in status_fields(status, invoice, due_date).items()
    ]

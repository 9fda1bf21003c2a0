"""Writing clients and invoices directly (tests, the local stack's demo data). Invoices get their status
and index key from the same domain rules the services use."""

from datetime import timedelta

from shared.aws.models import Client, Invoice, LateFeePolicy, LineItem
from shared.aws.store import status_fields
from shared.books.ledger import entry
from shared.books.work import journal_item
from shared.domain import clock
from shared.domain.invoices import InvoiceMoney, derive_status


def days_from_today(days: int) -> str:
    """An ISO date relative to today (negative: in the past): seeded due dates stay as meant whatever day it runs."""
    return (clock.today() + timedelta(days=days)).isoformat()


def put_client(client_id: str, *, name: str, billing_email: str) -> Client:
    client = Client(client_id, name=name, billing_email=billing_email)
    client.save()
    return client


def put_invoice(
    client_id: str,
    invoice_id: str,
    *,
    number: str,
    total: int,
    due_date: str,
    issued_date: str = "2026-11-01",
    amount_paid: int = 0,
    fees: int = 0,
    allow_partial: bool = False,
    minimum_payment: int = 0,
    void: bool = False,
    currency: str = "usd",
    line_items: list[tuple[str, int, int]] | None = None,
    late_fee: dict | None = None,
    paid_at: str | None = None,
) -> Invoice:
    """line_items: (description, quantity, unit_amount); by default one line for the whole total. paid_at: when
    amount_paid was received (the time of the payment record that goes with it), for its activity entry."""
    items = line_items or [("Professional services", 1, total)]
    if sum(q * u for _, q, u in items) != total:
        raise ValueError("line items must add up to the total")
    status = derive_status(InvoiceMoney(total, fees, amount_paid, 0), void=void)
    invoice = Invoice(
        client_id,
        invoice_id,
        number=number,
        currency=currency,
        total=total,
        fees=fees,
        amount_paid=amount_paid,
        amount_pending=0,
        issued_date=issued_date,
        issued_key=f"{issued_date}#{invoice_id}",
        due_date=due_date,
        allow_partial=allow_partial,
        minimum_payment=minimum_payment,
        line_items=[LineItem(description=d, quantity=q, unit_amount=u, amount=q * u) for d, q, u in items],
    )
    for name, value in status_fields(status, invoice, due_date).items():
        setattr(invoice, name, value)
    if late_fee is not None:  # {"kind", "amount", "basis_points", "grace_days"}
        invoice.late_fee_policy = LateFeePolicy(**late_fee)
    # The opening journal entries the balances are a projection of (see shared/books/ledger.py).
    key, at = f"seed:{invoice_id}", "2026-11-01T00:00:00Z"
    opening = [
        entry(kind, amount, key, when, invoice_id)
        for kind, amount, when in (
            ("invoiced", total, at),
            ("late_fee", fees, at),
            ("payment_received", amount_paid, paid_at or at),
        )
        if amount
    ]
    invoice.entry_count = len(opening)
    invoice.save()
    for seq, e in enumerate(opening):
        journal_item(client_id, e, seq).save()
    return invoice

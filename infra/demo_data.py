"""Demo data for the local stack: two clients, each with one invoice per case the portal must show
(full-only, partial-allowed with a minimum, overdue, partially paid, paid), and a login per client.

Dates are relative to today in the merchant's time zone, so "overdue" stays overdue whenever you run it.
Paid amounts come with their succeeded payment records, so amount_paid always equals the payment history
(the contract's invariant holds in the demo too).
"""

from infra.seed import days_from_today, put_client, put_invoice
from shared.aws.models import Payment

PASSWORD = "DemoPortal2026"  # meets the template's policy: 12+ chars, upper, lower, digit

CLIENTS = [
    {"client_id": "client-acme", "name": "Acme Bookkeeping Ltd", "email": "ana@acme.test", "prefix": "INV-10"},
    {"client_id": "client-birch", "name": "Birch & Sons Plumbing", "email": "ben@birch.test", "prefix": "INV-20"},
]


def _paid_at(days_ago: int) -> str:
    return f"{days_from_today(-days_ago)}T15:00:00.000000Z"


def _paid(client_id: str, invoice_id: str, number: str, amount: int, days_ago: int) -> None:
    """A succeeded card payment in the history, as the webhook would have left it."""
    created = _paid_at(days_ago)
    payment_id = f"pay_seed_{invoice_id}"
    Payment(
        client_id,
        payment_id,
        invoice_id=invoice_id,
        invoice_number=number,
        amount=amount,
        currency="usd",
        method="card",
        status="succeeded",
        created_at=created,
        succeeded_at=created,
        card_brand="visa",
        card_last4="4242",
        processor="stripe",
        processor_payment_id=f"pi_seed_{invoice_id}",
        request_fingerprint="seed",
        receipt_sent_at=created,
        created_key=f"{created}#{payment_id}",
        invoice_key=f"{invoice_id}#{created}#{payment_id}",
    ).save()


def seed() -> list[dict]:
    """Write the demo records; returns the demo users [{email, password, client_id}]."""
    users = []
    for n, c in enumerate(CLIENTS):
        cid, p = c["client_id"], c["prefix"]
        scale = 1 + n  # different amounts per client, so screens are easy to tell apart
        put_client(cid, name=c["name"], billing_email=c["email"])
        put_invoice(
            cid,
            f"{cid}-full",
            number=f"{p}41",
            total=125000 * scale,
            due_date=days_from_today(30),
            issued_date=days_from_today(-5),
            line_items=[("Monthly bookkeeping", 1, 100000 * scale), ("Payroll runs", 5, 5000 * scale)],
        )
        put_invoice(
            cid,
            f"{cid}-partial",
            number=f"{p}42",
            total=480000 * scale,
            due_date=days_from_today(21),
            issued_date=days_from_today(-3),
            allow_partial=True,
            minimum_payment=5000,
        )
        put_invoice(
            cid,
            f"{cid}-overdue",
            number=f"{p}43",
            total=36000 * scale,
            due_date=days_from_today(-10),
            issued_date=days_from_today(-40),
            late_fee={"kind": "flat", "amount": 2500, "grace_days": 5},
        )
        put_invoice(
            cid,
            f"{cid}-partly-paid",
            number=f"{p}44",
            total=90000 * scale,
            amount_paid=20000,
            due_date=days_from_today(14),
            issued_date=days_from_today(-20),
            allow_partial=True,
            minimum_payment=10000,
            paid_at=_paid_at(10),
        )
        _paid(cid, f"{cid}-partly-paid", f"{p}44", 20000, 10)
        put_invoice(
            cid,
            f"{cid}-paid",
            number=f"{p}45",
            total=15000 * scale,
            amount_paid=15000 * scale,
            due_date=days_from_today(-30),
            issued_date=days_from_today(-60),
            paid_at=_paid_at(35),
        )
        _paid(cid, f"{cid}-paid", f"{p}45", 15000 * scale, 35)
        users.append({"email": c["email"], "password": PASSWORD, "client_id": cid})
    return users

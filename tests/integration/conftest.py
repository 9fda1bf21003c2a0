from datetime import UTC, datetime

import pytest

from infra.seed import days_from_today, put_client, put_invoice
from shared.domain import clock
from tests.drivers.ach import sandbox  # noqa: F401  (an ACH sandbox of a module's own, settled when asked)


@pytest.fixture
def seeded(aws):
    """Two clients. client-a: a full-only invoice, a partial-allowed one with a minimum, a paid and a void
    one. client-b: one invoice, to prove client-a can never see or pay it."""
    put_client("client-a", name="Ann Archer", billing_email="ann@example.test")
    put_client("client-b", name="Bob Baker", billing_email="bob@example.test")
    put_invoice("client-a", "inv-full", number="INV-1001", total=125000, due_date=days_from_today(30))
    put_invoice(
        "client-a",
        "inv-part",
        number="INV-1002",
        total=100000,
        due_date=days_from_today(44),
        allow_partial=True,
        minimum_payment=5000,
        issued_date="2026-11-02",
    )
    put_invoice(
        "client-a",
        "inv-paid",
        number="INV-1003",
        total=20000,
        amount_paid=20000,
        due_date="2026-11-10",
        issued_date="2026-10-01",
    )
    put_invoice(
        "client-a",
        "inv-void",
        number="INV-1004",
        total=30000,
        void=True,
        due_date="2026-11-20",
        issued_date="2026-10-02",
    )
    put_invoice("client-b", "inv-b", number="INV-2001", total=50000, due_date=days_from_today(30))
    return aws


@pytest.fixture
def frozen(monkeypatch):
    """Set the wall clock to a day (and hour, UTC); 15:00 UTC is 10:00 in New York, the merchant's zone in the tests."""

    def freeze(day: str, hour_utc: int = 15):
        moment = datetime.fromisoformat(day).replace(hour=hour_utc, tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return freeze

"""ops-export-payments: a client's payments as CSV, amounts from integer cents without a float."""

import csv
import io

import pytest

from infra.seed import put_client
from ops import export_payments
from shared.aws.models import Payment
from tests.drivers.stripe import forward_localstripe_events
from tests.helpers import call
from tests.integration.test_card_flow import confirm_like_stripe_js


@pytest.mark.parametrize(
    "cents,text",
    [(0, "0.00"), (5, "0.05"), (99, "0.99"), (100000, "1000.00"), (123456789, "1234567.89"), (-250, "-2.50")],
)
def test_cents_are_written_as_decimal_amounts(cents, text):
    assert export_payments.decimal_amount(cents, "usd") == text


@pytest.mark.parametrize("value", [12.5, "1250", True, None])
def test_anything_but_integer_cents_is_refused(value):
    with pytest.raises(TypeError):
        export_payments.decimal_amount(value, "usd")


def _export(*args) -> list[dict]:
    out = io.StringIO()
    export_payments.main(["--client", "client-a", *args], out=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_exports_every_payment_of_the_client_and_none_of_another(seeded):
    base = seeded["stripe"].url
    _, paid, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 30001},
        headers={"Idempotency-Key": "export-1"},
    )
    assert confirm_like_stripe_js(base, paid["client_secret"], "pm_card_visa")["status"] == "succeeded"
    forward_localstripe_events(base, paid["client_secret"].split("_secret_")[0])
    _, started, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "export-2"},
    )
    call(
        "CreatePaymentFunction",
        client_id="client-b",
        path_parameters={"invoice_id": "inv-b"},
        body={"method": "card"},
        headers={"Idempotency-Key": "export-b"},
    )

    rows = _export()
    assert list(rows[0]) == list(export_payments.COLUMNS)
    by_id = {r["payment_id"]: r for r in rows}
    assert set(by_id) == {paid["payment_id"], started["payment_id"]}
    assert {
        k: by_id[paid["payment_id"]][k] for k in ("invoice_id", "status", "amount", "refunded", "currency", "method")
    } == {
        "invoice_id": "inv-part",
        "status": "succeeded",
        "amount": "300.01",
        "refunded": "0.00",
        "currency": "USD",
        "method": "card",
    }
    assert by_id[paid["payment_id"]]["processor_payment_id"].startswith("pi_")
    assert (by_id[started["payment_id"]]["amount"], by_id[started["payment_id"]]["status"]) == (
        "1250.00",
        started["status"],
    )
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)  # oldest first


def test_the_date_range_and_a_client_without_payments(seeded):
    put_client("client-empty", name="Empty", billing_email="e@example.test")
    Payment(
        "client-a",
        "pay-old",
        invoice_id="inv-full",
        amount=100,
        currency="usd",
        method="card",
        status="failed",
        created_at="2025-01-02T00:00:00+00:00",
        processor="stripe",
        request_fingerprint="x",
        created_key="2025-01-02T00:00:00+00:00#pay-old",
        invoice_key="inv-full#pay-old",
    ).save()
    Payment(
        "client-a",
        "pay-new",
        invoice_id="inv-full",
        amount=200,
        currency="usd",
        method="card",
        status="failed",
        created_at="2026-06-02T00:00:00+00:00",
        processor="stripe",
        request_fingerprint="x",
        created_key="2026-06-02T00:00:00+00:00#pay-new",
        invoice_key="inv-full#pay-new",
    ).save()
    assert [r["payment_id"] for r in _export("--since", "2026-01-01")] == ["pay-new"]
    assert [r["payment_id"] for r in _export("--until", "2026-01-01")] == ["pay-old"]
    out = io.StringIO()
    assert export_payments.main(["--client", "client-empty"], out=out) == 0
    assert out.getvalue() == ",".join(export_payments.COLUMNS) + "\n"

"""ops-settle-payment: an operator's finding goes through the webhooks' own code path, once."""

import io
import json

import pytest

from ops import audit, settle_payment
from shared.models import Payment
from tests.helpers import call, queue_messages, table_snapshot
from tests.integration.ach_helpers import invoice_numbers, pay_ach, transfer_url, verified_bank


@pytest.fixture
def audit_log():
    stream = io.StringIO()
    previous = audit.log.registered_handler.setStream(stream)
    yield stream
    audit.log.registered_handler.setStream(previous)


@pytest.fixture
def processing(seeded):
    """An ACH payment of 400.00 on inv-part, processing: its 400.00 is pending on the invoice."""
    status, payment, _ = pay_ach("inv-part", verified_bank(seeded["ach"]), amount=40000)
    assert status == 201 and invoice_numbers() == ("partially_paid", 0, 40000, 60000)
    queue_messages(seeded["receipt_queue"])  # the "on its way" notice, not what these tests are about
    return payment["payment_id"]


def _settle(payment_id, status, *extra, reason="transfer found at the processor, settled 2026-12-01"):
    return settle_payment.main(["--client", "client-a", "--payment", payment_id, "--status", status,
                                "--reason", reason, "--operator", "pat", *extra])


def test_the_dry_run_shows_the_change_and_changes_nothing(processing, capsys):
    before = table_snapshot()
    assert _settle(processing, "succeeded") == "dry_run"
    out = capsys.readouterr().out
    assert f"payment {processing} of client client-a, invoice inv-part: processing -> succeeded, 40000 usd" in out
    assert table_snapshot() == before


def test_settling_as_succeeded_counts_the_money_once_and_sends_the_receipt(processing, seeded, audit_log):
    transfer = transfer_url("client-a", processing)
    assert _settle(processing, "succeeded", "--execute") == "applied"
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    # On the invoice's ledger, as the client reads it: the transfer left pending and counted as paid.
    invoice = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})[1]
    assert [(e["kind"], e["amount"]) for e in invoice["activity"] if e["payment_id"] == processing] == [
        ("transfer_started", 40000), ("transfer_finished", -40000), ("payment_received", 40000)]
    assert Payment.get("client-a", processing).status == "succeeded"
    assert [json.loads(m["Body"])["kind"] for m in queue_messages(seeded["receipt_queue"])] == ["receipt"]
    [line] = [json.loads(x) for x in audit_log.getvalue().splitlines()]
    assert line["message"] == "payment settled by an operator"
    assert {k: line[k] for k in ("client_id", "invoice_id", "payment_id", "amount", "status", "operator", "reason",
                                 "result", "processor_payment_id")} == {
        "client_id": "client-a", "invoice_id": "inv-part", "payment_id": processing, "amount": 40000,
        "status": "succeeded", "operator": "pat", "reason": "transfer found at the processor, settled 2026-12-01",
        "result": "applied", "processor_payment_id": transfer}

    before = table_snapshot()
    assert _settle(processing, "succeeded", "--execute") == "duplicate"  # run twice: nothing more
    assert table_snapshot() == before and invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_settling_as_failed_releases_the_pending_money_and_keeps_the_reason(processing):
    assert _settle(processing, "failed", "--execute", reason="no transfer at the processor") == "applied"
    assert invoice_numbers() == ("open", 0, 0, 100000)
    payment = Payment.get("client-a", processing)
    assert (payment.status, payment.failure_code, payment.failure_message) == (
        "failed", "settled_by_operator", "no transfer at the processor")


@pytest.mark.parametrize("args,message", [
    (["--payment", "pay-nope", "--status", "succeeded", "--reason", "r"], "no payment pay-nope"),
    (["--payment", "{payment}", "--status", "succeeded", "--reason", "  "], "--reason is required"),
])
def test_bad_input_is_refused_and_changes_nothing(processing, args, message):
    before = table_snapshot()
    with pytest.raises(SystemExit, match=message):
        settle_payment.main(["--client", "client-a", *[a.replace("{payment}", processing) for a in args],
                             "--execute"])
    assert table_snapshot() == before


@pytest.mark.parametrize("args", [
    ["--status", "succeeded"],  # no reason
    ["--status", "refunded", "--reason", "r"],  # not an outcome a person settles
])
def test_missing_or_unknown_arguments_stop_before_anything(processing, args, capsys):
    before = table_snapshot()
    with pytest.raises(SystemExit) as stopped:
        settle_payment.main(["--client", "client-a", "--payment", processing, *args, "--execute"])
    assert stopped.value.code == 2 and table_snapshot() == before

"""ops-settle-payment: the processor is asked first, a disagreement is refused unless overridden with a reason,
the change is shown and confirmed, and the finding goes through the webhooks' own code path, once."""

import io
import json

import pytest

from ops import audit, settle_payment
from shared.aws.models import Payment
from tests.drivers.ach import invoice_numbers, pay_ach, simulate, transfer_url, verified_bank
from tests.helpers import call, queue_messages, table_snapshot

REASON = "transfer found at the processor, settled 2026-12-01"


@pytest.fixture
def audit_log():
    stream = io.StringIO()
    previous = audit.log.registered_handler.setStream(stream)
    yield stream
    audit.log.registered_handler.setStream(previous)


def audit_lines(stream) -> list[dict]:
    return [json.loads(x) for x in stream.getvalue().splitlines()]


@pytest.fixture
def processing(seeded):
    """An ACH payment of 400.00 on inv-part, processing: its 400.00 is pending on the invoice; Dwolla's transfer
    is still pending too."""
    status, payment, _ = pay_ach("inv-part", verified_bank(seeded["ach"]), amount=40000)
    assert status == 201 and invoice_numbers() == ("partially_paid", 0, 40000, 60000)
    queue_messages(seeded["receipt_queue"])  # the "on its way" notice, not what these tests are about
    return payment["payment_id"]


@pytest.fixture
def processed(processing, seeded):
    """The same payment after Dwolla processed the transfer and its webhook was lost: the payment is still
    processing here, the processor says processed."""
    simulate(seeded["ach"])
    assert Payment.get("client-a", processing).status == "processing"
    return processing


@pytest.fixture
def unconfirmed_card(seeded):
    """The issue's case: a card payment whose PaymentIntent still waits for a card (requires_payment_method)."""
    status, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "settle-card"},
    )
    assert status == 201 and payment["status"] == "pending"
    return payment["payment_id"]


def _settle(payment_id, status, *extra, reason=REASON, confirm=None):
    return settle_payment.main(
        [
            "--client",
            "client-a",
            "--payment",
            payment_id,
            "--status",
            status,
            "--reason",
            reason,
            "--operator",
            "pat",
            *extra,
        ],
        confirm=confirm,
    )


def test_the_dry_run_asks_the_processor_shows_the_change_and_changes_nothing(processed, capsys):
    before = table_snapshot()
    assert _settle(processed, "succeeded") == "dry_run"
    out = capsys.readouterr().out
    assert f"payment {processed} of client client-a, invoice inv-part: processing -> succeeded, 40000 usd" in out
    assert f"the processor says: {transfer_url('client-a', processed)} is processed (40000 cents) -> agrees" in out
    assert "will change: invoice inv-part: $400.00 counted as paid (no longer pending)" in out
    assert "will change: a receipt is emailed to ann@example.test" in out
    assert table_snapshot() == before


def test_settling_what_the_processor_says_counts_the_money_once_and_sends_the_receipt(processed, seeded, audit_log):
    transfer = transfer_url("client-a", processed)
    assert _settle(processed, "succeeded", "--execute", "--yes") == "applied"
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    # On the invoice's ledger, as the client reads it: the transfer left pending and counted as paid.
    invoice = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})[1]
    assert [(e["kind"], e["amount"]) for e in invoice["activity"] if e["payment_id"] == processed] == [
        ("transfer_started", 40000),
        ("transfer_finished", -40000),
        ("payment_received", 40000),
    ]
    assert Payment.get("client-a", processed).status == "succeeded"
    assert [json.loads(m["Body"])["kind"] for m in queue_messages(seeded["receipt_queue"])] == ["receipt"]
    [line] = audit_lines(audit_log)
    assert line["message"] == "payment settled by an operator"
    assert {
        k: line[k]
        for k in (
            "client_id",
            "invoice_id",
            "payment_id",
            "amount",
            "status",
            "operator",
            "reason",
            "result",
            "processor_payment_id",
            "processor_status",
            "processor_outcome",
            "processor_amount",
            "processor_agrees",
            "overridden",
        )
    } == {
        "client_id": "client-a",
        "invoice_id": "inv-part",
        "payment_id": processed,
        "amount": 40000,
        "status": "succeeded",
        "operator": "pat",
        "reason": REASON,
        "result": "applied",
        "processor_payment_id": transfer,
        "processor_status": "processed",
        "processor_outcome": "succeeded",
        "processor_amount": 40000,
        "processor_agrees": True,
        "overridden": False,
    }

    before = table_snapshot()
    assert _settle(processed, "succeeded", "--execute", "--yes") == "duplicate"  # run twice: nothing more
    assert table_snapshot() == before and invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_a_card_payment_the_processor_has_not_charged_is_not_settled_as_paid(
    unconfirmed_card, seeded, audit_log, capsys
):
    before = table_snapshot()
    with pytest.raises(SystemExit, match="does not say the payment succeeded; nothing changed"):
        _settle(unconfirmed_card, "succeeded", "--execute", "--yes")
    assert "is requires_payment_method (125000 cents) -> does NOT agree" in capsys.readouterr().out
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []
    [line] = audit_lines(audit_log)
    assert (line["message"], line["processor_status"], line["processor_agrees"], line["result"]) == (
        "settlement refused: the processor disagrees",
        "requires_payment_method",
        False,
        "refused",
    )


def test_an_override_settles_against_the_processor_and_the_log_says_both(unconfirmed_card, audit_log):
    why = "the bank's wire confirmation 2026-12-01 #4471; Stripe support case 123"
    assert _settle(unconfirmed_card, "succeeded", "--execute", "--yes", "--override", why) == "applied"
    assert Payment.get("client-a", unconfirmed_card).status == "succeeded"
    [line] = audit_lines(audit_log)
    assert (
        line["processor_status"],
        line["processor_agrees"],
        line["overridden"],
        line["override"],
        line["result"],
    ) == ("requires_payment_method", False, True, why, "applied")


def test_a_pending_transfer_is_not_settled_as_failed_without_an_override(processing):
    before = table_snapshot()
    with pytest.raises(SystemExit, match="does not say the payment failed"):
        _settle(processing, "failed", "--execute", "--yes", reason="no transfer at the processor")
    assert table_snapshot() == before


def test_settling_as_failed_with_an_override_releases_the_pending_money_and_keeps_the_reason(processing):
    assert (
        _settle(
            processing,
            "failed",
            "--execute",
            "--yes",
            "--override",
            "Dwolla support: transfer lost",
            reason="no transfer at the processor",
        )
        == "applied"
    )
    assert invoice_numbers() == ("open", 0, 0, 100000)
    payment = Payment.get("client-a", processing)
    assert (payment.status, payment.failure_code, payment.failure_message) == (
        "failed",
        "settled_by_operator",
        "no transfer at the processor",
    )


def test_a_transfer_of_another_payment_is_a_disagreement(processed, seeded, capsys):
    other = pay_ach("inv-full", verified_bank(seeded["ach"], account_number="123456781111"), key="ach-2")[1]
    simulate(seeded["ach"])
    before = table_snapshot()
    with pytest.raises(SystemExit, match="does not say"):
        _settle(
            processed,
            "succeeded",
            "--execute",
            "--yes",
            "--processor-payment-id",
            transfer_url("client-a", other["payment_id"]),
        )
    assert "not this payment's transfer (another_transfer)" in capsys.readouterr().out
    assert table_snapshot() == before


def test_it_asks_before_it_changes_anything(processed, capsys):
    asked = []
    before = table_snapshot()
    assert _settle(processed, "succeeded", "--execute", confirm=lambda q: asked.append(q) or "no") == "cancelled"
    assert asked == [f"Settle payment {processed} as succeeded? Type yes to go on: "]
    assert table_snapshot() == before and "cancelled: nothing changed" in capsys.readouterr().out
    assert _settle(processed, "succeeded", "--execute", confirm=lambda q: "yes") == "applied"


def test_without_a_terminal_it_needs_yes(processed, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # piped input is not a person reading the dry run
    before = table_snapshot()
    with pytest.raises(SystemExit, match="no terminal to confirm on"):
        _settle(processed, "succeeded", "--execute")
    assert table_snapshot() == before


@pytest.mark.parametrize(
    "args,message",
    [
        (["--payment", "pay-nope", "--status", "succeeded", "--reason", "r"], "no payment pay-nope"),
        (["--payment", "{payment}", "--status", "succeeded", "--reason", "  "], "--reason must not be empty"),
        (["--payment", "{payment}", "--status", "succeeded", "--reason", "ok\r\nforged log line"], "line breaks"),
        (
            ["--payment", "{payment}", "--status", "succeeded", "--reason", "ok", "--override", "why\nnot"],
            "line breaks",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(processed, args, message):
    before = table_snapshot()
    with pytest.raises(SystemExit, match=message):
        settle_payment.main(
            ["--client", "client-a", *[a.replace("{payment}", processed) for a in args], "--execute", "--yes"]
        )
    assert table_snapshot() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--status", "succeeded"],  # no reason
        ["--status", "refunded", "--reason", "r"],  # not an outcome a person settles
    ],
)
def test_missing_or_unknown_arguments_stop_before_anything(processing, args, capsys):
    before = table_snapshot()
    with pytest.raises(SystemExit) as stopped:
        settle_payment.main(["--client", "client-a", "--payment", processing, *args, "--execute"])
    assert stopped.value.code == 2 and table_snapshot() == before

"""Reconciliation: payments stuck in pending/processing are checked against localstripe and the ACH sandbox and
the truth is applied through the webhook's code path; the webhook and the job never count anything twice."""

import json
from datetime import timedelta

import pytest
import requests

from functions.reconcile_job import app as reconcile_app
from infra.apigw import LambdaContext
from shared.aws.models import Invoice, Payment, ProcessedEvent
from shared.aws.notify import enqueue_job
from shared.aws.store import money_of
from shared.domain import clock
from shared.http.errors import ProcessorUnavailable
from shared.processors import stripe_cards
from shared.processors.factory import ach_processor
from shared.services import reconciliation
from tests.drivers.ach import api, pay_ach, simulate, verified_bank
from tests.drivers.stripe import forward_localstripe_events
from tests.helpers import call, queue_messages, table_snapshot

AUTH = ("sk_test_portal", "")
LATER = timedelta(hours=2)  # past the 60-minute threshold


# ---- helpers ------------------------------------------------------------------------------------------------


def card_payment(invoice_id="inv-part", amount=30000, key="card-1"):
    body = {"method": "card"} | ({"amount": amount} if amount else {})
    status, payment, _ = call(
        "CreatePaymentFunction", path_parameters={"invoice_id": invoice_id}, body=body, headers={"Idempotency-Key": key}
    )
    assert status == 201, payment
    return payment


def intent_of(payment) -> str:
    return payment["client_secret"].split("_secret_")[0]


def confirm_at_stripe(seeded, payment, card="pm_card_visa"):
    """What Stripe.js does in the browser (localstripe: set the method, then confirm)."""
    base = seeded["stripe"].url
    if card.isdigit():
        card = requests.post(
            f"{base}/v1/payment_methods",
            auth=AUTH,
            timeout=5,
            data={
                "type": "card",
                "card[number]": card,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
        ).json()["id"]
    requests.post(
        f"{base}/v1/payment_intents/{intent_of(payment)}", data={"payment_method": card}, auth=AUTH, timeout=5
    )
    return requests.post(f"{base}/v1/payment_intents/{intent_of(payment)}/confirm", auth=AUTH, timeout=5).json()


def run_job(monkeypatch, shift=LATER) -> dict:
    """The scheduled function, as the scheduler calls it, `shift` from now."""
    real_now = clock.now()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: real_now + shift)
        return reconcile_app.handler({"source": "aws.scheduler"}, LambdaContext(function_name="ReconcileJobFunction"))


def jobs(seeded) -> list[str]:
    return [json.loads(m["Body"])["kind"] for m in queue_messages(seeded["receipt_queue"])]


def invoice_numbers(invoice_id="inv-part"):
    invoice = Invoice.get("client-a", invoice_id)
    return invoice.status, invoice.amount_paid, invoice.amount_pending, money_of(invoice).balance


def without_events(snapshot: dict) -> dict:
    return {name: items for name, items in snapshot.items() if not name.endswith("events")}


def events_table(snapshot: dict) -> list:
    return next(items for name, items in snapshot.items() if name.endswith("events"))


def transfers_at_sandbox(seeded):
    return [
        e
        for e in api(seeded["ach"], "GET", "/events").json()["_embedded"]["events"]
        if e["topic"] == "transfer_created"
    ]


# ---- cards --------------------------------------------------------------------------------------------------


def test_a_lost_success_webhook_is_applied_and_the_late_webhook_changes_nothing(seeded, monkeypatch, capsys):
    payment = card_payment(amount=30000)
    assert confirm_at_stripe(seeded, payment)["status"] == "succeeded"  # the webhook never comes
    assert invoice_numbers() == ("open", 0, 0, 100000)
    capsys.readouterr()

    report = run_job(monkeypatch)
    assert report["examined"] == 1 and report["applied"] == {"succeeded": 1}
    assert report["unrecorded_succeeded"] == 1 and report["processor_errors"] == 0
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    names = {
        m["Name"]: doc[m["Name"]] for doc in metrics for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    }
    assert names["UnrecordedPayment"] == [1.0] and names["PaymentsReconciled"] == [1.0]

    stored = Payment.get("client-a", payment["payment_id"])
    assert (stored.status, stored.unsettled, stored.processor_method_id) == ("succeeded", None, "pm_card_visa")
    assert stored.succeeded_at
    assert invoice_numbers() == ("partially_paid", 30000, 0, 70000)
    assert jobs(seeded) == ["receipt"]

    before = table_snapshot()
    assert "payment_intent.succeeded" in forward_localstripe_events(seeded["stripe"].url, intent_of(payment))
    after = table_snapshot()
    assert without_events(after) == without_events(before)
    assert len(events_table(after)) == len(events_table(before)) + 1  # only the webhook's event id
    assert jobs(seeded) == []  # no second receipt


def test_webhook_first_then_the_job_changes_nothing(seeded, monkeypatch):
    payment = card_payment(invoice_id="inv-full", amount=None)
    confirm_at_stripe(seeded, payment)
    forward_localstripe_events(seeded["stripe"].url, intent_of(payment))
    assert invoice_numbers("inv-full") == ("paid", 125000, 0, 0)
    queue_messages(seeded["receipt_queue"])
    before = table_snapshot()
    report = run_job(monkeypatch)
    assert (report["examined"], report["applied"]) == (0, {})  # settled payments leave the unsettled index
    assert table_snapshot() == before and jobs(seeded) == []


def test_a_declined_card_is_failed_with_its_reason_and_an_unconfirmed_one_is_left_alone(seeded, monkeypatch):
    declined = card_payment(invoice_id="inv-full", amount=None, key="declined")
    confirm_at_stripe(seeded, declined, card="4000000000000341")
    status, waiting, _ = call(
        "CreatePaymentFunction",
        client_id="client-b",
        path_parameters={"invoice_id": "inv-b"},
        body={"method": "card"},
        headers={"Idempotency-Key": "waiting"},
    )
    assert status == 201
    waiting_before = Payment.get("client-b", waiting["payment_id"]).serialize()
    inv_b_before = Invoice.get("client-b", "inv-b").serialize()

    report = run_job(monkeypatch)
    assert report["examined"] == 2
    assert report["applied"] == {"failed": 1} and report["unchanged"] == 1 and report["unrecorded_succeeded"] == 0
    _, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": declined["payment_id"]})
    assert body["status"] == "failed" and body["failure"]["code"] == "card_declined"
    assert "declined" in body["failure"]["message"]
    assert invoice_numbers("inv-full") == ("open", 0, 0, 125000)
    # the client never confirmed: nothing is written for it
    assert Payment.get("client-b", waiting["payment_id"]).serialize() == waiting_before
    assert Invoice.get("client-b", "inv-b").serialize() == inv_b_before
    # the late payment_failed webhook finds nothing new
    before = table_snapshot()
    assert "payment_intent.payment_failed" in forward_localstripe_events(seeded["stripe"].url, intent_of(declined))
    assert without_events(table_snapshot()) == without_events(before)


def test_a_payment_younger_than_the_threshold_is_not_even_fetched(seeded, monkeypatch):
    payment = card_payment()
    confirm_at_stripe(seeded, payment)
    fetched = []
    original = stripe_cards.StripeCards.intent_outcome

    def spy(self, intent_id):
        fetched.append(intent_id)
        return original(self, intent_id)

    monkeypatch.setattr(stripe_cards.StripeCards, "intent_outcome", spy)
    before = table_snapshot()
    report = reconciliation.run(
        clock.now() + timedelta(minutes=59),
        stripe_cards.from_environment(),
        ach_processor(),
        enqueue_job,
        older_than=timedelta(minutes=60),
    )
    assert report.examined == 0 and fetched == []
    assert table_snapshot() == before
    report = reconciliation.run(
        clock.now() + timedelta(minutes=61),
        stripe_cards.from_environment(),
        ach_processor(),
        enqueue_job,
        older_than=timedelta(minutes=60),
    )
    assert fetched == [intent_of(payment)] and report.applied == {"succeeded": 1}


def test_the_threshold_comes_from_the_environment(seeded, monkeypatch):
    payment = card_payment()
    confirm_at_stripe(seeded, payment)
    monkeypatch.setenv("RECONCILE_AFTER_MINUTES", "180")
    assert run_job(monkeypatch, shift=LATER)["examined"] == 0  # 2 h < 3 h
    assert run_job(monkeypatch, shift=timedelta(hours=4))["applied"] == {"succeeded": 1}


def test_a_processor_timeout_writes_nothing_for_that_payment_and_the_next_run_fixes_it(seeded, monkeypatch):
    first = card_payment(invoice_id="inv-part", amount=30000, key="first")
    second = card_payment(invoice_id="inv-full", amount=None, key="second")
    confirm_at_stripe(seeded, first)
    confirm_at_stripe(seeded, second)
    original = stripe_cards.StripeCards.intent_outcome

    def flaky(self, intent_id):
        if intent_id == intent_of(first):
            raise ProcessorUnavailable()
        return original(self, intent_id)

    payment_before = Payment.get("client-a", first["payment_id"]).serialize()
    invoice_before = Invoice.get("client-a", "inv-part").serialize()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stripe_cards.StripeCards, "intent_outcome", flaky)
        report = run_job(monkeypatch)
    assert report["examined"] == 2 and report["processor_errors"] == 1 and report["applied"] == {"succeeded": 1}
    assert Payment.get("client-a", first["payment_id"]).serialize() == payment_before
    assert Invoice.get("client-a", "inv-part").serialize() == invoice_before
    assert not [e for e in ProcessedEvent.scan() if e.event_id.startswith(f"reconcile:{first['payment_id']}")]
    assert invoice_numbers("inv-full") == ("paid", 125000, 0, 0)  # the other payment was still reconciled

    report = run_job(monkeypatch)
    assert report["applied"] == {"succeeded": 1} and report["processor_errors"] == 0
    assert invoice_numbers() == ("partially_paid", 30000, 0, 70000)


def test_an_unexpected_error_for_one_payment_does_not_stop_the_others(seeded, monkeypatch):
    first = card_payment(invoice_id="inv-part", amount=30000, key="first")
    second = card_payment(invoice_id="inv-full", amount=None, key="second")
    confirm_at_stripe(seeded, first)
    confirm_at_stripe(seeded, second)
    original = stripe_cards.StripeCards.intent_outcome

    def broken(self, intent_id):
        if intent_id == intent_of(first):
            raise RuntimeError("boom")
        return original(self, intent_id)

    monkeypatch.setattr(stripe_cards.StripeCards, "intent_outcome", broken)
    report = reconciliation.run(
        clock.now() + LATER,
        stripe_cards.from_environment(),
        ach_processor(),
        enqueue_job,
        older_than=timedelta(minutes=60),
    )
    assert (report.errors, report.applied) == (1, {"succeeded": 1})
    assert invoice_numbers() == ("open", 0, 0, 100000)


# ---- ACH ----------------------------------------------------------------------------------------------------


def test_a_settled_transfer_without_its_webhook_is_applied(seeded, monkeypatch):
    method_id = verified_bank(seeded["ach"])
    status, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    assert status == 201 and invoice_numbers() == ("partially_paid", 0, 40000, 60000)
    queue_messages(seeded["receipt_queue"])

    report = run_job(monkeypatch)  # not settled yet: nothing to apply
    assert (report["examined"], report["unchanged"], report["applied"]) == (1, 1, {})
    simulate(seeded["ach"])  # the transfer completes; the webhook is lost
    report = run_job(monkeypatch)
    assert report["applied"] == {"succeeded": 1} and report["unrecorded_succeeded"] == 1
    assert Payment.get("client-a", payment["payment_id"]).status == "succeeded"
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)  # pending money moved to paid
    assert jobs(seeded) == ["receipt"]


def test_a_failed_transfer_without_its_webhook_returns_the_money(seeded, monkeypatch):
    method_id = verified_bank(seeded["ach"], account_number="123456780001")  # R01
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    queue_messages(seeded["receipt_queue"])
    simulate(seeded["ach"])
    report = run_job(monkeypatch)
    assert report["applied"] == {"failed": 1} and report["unrecorded_succeeded"] == 0
    stored = Payment.get("client-a", payment["payment_id"])
    assert (stored.status, stored.failure_code) == ("failed", "R01")
    assert "insufficient funds" in stored.failure_message
    assert invoice_numbers() == ("open", 0, 0, 100000)
    assert jobs(seeded) == ["payment_failed"]


def lost_create(seeded, method_id):
    """The processor creates the transfer but its answers never arrive: 503 with the money reserved."""
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={"path_prefix": "/transfers", "method": "POST", "status": 503, "count": 5, "after_commit": True},
    )
    status, body, _ = pay_ach("inv-part", method_id, amount=40000)
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    requests.delete(f"{seeded['ach'].url}/sandbox/faults", timeout=5)
    [recorded] = list(Payment.query("client-a"))
    assert (recorded.status, recorded.processor_payment_id) == ("processing", None)
    assert invoice_numbers() == ("partially_paid", 0, 40000, 60000)
    queue_messages(seeded["receipt_queue"])
    return recorded


def test_a_lost_create_response_is_found_again_with_the_same_key(seeded, monkeypatch):
    method_id = verified_bank(seeded["ach"])
    recorded = lost_create(seeded, method_id)
    assert len(transfers_at_sandbox(seeded)) == 1

    report = run_job(monkeypatch)
    assert report["transfers_recorded"] == 1 and report["applied"] == {}
    transfer = Payment.get("client-a", recorded.payment_id).processor_payment_id
    assert transfer and len(transfers_at_sandbox(seeded)) == 1  # the same transfer, not a second debit
    assert jobs(seeded) == ["ach_initiated"]
    assert invoice_numbers() == ("partially_paid", 0, 40000, 60000)

    before = table_snapshot()
    report = run_job(monkeypatch)  # still pending: nothing new
    assert (report["unchanged"], report["transfers_recorded"], report["applied"]) == (1, 0, {})
    assert table_snapshot() == before and jobs(seeded) == []

    simulate(seeded["ach"])
    report = run_job(monkeypatch)
    assert report["applied"] == {"succeeded": 1}
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert len(transfers_at_sandbox(seeded)) == 1


def test_a_settled_transfer_whose_create_response_was_lost_is_applied_in_one_go(seeded, monkeypatch):
    method_id = verified_bank(seeded["ach"])
    recorded = lost_create(seeded, method_id)
    simulate(seeded["ach"])
    report = run_job(monkeypatch)
    assert report["applied"] == {"succeeded": 1} and report["transfers_recorded"] == 1
    stored = Payment.get("client-a", recorded.payment_id)
    assert stored.status == "succeeded" and stored.processor_payment_id
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert len(transfers_at_sandbox(seeded)) == 1


def test_a_lost_create_response_past_the_idempotency_window_is_found_by_its_correlation_id(seeded, monkeypatch):
    """Dwolla has forgotten the key after 24 hours (asking again would debit twice), but searches transfers by the
    correlationId the transfer got from it ("List and search transfers")."""
    method_id = verified_bank(seeded["ach"])
    recorded = lost_create(seeded, method_id)
    seeded["ach"].set_clock(advance_seconds=25 * 3600)  # the sandbox forgets the key too
    report = run_job(monkeypatch, shift=timedelta(hours=25))
    assert report["transfers_recorded"] == 1 and report["needs_attention"] == 0 and report["applied"] == {}
    transfer = Payment.get("client-a", recorded.payment_id).processor_payment_id
    assert transfer and len(transfers_at_sandbox(seeded)) == 1  # found, never created again
    assert api(seeded["ach"], "GET", transfer).json()["correlationId"]
    assert jobs(seeded) == ["ach_initiated"]


def test_past_the_idempotency_window_a_transfer_never_created_is_left_for_a_person(seeded, monkeypatch):
    method_id = verified_bank(seeded["ach"])
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={  # refused before anything is created
            "path_prefix": "/transfers",
            "method": "POST",
            "status": 503,
            "count": 5,
        },
    )
    assert pay_ach("inv-part", method_id, amount=40000)[0] == 503
    requests.delete(f"{seeded['ach'].url}/sandbox/faults", timeout=5)
    queue_messages(seeded["receipt_queue"])
    seeded["ach"].set_clock(advance_seconds=25 * 3600)
    before = table_snapshot()
    report = run_job(monkeypatch, shift=timedelta(hours=25))
    assert report["needs_attention"] == 1 and report["applied"] == {} and report["transfers_recorded"] == 0
    assert table_snapshot() == before
    assert transfers_at_sandbox(seeded) == [] and jobs(seeded) == []


# ---- idempotence ------------------------------------------------------------------------------------------


def test_running_the_job_twice_changes_nothing_the_second_time(seeded, monkeypatch):
    card = card_payment(amount=30000)
    confirm_at_stripe(seeded, card)
    declined = card_payment(invoice_id="inv-full", amount=None, key="declined")
    confirm_at_stripe(seeded, declined, card="4000000000000341")
    method_id = verified_bank(seeded["ach"], client_id="client-b")
    pay_ach("inv-b", method_id, client_id="client-b", amount=None)
    simulate(seeded["ach"])

    first = run_job(monkeypatch)
    assert first["applied"] == {"succeeded": 2, "failed": 1}
    queue_messages(seeded["receipt_queue"])
    before = table_snapshot()
    second = run_job(monkeypatch)
    assert second["applied"] == {} and second["unrecorded_succeeded"] == 0
    assert table_snapshot() == before and jobs(seeded) == []


def test_the_local_scheduler_drives_the_job():
    from infra import template

    [source] = [s for s in template.schedule_event_sources() if s["function"] == "ReconcileJobFunction"]
    assert source["module"] == "functions.reconcile_job.app"


def test_the_local_schedules_first_runs_are_done_before_the_stack_is_ready(monkeypatch):
    """The local stack writes its stack file after `Scheduler.start()`: a job still running then changed a
    client's invoices under a test that had already taken its "before" snapshot."""
    import threading
    import types

    from infra import scheduler

    runs = []
    module = types.SimpleNamespace(handler=lambda event, context: runs.append(threading.current_thread()) or {})
    monkeypatch.setattr(scheduler.importlib, "import_module", lambda name: module)
    started = scheduler.Scheduler(
        [{"function": "F", "module": "m", "expression": "rate(1 hour)"}], threading.Lock()
    ).start()
    try:
        assert runs == [threading.current_thread()]  # ran once, in start() itself
    finally:
        started.stop()


@pytest.mark.parametrize("value,minutes", [("", 60), ("15", 15), ("abc", 60), ("0", 1)])
def test_older_than_reads_the_environment(monkeypatch, value, minutes):
    monkeypatch.setenv("RECONCILE_AFTER_MINUTES", value)
    assert reconcile_app.older_than() == timedelta(minutes=minutes)


def test_a_declined_card_retried_successfully_without_its_webhook_is_found(seeded, monkeypatch):
    """The decline was reported; the retry with another card on the same intent succeeded, but that
    webhook was lost. The payment is still reconciled: a declined card payment stays unsettled."""
    payment = card_payment()
    confirm_at_stripe(seeded, payment, card="4000000000000341")
    assert "payment_intent.payment_failed" in forward_localstripe_events(seeded["stripe"].url, intent_of(payment))
    assert Payment.get("client-a", payment["payment_id"]).status == "failed"
    # The retry with another card succeeded and its webhook never came. localstripe cannot retry a declined
    # intent, so Stripe's answer for this one intent is given in the shape the adapter returns.
    from shared.processors.card import IntentOutcome

    real = stripe_cards.StripeCards.intent_outcome
    monkeypatch.setattr(
        stripe_cards.StripeCards,
        "intent_outcome",
        lambda self, intent_id: (
            IntentOutcome(intent_id, "succeeded", 30000, 30000, payment_method_id="pm_card_visa")
            if intent_id == intent_of(payment)
            else real(self, intent_id)
        ),
    )
    run_job(monkeypatch)
    assert Payment.get("client-a", payment["payment_id"]).status == "succeeded"
    assert invoice_numbers() == ("partially_paid", 30000, 0, 70000)


def test_unsettled_payments_older_than_the_lookback_are_left_alone(seeded, monkeypatch):
    payment = card_payment()
    confirm_at_stripe(seeded, payment)  # succeeded at Stripe, webhook lost, and nobody looked for 31 days
    before = table_snapshot()
    run_job(monkeypatch, shift=reconciliation.LOOKBACK + timedelta(days=1))
    assert table_snapshot() == before


# ---- the ledger re-folded -------------------------------------------------------------------------------------


def test_counters_that_drifted_from_their_entries_raise_the_alarm_and_are_not_rewritten(seeded, monkeypatch, capsys):
    card_payment()  # unconfirmed: the job will look at it, and so at its invoice
    Invoice("client-a", "inv-part").update(actions=[Invoice.amount_paid.set(5000)], add_version_condition=False)
    snapshot = table_snapshot()
    capsys.readouterr()
    report = run_job(monkeypatch)
    assert (report["drift"], report["invoices_checked"]) == (["invoice:inv-part"], 1)
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert sum(sum(doc.get("LedgerDrift", [])) for doc in metrics) == 1
    assert table_snapshot() == snapshot  # nothing "fixed" silently: a person decides which side is wrong


def test_invoices_whose_counters_match_their_entries_raise_nothing(seeded, monkeypatch):
    card_payment()
    report = run_job(monkeypatch)
    assert (report["drift"], report["invoices_checked"]) == ([], 1)

"""ACH events from Dwolla's delivery to their effect: the webhook checks and queues (answering within Dwolla's
10 s whatever Dwolla itself does), the worker applies; redelivery, failures, retries and the dead-letter
queue; a transfer checked against the record it names."""

import json
import uuid
from datetime import timedelta

import boto3
import requests

from functions.ach_event_worker import app as ach_worker
from functions.reconcile_job import app as reconcile_app
from infra import template
from infra.apigw import LambdaContext
from shared.aws.models import Payment, Refund, SavedPaymentMethod
from shared.domain import clock
from tests.drivers.ach import (
    api,
    deliver,
    deliver_and_apply,
    envelope,
    invoice_numbers,
    pay_ach,
    queue_depth,
    run_worker,
    simulate,
    transfer_url,
    verified_bank,
)
from tests.helpers import call, sqs_event, table_snapshot

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}


def settled_payment(seeded, amount=40000, account_number="123456780000"):
    """An ACH payment whose transfer the processor has just processed; returns (payment id, transfer URL)."""
    method_id = verified_bank(seeded["ach"], account_number=account_number)
    _, payment, _ = pay_ach("inv-part", method_id, amount=amount)
    simulate(seeded["ach"])
    return payment["payment_id"], transfer_url("client-a", payment["payment_id"])


def fault(seeded, **spec):
    response = requests.post(f"{seeded['ach'].url}/sandbox/faults", json=spec, timeout=5)
    response.raise_for_status()
    return response.json()["id"]


def faults(seeded) -> list[dict]:
    return requests.get(f"{seeded['ach'].url}/sandbox/faults", timeout=5).json()


def clear_faults(seeded):
    requests.delete(f"{seeded['ach'].url}/sandbox/faults", timeout=5)


# ---- the webhook answers without Dwolla; the worker applies --------------------------------------------------


def test_the_webhook_queues_without_calling_dwolla_and_the_worker_applies(seeded):
    _, url = settled_payment(seeded)
    before = table_snapshot()
    fault(seeded, path_prefix="/", status=503, count=100)  # Dwolla down: the webhook must not need it
    event = envelope("customer_transfer_completed", url)
    assert deliver(event)[:2] == (200, {"received": True})
    assert [f["count"] for f in faults(seeded)] == [100]  # not one request reached Dwolla
    assert table_snapshot() == before  # nothing applied on the request path
    assert queue_depth(seeded["ach_event_queue"]) == 1
    clear_faults(seeded)
    assert run_worker() == (1, 0)
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert queue_depth(seeded["ach_event_queue"]) == 0


def test_when_the_queue_refuses_the_event_dwolla_is_told_to_retry(seeded, monkeypatch):
    _, url = settled_payment(seeded)
    before = table_snapshot()
    missing = seeded["ach_event_queue"].rsplit("/", 1)[0] + "/no-such-queue"
    monkeypatch.setenv("ACH_EVENT_QUEUE_URL", missing)
    status, body, _ = deliver(envelope("customer_transfer_completed", url))
    assert (status, body["error"]["code"]) == (503, "temporarily_unavailable")  # Dwolla retries any non-2xx
    assert table_snapshot() == before
    assert queue_depth(seeded["ach_event_queue"]) == 0


def test_a_redelivered_message_changes_nothing(seeded):
    """SQS delivers at least once: the same message handed to the worker twice counts once."""
    _, url = settled_payment(seeded)
    deliver(envelope("customer_transfer_completed", url))
    messages = boto3.client("sqs").receive_message(
        QueueUrl=seeded["ach_event_queue"], MaxNumberOfMessages=10, VisibilityTimeout=30
    )["Messages"]
    assert ach_worker.handler(sqs_event(messages), LambdaContext()) == {"batchItemFailures": []}
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    after_first = table_snapshot()
    assert ach_worker.handler(sqs_event(messages), LambdaContext()) == {"batchItemFailures": []}
    assert table_snapshot() == after_first


def test_work_that_fails_is_retried_then_dead_lettered_and_nothing_is_lost(seeded):
    _, url = settled_payment(seeded)
    before = table_snapshot()
    fault(seeded, path_prefix="/transfers", method="GET", status=500, count=1000)  # the fetch keeps failing
    deliver(envelope("customer_transfer_completed", url))
    redrive = template.resources("AWS::SQS::Queue")["AchEventQueue"]["Properties"]["RedrivePolicy"]
    for _ in range(redrive["maxReceiveCount"]):
        assert run_worker() == (1, 1)  # reported as failed: SQS keeps it for another try
        assert table_snapshot() == before
    assert run_worker() == (0, 0)  # received too often: SQS moved it to the dead-letter queue
    assert queue_depth(seeded["ach_event_queue"]) == 0 and queue_depth(seeded["ach_event_dlq"]) == 1
    assert table_snapshot() == before

    # Once the cause is gone, the operator moves it back (start-message-move-task) and it applies once.
    clear_faults(seeded)
    sqs = boto3.client("sqs")
    [message] = sqs.receive_message(QueueUrl=seeded["ach_event_dlq"])["Messages"]
    sqs.send_message(QueueUrl=seeded["ach_event_queue"], MessageBody=message["Body"])
    sqs.delete_message(QueueUrl=seeded["ach_event_dlq"], ReceiptHandle=message["ReceiptHandle"])
    assert run_worker() == (1, 0)
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_one_failing_record_does_not_hold_back_the_others(seeded):
    _, url = settled_payment(seeded)
    broken = {"id": "x", "topic": "customer_transfer_completed"}  # not what the webhook queues: cannot be read
    boto3.client("sqs").send_message(QueueUrl=seeded["ach_event_queue"], MessageBody=json.dumps(broken))
    deliver(envelope("customer_transfer_completed", url))
    assert run_worker() == (2, 1)  # the broken one is reported (retried, then dead-lettered), the other applied
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert queue_depth(seeded["ach_event_queue"]) == 1


# ---- a transfer is checked against the record it names -------------------------------------------------------


def merchant_bank(seeded) -> str:
    merchant = api(seeded["ach"], "GET", "/").json()["_links"]["account"]["href"]
    return [
        f
        for f in api(seeded["ach"], "GET", f"{merchant}/funding-sources").json()["_embedded"]["funding-sources"]
        if f["type"] == "bank"
    ][0]["_links"]["self"]["href"]


def transfer_at_dwolla(seeded, source, destination=None, value="400.00", metadata=None) -> str:
    """A transfer made at Dwolla outside this system's payment flow (our credentials, any metadata)."""
    response = api(
        seeded["ach"],
        "POST",
        "/transfers",
        json={
            "_links": {"source": {"href": source}, "destination": {"href": destination or merchant_bank(seeded)}},
            "amount": {"currency": "USD", "value": value},
            "metadata": metadata or {},
        },
    )
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def bank_url(method_id, client_id="client-a") -> str:
    return SavedPaymentMethod.get(client_id, method_id).processor_method_id


def anomalies(capsys) -> list[float]:
    """PaymentAnomaly values the functions published (Powertools' EMF lines on stdout)."""
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return [value for doc in documents for value in doc.get("PaymentAnomaly", [])]


def test_an_event_for_a_transfer_dwolla_does_not_know_is_done_and_changes_nothing(seeded):
    settled_payment(seeded)
    before = table_snapshot()
    unknown = f"{seeded['ach'].url}/transfers/{uuid.uuid4()}"  # Dwolla answers 404
    deliver(envelope("customer_transfer_completed", unknown))
    assert run_worker() == (1, 0)  # acknowledged: asking again would not change the answer
    assert table_snapshot() == before


def test_an_event_naming_a_url_outside_the_ach_api_is_done_and_changes_nothing(seeded):
    settled_payment(seeded)
    before = table_snapshot()
    deliver(envelope("customer_transfer_completed", f"https://elsewhere.test/transfers/{uuid.uuid4()}"))
    assert run_worker() == (1, 0)  # never fetched, and not retried into the dead-letter queue
    assert table_snapshot() == before


def test_another_transfer_naming_the_payment_is_refused(seeded, capsys):
    payment_id, url = settled_payment(seeded)
    payment = Payment.get("client-a", payment_id)
    other = transfer_at_dwolla(
        seeded,
        payment.processor_method_id,
        metadata={"client_id": "client-a", "invoice_id": "inv-part", "payment_id": payment_id},
    )
    simulate(seeded["ach"])
    before = table_snapshot()
    capsys.readouterr()
    assert deliver_and_apply(envelope("customer_transfer_completed", other)) == (1, 0)
    assert table_snapshot() == before
    assert anomalies(capsys) == [1.0]
    deliver_and_apply(envelope("customer_transfer_completed", url))  # its own transfer still applies
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_a_transfer_naming_a_card_payment_is_refused(seeded, capsys):
    method_id = verified_bank(seeded["ach"])
    status, card, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "card"},
    )
    assert status == 201
    transfer = transfer_at_dwolla(
        seeded,
        bank_url(method_id),
        metadata={"client_id": "client-a", "invoice_id": "inv-part", "payment_id": card["payment_id"]},
    )
    simulate(seeded["ach"])
    before = table_snapshot()
    capsys.readouterr()
    deliver_and_apply(envelope("customer_transfer_completed", transfer))
    assert table_snapshot() == before
    assert Payment.get("client-a", card["payment_id"]).status == "pending"
    assert anomalies(capsys) == [1.0]


def test_without_a_stored_transfer_only_one_from_the_payments_bank_applies(seeded, capsys):
    """The create answer was lost, so no transfer id is stored: metadata names the payment, but only a transfer
    debiting the payment's own bank account (fetched from Dwolla) is taken as its."""
    method_id = verified_bank(seeded["ach"])
    other_bank = verified_bank(seeded["ach"], account_number="222233334444")
    fault(seeded, path_prefix="/transfers", method="POST", status=503, count=5, after_commit=True)
    status, _, _ = pay_ach("inv-part", method_id, amount=40000)
    assert status == 503
    clear_faults(seeded)
    [payment] = list(Payment.query("client-a"))
    assert payment.processor_payment_id is None
    ids = {"client_id": "client-a", "invoice_id": "inv-part", "payment_id": payment.payment_id}
    foreign = transfer_at_dwolla(seeded, bank_url(other_bank), metadata=ids)
    simulate(seeded["ach"])
    before = table_snapshot()
    capsys.readouterr()
    deliver_and_apply(envelope("customer_transfer_completed", foreign))
    assert table_snapshot() == before and anomalies(capsys) == [1.0]

    fs_id = bank_url(method_id).rsplit("/", 1)[1]
    [own] = [f"{seeded['ach'].url}/transfers/{t.id}" for t in seeded["ach"].transfers.values() if t.source_fs == fs_id]
    deliver_and_apply(envelope("customer_transfer_completed", own))  # the payment's own transfer applies
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert Payment.get("client-a", payment.payment_id).processor_payment_id == own


def test_a_transfer_in_another_currency_is_refused(seeded, capsys):
    _, url = settled_payment(seeded)
    seeded["ach"].transfers[url.rsplit("/", 1)[1]].currency = "EUR"  # the processor reports another currency
    before = table_snapshot()
    capsys.readouterr()
    assert deliver_and_apply(envelope("customer_transfer_completed", url)) == (1, 0)  # refused, not retried
    assert table_snapshot() == before
    assert invoice_numbers() == ("partially_paid", 0, 40000, 60000)  # never counted as if it were dollars
    assert anomalies(capsys) == [1.0]


def test_a_different_amount_counts_what_moved_once_and_raises_the_anomaly(seeded, capsys):
    payment_id, url = settled_payment(seeded)
    seeded["ach"].transfers[url.rsplit("/", 1)[1]].amount_cents = 39000  # $390.00 moved for a $400.00 payment
    capsys.readouterr()
    completed = envelope("customer_transfer_completed", url)
    deliver_and_apply(completed)
    deliver_and_apply(completed)  # Dwolla's retry of the same event
    assert invoice_numbers() == ("partially_paid", 39000, 0, 61000)
    assert Payment.get("client-a", payment_id).status == "succeeded"
    assert anomalies(capsys) == [1.0]


def test_another_credit_transfer_naming_a_refund_is_refused(seeded, capsys):
    payment_id, url = settled_payment(seeded)
    deliver_and_apply(envelope("customer_transfer_completed", url))
    status, refund, _ = call(
        "AdminRefundsFunction",
        path_parameters={"payment_id": payment_id},
        body={"amount": 15000, "reason": "Partial credit"},
        headers={"Idempotency-Key": "r1"},
        claims=ADMIN,
    )
    assert status == 201
    bank = Payment.get("client-a", payment_id).processor_method_id
    other = transfer_at_dwolla(
        seeded,
        merchant_bank(seeded),
        destination=bank,
        value="150.00",
        metadata={"client_id": "client-a", "payment_id": payment_id, "refund_id": refund["refund_id"]},
    )
    simulate(seeded["ach"])
    before = table_snapshot()
    capsys.readouterr()
    deliver_and_apply(envelope("customer_transfer_completed", other))
    assert table_snapshot() == before and anomalies(capsys) == [1.0]
    own = Refund.get("client-a", refund["refund_id"]).processor_refund_id
    deliver_and_apply(envelope("customer_transfer_completed", own))
    assert Refund.get("client-a", refund["refund_id"]).status == "succeeded"


def test_reconciliation_refuses_a_transfer_in_another_currency_too(seeded, monkeypatch):
    _, url = settled_payment(seeded)  # its webhook never comes; the hourly job finds the payment
    seeded["ach"].transfers[url.rsplit("/", 1)[1]].currency = "EUR"
    before = table_snapshot()
    later = clock.now() + timedelta(hours=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    report = reconcile_app.handler({"source": "aws.scheduler"}, LambdaContext(function_name="ReconcileJobFunction"))
    assert (report["examined"], report["applied"], report["needs_attention"]) == (1, {}, 1)
    assert table_snapshot() == before

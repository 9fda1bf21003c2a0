"""ACH events from Dwolla's delivery to their effect: the webhook checks and queues (answering within Dwolla's
10 s whatever Dwolla itself does), the worker applies; redelivery, failures, retries and the dead-letter
queue; a transfer checked against the record it names."""

import json

import boto3
import requests

from functions.ach_event_worker import app as ach_worker
from infra import template
from infra.apigw import LambdaContext
from tests.helpers import sqs_event, table_snapshot
from tests.integration.ach_helpers import (
    deliver, envelope, invoice_numbers, pay_ach, queue_depth, run_worker, simulate, transfer_url, verified_bank,
)


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
    messages = boto3.client("sqs").receive_message(QueueUrl=seeded["ach_event_queue"], MaxNumberOfMessages=10,
                                                   VisibilityTimeout=30)["Messages"]
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

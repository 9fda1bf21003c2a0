"""The receipt worker (SQS -> SES): once per payment, not lost when sending fails."""

import json
from datetime import timedelta
from unittest import mock

import pytest

from functions.email_worker import app as receipt_app
from infra.apigw import LambdaContext
from shared.aws.models import Payment, ProcessedEvent
from shared.domain import clock
from shared.services.email_ledger import claim_email
from tests.drivers.stripe import post
from tests.helpers import call, intent_event, queue_messages, sent_emails, sqs_event, table_snapshot
from tests.races import competing


@pytest.fixture
def succeeded(seeded):
    """A 40,000-cent card payment on the partial invoice, confirmed with pm_card_visa at localstripe and
    reported succeeded by webhook; its receipt job waits on the queue."""
    import requests

    _, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "r"},
    )
    payment = Payment.get("client-a", body["payment_id"])
    base, auth = seeded["stripe"].url, ("sk_test_portal", "")
    requests.post(
        f"{base}/v1/payment_intents/{payment.processor_payment_id}",
        data={"payment_method": "pm_card_visa"},
        auth=auth,
        timeout=5,
    )
    requests.post(f"{base}/v1/payment_intents/{payment.processor_payment_id}/confirm", auth=auth, timeout=5)
    event = intent_event(
        "payment_intent.succeeded",
        intent_id=payment.processor_payment_id,
        amount=40000,
        client_id="client-a",
        invoice_id="inv-part",
        payment_id=payment.payment_id,
        event_id="evt_receipt",
        payment_method="pm_card_visa",
    )
    assert post(event)[0] == 200
    return payment


def run_worker(messages):
    return receipt_app.handler(sqs_event(messages), LambdaContext(function_name="EmailWorkerFunction"))


def test_receipt_is_sent_once_with_the_card_and_the_new_balance(succeeded, seeded):
    jobs = queue_messages(seeded["receipt_queue"])
    assert run_worker(jobs) == {"batchItemFailures": []}
    [email] = sent_emails(seeded["moto"])
    assert email["destinations"]["ToAddresses"] == ["ann@example.test"]
    assert email["source"] == "billing@acme.test"
    assert email["subject"] == "Receipt: $400.00 paid on invoice INV-1002"
    for needle in ("Visa ending in 4242", "$600.00 is still due on this invoice.", "help@acme.test"):
        assert needle in email["body"]
    _, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": succeeded.payment_id})
    assert body["receipt_sent"] is True and body["card"] == {"brand": "visa", "last4": "4242"}

    # The same job again (SQS redelivery, or a webhook retry re-queued it): no second email.
    assert run_worker(jobs) == {"batchItemFailures": []}
    assert len(sent_emails(seeded["moto"])) == 1


def test_a_failed_send_is_retried_not_lost(succeeded, seeded):
    jobs = queue_messages(seeded["receipt_queue"])
    with mock.patch("functions.email_worker.app.send_email", side_effect=RuntimeError("SES throttled")):
        result = run_worker(jobs)
    assert result == {"batchItemFailures": [{"itemIdentifier": jobs[0]["MessageId"]}]}
    assert sent_emails(seeded["moto"]) == []
    # The ledger's claim is still held; once it expires the redelivered job sends the receipt.
    entry = ProcessedEvent.get(f"receipt:client-a:{succeeded.payment_id}")
    assert entry.status == "sending"
    entry.update(actions=[ProcessedEvent.claimed_until.set(0)])
    assert run_worker(jobs) == {"batchItemFailures": []}
    assert len(sent_emails(seeded["moto"])) == 1


def test_a_job_held_by_another_worker_is_retried_later(succeeded, seeded):
    jobs = queue_messages(seeded["receipt_queue"])
    claim_email(f"receipt:client-a:{succeeded.payment_id}", "receipt")  # another worker, mid-send
    assert run_worker(jobs)["batchItemFailures"] == [{"itemIdentifier": jobs[0]["MessageId"]}]
    assert sent_emails(seeded["moto"]) == []


def test_jobs_for_unknown_or_unpaid_payments_send_nothing(seeded):
    job = {
        "MessageId": "m1",
        "ReceiptHandle": "h",
        "Body": json.dumps({"client_id": "client-a", "payment_id": "pay_missing"}),
    }
    assert run_worker([job]) == {"batchItemFailures": []}
    _, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "p"},
    )
    pending = {
        "MessageId": "m2",
        "ReceiptHandle": "h",
        "Body": json.dumps({"client_id": "client-a", "payment_id": body["payment_id"]}),
    }
    assert run_worker([pending]) == {"batchItemFailures": []}
    assert sent_emails(seeded["moto"]) == []


# ---- sending a receipt again -------------------------------------------------------------------------------


def resend(payment_id, at=None, client_id="client-a"):
    """POST /payments/{id}/receipt at the moment `at` (default: now)."""
    with pytest.MonkeyPatch.context() as patch:
        if at is not None:
            patch.setattr(clock, "now", lambda: at)
        return call("ResendReceiptFunction", path_parameters={"payment_id": payment_id}, client_id=client_id)


def test_a_receipt_can_be_sent_again_to_the_billing_email_once_per_interval(succeeded, seeded):
    run_worker(queue_messages(seeded["receipt_queue"]))  # the first receipt
    start = clock.now()
    status, body, _ = resend(succeeded.payment_id, start)
    assert status == 202
    _, payment, _ = call("GetPaymentFunction", path_parameters={"payment_id": succeeded.payment_id})
    assert body == {
        "payment_id": succeeded.payment_id,
        "receipt_reference": payment["receipt_reference"],
        "sent_to": "ann@example.test",
        "status": "queued",
    }
    assert run_worker(queue_messages(seeded["receipt_queue"])) == {"batchItemFailures": []}
    emails = sent_emails(seeded["moto"])
    assert [e["subject"] for e in emails] == ["Receipt: $400.00 paid on invoice INV-1002"] * 2
    assert payment["receipt_reference"] in emails[1]["body"]

    # A second click a few minutes later: 429 with when to ask again, nothing queued, nothing changed.
    before = table_snapshot()
    status, body, headers = resend(succeeded.payment_id, start + timedelta(minutes=4))
    assert (status, body["error"]["code"]) == (429, "receipt_recently_sent")
    assert body["error"]["retry_after_seconds"] == 360 and headers["Retry-After"] == "360"
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []
    # After the interval it may be sent again (a new email, not a replay of the last one).
    assert resend(succeeded.payment_id, start + timedelta(minutes=11))[0] == 202
    run_worker(queue_messages(seeded["receipt_queue"]))
    assert len(sent_emails(seeded["moto"])) == 3


def test_two_resend_clicks_at_once_queue_one_email(succeeded, seeded, monkeypatch):
    queue_messages(seeded["receipt_queue"])
    # The other click runs to completion between this one's read of the payment and its write.
    competitor = competing(monkeypatch, Payment, "get", lambda: resend(succeeded.payment_id))
    status, body, _ = resend(succeeded.payment_id)
    assert competitor.ran and competitor.result[0] == 202
    assert (status, body["error"]["code"]) == (429, "receipt_recently_sent")
    assert len(queue_messages(seeded["receipt_queue"])) == 1


def test_resend_refusals_change_nothing(seeded):
    _, pending, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "p"},
    )
    queue_messages(seeded["receipt_queue"])
    before = table_snapshot()
    for payment_id, client_id, want in (
        (pending["payment_id"], "client-a", (409, "receipt_not_available")),
        ("pay_missing", "client-a", (404, "payment_not_found")),
        (pending["payment_id"], "client-b", (404, "payment_not_found")),
    ):
        status, body, _ = resend(payment_id, client_id=client_id)
        assert (status, body["error"]["code"]) == want
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []

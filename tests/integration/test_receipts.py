"""The receipt worker (SQS -> SES): once per payment, not lost when sending fails."""

import json
from unittest import mock

import pytest

from functions.send_receipt import app as receipt_app
from infra.apigw import LambdaContext
from shared.models import Payment
from tests.helpers import call, queue_messages, sent_emails, signed_webhook, sqs_event
from tests.conftest import WEBHOOK_SECRET
from tests.helpers import intent_event


@pytest.fixture
def succeeded(seeded):
    """A 40,000-cent card payment on the partial invoice, confirmed with pm_card_visa at localstripe and
    reported succeeded by webhook; its receipt job waits on the queue."""
    import requests

    _, body, _ = call("CreatePaymentFunction", path_parameters={"invoice_id": "inv-part"},
                      body={"method": "card", "amount": 40000}, headers={"Idempotency-Key": "r"})
    payment = Payment.get("client-a", body["payment_id"])
    base, auth = seeded["stripe"].url, ("sk_test_portal", "")
    requests.post(f"{base}/v1/payment_intents/{payment.processor_payment_id}",
                  data={"payment_method": "pm_card_visa"}, auth=auth, timeout=5)
    requests.post(f"{base}/v1/payment_intents/{payment.processor_payment_id}/confirm", auth=auth, timeout=5)
    event = intent_event("payment_intent.succeeded", intent_id=payment.processor_payment_id, amount=40000,
                         client_id="client-a", invoice_id="inv-part", payment_id=payment.payment_id,
                         event_id="evt_receipt", payment_method="pm_card_visa")
    payload, headers = signed_webhook(event, WEBHOOK_SECRET)
    assert call("StripeWebhookFunction", body=payload, headers=headers, client_id=None)[0] == 200
    return payment


def run_worker(messages):
    return receipt_app.handler(sqs_event(messages), LambdaContext(function_name="SendReceiptFunction"))


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
    with mock.patch("functions.send_receipt.app.send_email", side_effect=RuntimeError("SES throttled")):
        result = run_worker(jobs)
    assert result == {"batchItemFailures": [{"itemIdentifier": jobs[0]["MessageId"]}]}
    assert sent_emails(seeded["moto"]) == []
    # The claim is still held; once it expires the redelivered job sends the receipt.
    payment = Payment.get("client-a", succeeded.payment_id)
    assert payment.receipt_status == "sending"
    payment.update(actions=[Payment.receipt_claimed_until.set(0)], add_version_condition=False)
    assert run_worker(jobs) == {"batchItemFailures": []}
    assert len(sent_emails(seeded["moto"])) == 1


def test_a_job_held_by_another_worker_is_retried_later(succeeded, seeded):
    jobs = queue_messages(seeded["receipt_queue"])
    payment = Payment.get("client-a", succeeded.payment_id)
    payment.update(actions=[Payment.receipt_status.set("sending"), Payment.receipt_claimed_until.set(2**40)],
                   add_version_condition=False)
    assert run_worker(jobs)["batchItemFailures"] == [{"itemIdentifier": jobs[0]["MessageId"]}]
    assert sent_emails(seeded["moto"]) == []


def test_jobs_for_unknown_or_unpaid_payments_send_nothing(seeded):
    job = {"MessageId": "m1", "ReceiptHandle": "h", "Body": json.dumps({"client_id": "client-a",
                                                                       "payment_id": "pay_missing"})}
    assert run_worker([job]) == {"batchItemFailures": []}
    _, body, _ = call("CreatePaymentFunction", path_parameters={"invoice_id": "inv-full"}, body={"method": "card"},
                      headers={"Idempotency-Key": "p"})
    pending = {"MessageId": "m2", "ReceiptHandle": "h", "Body": json.dumps({"client_id": "client-a",
                                                                           "payment_id": body["payment_id"]})}
    assert run_worker([pending]) == {"batchItemFailures": []}
    assert sent_emails(seeded["moto"]) == []

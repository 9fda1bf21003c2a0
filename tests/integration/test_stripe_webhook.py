"""POST /webhooks/stripe: signatures, payloads, and state changes under duplicate, reordered and
concurrent delivery. Events are built in the shape of Stripe's API reference (localstripe cannot send
payment_failed reasons, processing or canceled events)."""

import json
import time

import pytest

from shared.aws.models import Client, Invoice, Payment, ProcessedEvent
from shared.aws.store import money_of
from shared.books.dynamo import DynamoRepository
from tests.conftest import WEBHOOK_SECRET
from tests.drivers.stripe import post
from tests.helpers import call, intent_event, queue_messages, signed_webhook, table_snapshot
from tests.races import competing

HOOK = "StripeWebhookFunction"


@pytest.fixture
def started(seeded):
    """A 40,000-cent card payment on the partial-allowed invoice, as create-payment leaves it."""
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "k"},
    )
    assert status == 201
    payment = Payment.get("client-a", body["payment_id"])
    return payment


def event_for(payment, event_type, event_id, **kwargs):
    return intent_event(
        event_type,
        intent_id=payment.processor_payment_id,
        amount=payment.amount,
        client_id=payment.client_id,
        invoice_id=payment.invoice_id,
        payment_id=payment.payment_id,
        event_id=event_id,
        **kwargs,
    )


def state(payment):
    p = Payment.get(payment.client_id, payment.payment_id)
    i = Invoice.get(payment.client_id, payment.invoice_id)
    return p.status, i.status, i.amount_paid, i.amount_pending, money_of(i).balance


def test_succeeded_records_the_money_once_and_queues_one_receipt(started, seeded):
    status, body, _ = post(event_for(started, "payment_intent.succeeded", "evt_ok"))
    assert (status, body) == (200, {"received": True})
    assert state(started) == ("succeeded", "partially_paid", 40000, 0, 60000)
    assert Payment.get("client-a", started.payment_id).succeeded_at is not None
    assert Invoice.get("client-a", "inv-part").open_payment_id is None
    [job] = queue_messages(seeded["receipt_queue"])
    assert json.loads(job["Body"]) == {"client_id": "client-a", "payment_id": started.payment_id, "kind": "receipt"}


def test_full_payment_marks_the_invoice_paid(seeded):
    _, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "full"},
    )
    payment = Payment.get("client-a", body["payment_id"])
    post(event_for(payment, "payment_intent.succeeded", "evt_full"))
    assert state(payment) == ("succeeded", "paid", 125000, 0, 0)


def test_duplicate_delivery_changes_nothing_more(started, seeded):
    post(event_for(started, "payment_intent.succeeded", "evt_dup"))
    queue_messages(seeded["receipt_queue"])
    after_first = table_snapshot()
    status, body, _ = post(event_for(started, "payment_intent.succeeded", "evt_dup"))
    assert (status, body) == (200, {"received": True})
    assert table_snapshot() == after_first
    # the receipt has not been sent yet, so the retry queues it again (the worker sends it once)
    assert len(queue_messages(seeded["receipt_queue"])) == 1


def test_the_same_success_under_a_new_event_id_is_not_counted_twice(started):
    post(event_for(started, "payment_intent.succeeded", "evt_a"))
    post(event_for(started, "payment_intent.succeeded", "evt_b"))
    assert state(started) == ("succeeded", "partially_paid", 40000, 0, 60000)


def test_concurrent_deliveries_of_one_event_count_it_once(started, seeded, monkeypatch):
    """Stripe delivers one event twice at once: the second delivery is applied in full between the first
    one's read and its write."""

    event = event_for(started, "payment_intent.succeeded", "evt_race")
    other = competing(monkeypatch, DynamoRepository, "load", lambda: post(event))
    status, body, _ = post(event)
    assert other.result[:2] == (200, {"received": True})
    assert (status, body) == (200, {"received": True})  # its write was refused; it re-read: a duplicate
    assert state(started) == ("succeeded", "partially_paid", 40000, 0, 60000)
    assert [e.event_id for e in ProcessedEvent.scan()] == ["stripe:evt_race"]
    # the duplicate queues the unsent receipt again; the worker's ledger sends it once
    receipt = {"client_id": "client-a", "payment_id": started.payment_id, "kind": "receipt"}
    assert [json.loads(m["Body"]) for m in queue_messages(seeded["receipt_queue"])] == [receipt, receipt]


def test_a_success_applied_during_a_processing_event_is_not_undone(started, monkeypatch):
    """processing and succeeded arrive at once: the success is applied between the processing event's read
    and its write, which must not put the money back to pending."""

    success = competing(
        monkeypatch, DynamoRepository, "load", lambda: post(event_for(started, "payment_intent.succeeded", "evt_won"))
    )
    status, _, _ = post(event_for(started, "payment_intent.processing", "evt_late"))
    assert (status, success.result[0]) == (200, 200)
    assert state(started) == ("succeeded", "partially_paid", 40000, 0, 60000)


def test_decline_shows_the_reason_and_keeps_the_balance(started):
    post(
        event_for(
            started,
            "payment_intent.payment_failed",
            "evt_fail",
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            },
        )
    )
    assert state(started) == ("failed", "open", 0, 0, 100000)
    _, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": started.payment_id})
    assert body["failure"]["code"] == "insufficient_funds"
    assert "insufficient funds" in body["failure"]["message"]


def test_retry_after_decline_succeeds_and_clears_the_failure(started):
    now = int(time.time())
    post(
        event_for(
            started, "payment_intent.payment_failed", "evt_f1", created=now, last_payment_error={"code": "expired_card"}
        )
    )
    post(event_for(started, "payment_intent.succeeded", "evt_s1", created=now + 5))
    _, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": started.payment_id})
    assert body["status"] == "succeeded" and body["failure"] is None


@pytest.mark.parametrize(
    "order",
    [
        ("processing", "succeeded"),
        ("succeeded", "processing"),
        ("failed", "succeeded"),
        ("succeeded", "failed"),
        ("processing", "failed", "succeeded"),
        ("succeeded", "failed", "processing"),
    ],
)
def test_any_delivery_order_ends_in_the_in_order_state(started, order):
    types = {
        "processing": "payment_intent.processing",
        "succeeded": "payment_intent.succeeded",
        "failed": "payment_intent.payment_failed",
    }
    for i, name in enumerate(order):
        post(
            event_for(
                started,
                types[name],
                f"evt_{i}_{name}",
                created=1_700_000_000 + i,
                last_payment_error={"code": "card_declined"} if name == "failed" else None,
            )
        )
    assert state(started) == ("succeeded", "partially_paid", 40000, 0, 60000)


def test_processing_holds_the_money_as_pending(started):
    post(event_for(started, "payment_intent.processing", "evt_proc"))
    assert state(started) == ("processing", "partially_paid", 0, 40000, 60000)
    post(
        event_for(
            started,
            "payment_intent.payment_failed",
            "evt_proc_fail",
            last_payment_error={"code": "card_declined", "decline_code": "do_not_honor"},
        )
    )
    assert state(started) == ("failed", "open", 0, 0, 100000)


def test_canceled_releases_the_open_checkout(started):
    post(event_for(started, "payment_intent.canceled", "evt_cancel"))
    assert state(started)[0] == "canceled"
    assert Invoice.get("client-a", "inv-part").open_payment_id is None


def test_overpayment_is_kept_as_client_credit(seeded):
    _, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "over"},
    )
    payment = Payment.get("client-a", body["payment_id"])
    event = event_for(payment, "payment_intent.succeeded", "evt_over")
    event["data"]["object"]["amount_received"] = 130000  # the processor says more arrived than was owed
    post(event)
    invoice = Invoice.get("client-a", "inv-full")
    assert (invoice.amount_paid, invoice.status) == (125000, "paid")
    assert Client.get("client-a").credit_balance == 5000
    assert Payment.get("client-a", payment.payment_id).credited_amount == 5000


def test_every_event_id_is_recorded(started):
    post(event_for(started, "payment_intent.succeeded", "evt_rec"))
    post(event_for(started, "payment_intent.payment_failed", "evt_late_fail"))  # ignored, but recorded
    assert {e.event_id for e in ProcessedEvent.scan()} == {"stripe:evt_rec", "stripe:evt_late_fail"}


@pytest.mark.parametrize(
    "mutate,code",
    [
        (dict(secret="whsec_wrong"), "invalid_signature"),
        (dict(timestamp=int(time.time()) - 3600), "invalid_signature"),  # stale: a replay
        (dict(timestamp=int(time.time()) + 3600), "invalid_signature"),
        (dict(signature=""), "invalid_signature"),
        (dict(signature="t=1,v1=deadbeef"), "invalid_signature"),
    ],
)
def test_bad_signatures_are_400_and_change_nothing(started, seeded, mutate, code):
    before = table_snapshot()
    status, body, _ = post(event_for(started, "payment_intent.succeeded", "evt_bad"), **mutate)
    assert (status, body["error"]["code"]) == (400, code)
    assert table_snapshot() == before
    assert queue_messages(seeded["receipt_queue"]) == []


def test_missing_signature_header_is_400(started):
    before = table_snapshot()
    payload = json.dumps(event_for(started, "payment_intent.succeeded", "evt_nohdr")).encode()
    status, body, _ = call(HOOK, body=payload, client_id=None)
    assert (status, body["error"]["code"]) == (400, "invalid_signature")
    assert table_snapshot() == before


def test_a_body_changed_after_signing_is_rejected(started):
    before = table_snapshot()
    event = event_for(started, "payment_intent.succeeded", "evt_tamper")
    payload, headers = signed_webhook(event, WEBHOOK_SECRET)
    tampered = payload.replace(b'"amount": 40000', b'"amount": 1')
    assert tampered != payload
    status, body, _ = call(HOOK, body=tampered, headers=headers, client_id=None)
    assert (status, body["error"]["code"]) == (400, "invalid_signature")
    assert table_snapshot() == before


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"id": "evt_x"}',
        b'{"id": "evt_x", "type": "payment_intent.succeeded", "created": 1, "data": {"object": {"id": 5}}}',
    ],
)
def test_malformed_but_signed_bodies_are_400_invalid_payload(started, payload):
    before = table_snapshot()
    status, body, _ = post(payload)
    assert (status, body["error"]["code"]) == (400, "invalid_payload")
    assert table_snapshot() == before


def test_unhandled_event_types_are_acknowledged_and_change_nothing(started):
    before = table_snapshot()
    event = event_for(started, "payment_intent.created", "evt_created")
    assert post(event)[:2] == (200, {"received": True})
    customer_event = {
        "id": "evt_c",
        "type": "customer.updated",
        "created": int(time.time()),
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    assert post(customer_event)[:2] == (200, {"received": True})
    assert table_snapshot() == before


def test_events_for_unknown_payments_or_mismatched_ids_change_nothing(started):
    before = table_snapshot()
    unknown = event_for(started, "payment_intent.succeeded", "evt_unknown")
    unknown["data"]["object"]["metadata"]["payment_id"] = "pay_unknown"
    assert post(unknown)[:2] == (200, {"received": True})
    other_client = event_for(started, "payment_intent.succeeded", "evt_other")
    other_client["data"]["object"]["metadata"]["client_id"] = "client-b"
    assert post(other_client)[:2] == (200, {"received": True})
    wrong_intent = event_for(started, "payment_intent.succeeded", "evt_wrong_pi")
    wrong_intent["data"]["object"]["id"] = "pi_someone_elses"
    assert post(wrong_intent)[:2] == (200, {"received": True})
    assert table_snapshot() == before


def test_base64_encoded_bodies_are_verified_on_the_decoded_bytes(started):
    import base64

    from functions.stripe_webhook.app import handler
    from infra.apigw import LambdaContext, http_event

    payload, headers = signed_webhook(event_for(started, "payment_intent.succeeded", "evt_b64"), WEBHOOK_SECRET)
    event = http_event(
        "POST", "/webhooks/stripe", headers=headers | {"content-type": "application/octet-stream"}, body=payload
    )
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == payload
    assert handler(event, LambdaContext())["statusCode"] == 200
    assert state(started)[0] == "succeeded"

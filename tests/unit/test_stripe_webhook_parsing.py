import json
import time

import pytest
import stripe

from shared.processors import stripe_events, stripe_signature
from tests.helpers import intent_event

SECRET = "whsec_unit"


def test_our_signature_check_agrees_with_stripe_python():
    payload = json.dumps({"id": "evt_1", "object": "event"}).encode()
    header = stripe_signature.sign(payload, SECRET, int(time.time()))
    stripe.WebhookSignature.verify_header(payload.decode(), header, SECRET, tolerance=300)  # stripe accepts ours
    # and we accept what stripe-python generates
    timestamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload.decode()}", SECRET)
    stripe_signature.verify(payload, f"t={timestamp},v1={signature}", SECRET)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00", "v1=00", "t=123"])
def test_malformed_headers_are_rejected(header):
    with pytest.raises(stripe_signature.InvalidSignature):
        stripe_signature.verify(b"{}", header, SECRET)


def test_wrong_secret_tampered_body_and_stale_timestamp_are_rejected():
    payload, now = b'{"id":"evt_1"}', int(time.time())
    header = stripe_signature.sign(payload, SECRET, now)
    with pytest.raises(stripe_signature.InvalidSignature):
        stripe_signature.verify(payload, header, "whsec_other")
    with pytest.raises(stripe_signature.InvalidSignature):
        stripe_signature.verify(payload + b" ", header, SECRET)
    with pytest.raises(stripe_signature.InvalidSignature, match="tolerance"):
        stripe_signature.verify(payload, stripe_signature.sign(payload, SECRET, now - 301), SECRET)
    stripe_signature.verify(payload, stripe_signature.sign(payload, SECRET, now - 299), SECRET)


def test_a_rotated_secret_header_with_several_v1_signatures_is_accepted():
    payload, now = b"{}", int(time.time())
    good = stripe_signature.sign(payload, SECRET, now).split("v1=")[1]
    stripe_signature.verify(payload, f"t={now},v1={'0' * 64},v1={good}", SECRET)


def event(event_type="payment_intent.succeeded", **kwargs):
    args = dict(intent_id="pi_1", amount=5000, client_id="c", invoice_id="i", payment_id="p", event_id="evt_1")
    return json.dumps(intent_event(event_type, **(args | kwargs))).encode()


def update_of(payload):
    return stripe_events.payment_update(stripe_events.parse(payload))


def test_payment_failed_carries_the_decline_reason():
    update = update_of(
        event(
            "payment_intent.payment_failed",
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "x",
            },
        )
    )
    assert update.outcome.status == "failed"
    assert update.outcome.failure.code == "insufficient_funds"


def test_an_intent_event_names_stripe_card_payments_with_its_currency_and_what_was_received():
    payload = json.loads(event(amount=5000))
    payload["data"]["object"].update(amount_received=4000, currency="EUR")
    update = update_of(json.dumps(payload).encode())
    assert (update.processor, update.method, update.processor_payment_id) == ("stripe", "card", "pi_1")
    assert (update.outcome.amount, update.outcome.currency) == (4000, "eur")


def dispute_event(event_type="charge.dispute.funds_withdrawn", **fields):
    obj = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 5000,
        "currency": "usd",
        "status": "needs_response",
        "payment_intent": "pi_1",
        "balance_transactions": [{"id": "txn_1", "object": "balance_transaction", "amount": -5000, "currency": "usd"}],
    } | fields
    return stripe_events.parse(
        json.dumps({"id": "evt_d", "type": event_type, "created": 7, "data": {"object": obj}}).encode()
    )


def test_a_dispute_event_reports_its_status_funds_and_signal():
    intent_id, report = stripe_events.dispute_report(dispute_event())
    assert intent_id == "pi_1"
    assert (report.dispute_id, report.status, report.amount, report.currency, report.at) == (
        "dp_1",
        "needs_response",
        5000,
        "usd",
        7,
    )
    assert [(e.amount, e.currency) for e in report.balance_transactions] == [(-5000, "usd")]
    assert (report.funds_withdrawn, report.funds_reinstated) == (True, False)
    assert stripe_events.dispute_report(dispute_event(payment_intent={"id": "pi_2"}))[0] == "pi_2"  # expanded
    assert stripe_events.dispute_report(dispute_event(payment_intent=None))[0] is None


@pytest.mark.parametrize(
    "fields",
    [
        {"status": None},
        {"amount": "5000"},
        {"currency": ""},
        {"balance_transactions": None},
        {"balance_transactions": [{"amount": -1}]},
        {"payment_intent": 5},
    ],
)
def test_malformed_dispute_events_are_invalid(fields):
    with pytest.raises(stripe_events.InvalidPayload):
        stripe_events.dispute_report(dispute_event(**fields))


def test_intents_this_system_did_not_create_are_not_updates():
    foreign = intent_event(
        "payment_intent.succeeded",
        intent_id="pi_x",
        amount=1,
        client_id="c",
        invoice_id="i",
        payment_id="p",
        event_id="evt_2",
    )
    foreign["data"]["object"]["metadata"] = {}
    assert update_of(json.dumps(foreign).encode()) is None


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        b'{"id": "evt_1"}',
        b'{"id": 1, "type": "x", "created": 1}',
        b'{"id": "e", "type": "payment_intent.succeeded", "created": 1, "data": {"object": {"id": "pi_1"}}}',
        b"\xff\xfe",
    ],
)
def test_malformed_events_are_invalid(payload):
    with pytest.raises(stripe_events.InvalidPayload):
        update_of(payload)


def test_card_snapshot_keeps_display_fields_only():
    card = stripe_events.card_snapshot(
        {
            "id": "pm_1",
            "type": "card",
            "customer": "cus_1",
            "card": {"brand": "visa", "last4": "4242", "exp_month": 4, "exp_year": 2031, "fingerprint": "abc"},
        }
    )
    assert card == stripe_events.CardSnapshot("pm_1", "cus_1", "visa", "4242", 4, 2031)
    assert stripe_events.card_snapshot({"id": "pm_2", "type": "sepa_debit"}) is None

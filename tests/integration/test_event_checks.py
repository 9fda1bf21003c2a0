"""Stripe payment_intent events checked against the record: only a Stripe card payment with this intent id
(or, with none stored, one Stripe's own record ties to the intent), and the event's currency and amount
compared with the payment. Signed events in the shape of Stripe's API reference; the intent lookup goes to
localstripe through the handler, or to an in-memory fake through the service."""

import json
import os

import pytest
import requests

from shared.aws.models import Invoice, Payment
from shared.http.errors import ProcessorUnavailable
from shared.processors.card import IntentOutcome
from shared.processors.stripe_events import parse
from shared.services import stripe_webhooks
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import pay_ach, verified_bank
from tests.drivers.stripe import deliver, post
from tests.helpers import call, intent_event, table_snapshot, without_events

AUTH = (STRIPE_API_KEY, "")


def card_payment(seeded, amount=40000, key="card"):
    _, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": amount},
        headers={"Idempotency-Key": key},
    )
    return Payment.get("client-a", body["payment_id"])


def succeeded(payment, event_id, *, intent_id=None, **fields):
    evt = intent_event(
        "payment_intent.succeeded",
        intent_id=intent_id or payment.processor_payment_id,
        amount=payment.amount,
        client_id=payment.client_id,
        invoice_id=payment.invoice_id,
        payment_id=payment.payment_id,
        event_id=event_id,
    )
    evt["data"]["object"].update(fields)
    return evt


def state(payment):
    p = Payment.get(payment.client_id, payment.payment_id)
    i = Invoice.get(payment.client_id, payment.invoice_id)
    return p.status, p.amount, i.status, i.amount_paid


def forget_intent_id(payment):
    """As if Stripe's answer to the intent's creation had been lost before the payment stored its id."""
    payment.update(actions=[Payment.processor_payment_id.remove()])


def test_a_card_event_naming_an_ach_payment_in_its_metadata_changes_nothing(seeded, capsys):
    method_id = verified_bank(seeded["ach"])
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={  # Dwolla refuses the transfer
            "path_prefix": "/transfers",
            "method": "POST",
            "status": 400,
            "count": 1,
            "body": {"code": "ValidationError", "message": "Validation error(s) present."},
        },
    )
    status, body, _ = pay_ach("inv-part", method_id, amount=40000)
    assert (status, body["status"]) == (201, "failed")
    refused = Payment.get("client-a", body["payment_id"])
    assert refused.processor_payment_id is None
    before = table_snapshot()
    assert deliver(succeeded(refused, "evt_forged", intent_id="pi_unrelated"), capsys) == 1
    assert table_snapshot() == before
    assert state(refused) == ("failed", 40000, "open", 0)


def test_without_a_stored_intent_id_only_stripes_own_record_ties_an_intent_to_the_payment(seeded, capsys):
    payment = card_payment(seeded)
    intent_id = payment.processor_payment_id
    forget_intent_id(payment)
    # An intent of the same Stripe account whose own metadata names another payment.
    other = requests.post(
        f"{seeded['stripe'].url}/v1/payment_intents",
        auth=AUTH,
        timeout=5,
        data={
            "amount": 40000,
            "currency": "usd",
            "metadata[client_id]": "client-a",
            "metadata[invoice_id]": "inv-part",
            "metadata[payment_id]": "pay_someone_else",
        },
    ).json()["id"]
    before = table_snapshot()
    assert deliver(succeeded(payment, "evt_other", intent_id=other), capsys) == 1
    assert table_snapshot() == before

    assert deliver(succeeded(payment, "evt_own", intent_id=intent_id), capsys) == 0
    assert state(payment) == ("succeeded", 40000, "partially_paid", 40000)
    assert Payment.get("client-a", payment.payment_id).processor_payment_id == intent_id


def test_an_amount_received_that_differs_counts_what_stripe_received_once_and_raises_the_alarm(seeded, capsys):
    payment = card_payment(seeded)
    assert deliver(succeeded(payment, "evt_one_cent", amount_received=1), capsys) == 1
    assert state(payment) == ("succeeded", 1, "partially_paid", 1)
    after = table_snapshot()
    assert deliver(succeeded(payment, "evt_one_cent", amount_received=1), capsys) == 0  # redelivered
    assert table_snapshot() == after
    deliver(succeeded(payment, "evt_full"), capsys)  # another success for the same payment counts nothing
    assert state(payment) == ("succeeded", 1, "partially_paid", 1)


def test_another_currency_is_refused_recorded_once_and_raises_the_alarm(seeded, capsys):
    payment = card_payment(seeded)
    before = table_snapshot()
    jpy = succeeded(payment, "evt_jpy", currency="jpy")
    assert deliver(jpy, capsys) == 1
    after = table_snapshot()
    assert without_events(after) == without_events(before)
    events = os.environ["EVENTS_TABLE"]
    assert len(after[events]) == len(before[events]) + 1
    assert deliver(jpy, capsys) == 0 and table_snapshot() == after  # a redelivery: recorded once, no new alarm
    deliver(succeeded(payment, "evt_usd", currency="USD"), capsys)  # Stripe's own currency, any case
    assert state(payment) == ("succeeded", 40000, "partially_paid", 40000)


@pytest.mark.parametrize("field,value", [("currency", None), ("currency", ""), ("amount_received", "40000")])
def test_an_intent_event_without_a_currency_or_with_a_bad_amount_received_is_400(seeded, field, value):
    payment = card_payment(seeded)
    evt = succeeded(payment, "evt_partial", **{field: value})
    before = table_snapshot()
    status, body, _ = post(evt)
    assert (status, body["error"]["code"]) == (400, "invalid_payload")
    assert table_snapshot() == before


# ---- the service, with an in-memory card port ---------------------------------------------------------------


class FakeIntents:
    def __init__(self, intents: dict[str, IntentOutcome] | None = None, fail: bool = False):
        self.intents, self.fail, self.asked = intents or {}, fail, []

    def __call__(self, intent_id: str) -> IntentOutcome:
        self.asked.append(intent_id)
        if self.fail:
            raise ProcessorUnavailable()
        return self.intents[intent_id]


def handle(evt, fake):
    return stripe_webhooks.handle(
        parse(json.dumps(evt).encode()),
        enqueue=lambda job: None,
        stripe=stripe_webhooks.StripeSide(card_details=lambda pm: None, intent_outcome=fake),
    )


def outcome_for(payment, intent_id, **metadata):
    ids = {"client_id": payment.client_id, "invoice_id": payment.invoice_id, "payment_id": payment.payment_id}
    return IntentOutcome(
        id=intent_id, status="succeeded", amount=payment.amount, amount_received=payment.amount, metadata=ids | metadata
    )


def test_stripe_is_asked_only_when_no_intent_id_is_stored(seeded):
    payment = card_payment(seeded)
    fake = FakeIntents()
    assert handle(succeeded(payment, "evt_stored"), fake).outcome == "applied"
    assert fake.asked == []


def test_the_lookup_accepts_only_an_intent_whose_own_metadata_names_the_payment(seeded):
    payment = card_payment(seeded)
    forget_intent_id(payment)
    fake = FakeIntents(
        {"pi_x": outcome_for(payment, "pi_x", payment_id="pay_other"), "pi_y": outcome_for(payment, "pi_y")}
    )
    before = table_snapshot()
    result = handle(succeeded(payment, "evt_x", intent_id="pi_x"), fake)
    assert (result.outcome, result.anomaly) == ("unknown_payment", "processor_id_mismatch")
    assert table_snapshot() == before
    assert handle(succeeded(payment, "evt_y", intent_id="pi_y"), fake).outcome == "applied"
    assert fake.asked == ["pi_x", "pi_y"]
    assert Payment.get("client-a", payment.payment_id).processor_payment_id == "pi_y"


def test_stripe_unavailable_for_the_lookup_changes_nothing_so_stripe_retries(seeded):
    payment = card_payment(seeded)
    forget_intent_id(payment)
    before = table_snapshot()
    with pytest.raises(ProcessorUnavailable):  # the handler answers 503; Stripe delivers the event again
        handle(succeeded(payment, "evt_later", intent_id="pi_y"), FakeIntents(fail=True))
    assert table_snapshot() == before

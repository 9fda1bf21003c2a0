"""The processors' own limits, enforced before anything is sent: Stripe's 255-character idempotency keys and
eight-digit amounts, the ACH transfer limit; and a request Stripe refuses as invalid is a documented 4xx, never
a 500."""

import pytest
import requests

from infra.seed import put_invoice
from shared.aws.models import Client, Payment
from shared.http.errors import ProcessorRefused, Unprocessable
from shared.processors.card import IntentRequest
from shared.processors.factory import card_processor
from shared.processors.stripe_cards import stripe_idempotency_key
from tests.drivers.ach import pay_ach, verified_bank
from tests.helpers import call, table_snapshot


def stripe_requests(seeded, path="/v1/payment_intents"):
    return [
        r
        for r in requests.get(f"{seeded['stripe'].url}/_config/shim/requests", timeout=5).json()
        if r["path"] == path and r["method"] == "POST"
    ]


def pay(invoice_id, key, **body):
    return call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": invoice_id},
        body={"method": "card", **body},
        headers={"Idempotency-Key": key},
    )


# ---------- idempotency keys ----------


def test_a_key_stripe_takes_is_sent_as_it_is_and_replays_with_it(seeded):
    status, payment, _ = pay("inv-full", "k" * 200)
    assert status == 201
    [sent] = stripe_requests(seeded)
    stored = Payment.get("client-a", payment["payment_id"]).processor_idempotency_key
    assert sent["idempotency_key"] == stored == "client-a:" + "k" * 200  # the key payments were always made with


def test_the_longest_key_a_client_may_send_reaches_stripe_as_a_digest_and_replays(seeded):
    key = "k" * 255  # the API's limit; with "client-a:" in front it is 264 characters, over Stripe's 255
    status, first, _ = pay("inv-full", key)
    assert status == 201
    [sent] = stripe_requests(seeded)
    assert sent["status"] == 200 and len(sent["idempotency_key"]) <= 255
    assert sent["idempotency_key"] == stripe_idempotency_key("client-a:" + key)
    status, again, headers = pay("inv-full", key)
    assert (status, again["payment_id"], headers["Idempotent-Replayed"]) == (201, first["payment_id"], "true")
    assert again["client_secret"] == first["client_secret"]  # the same PaymentIntent


def test_digests_differ_per_key_and_never_look_like_a_composite_key():
    a, b = stripe_idempotency_key("client-a:" + "x" * 300), stripe_idempotency_key("client-a:" + "y" * 300)
    assert a != b and a.startswith("~sha256:") and len(a) == 72
    assert stripe_idempotency_key("client-a:k") == "client-a:k"
    assert stripe_idempotency_key("client-a:k\u00e9").startswith("~sha256:")  # not ASCII: never sent as is


def test_the_local_stripe_refuses_a_key_over_255_characters_as_stripe_does(seeded):
    response = requests.post(
        f"{seeded['stripe'].url}/v1/customers",
        auth=("sk_test_portal", ""),
        data={"email": "a@b.test"},
        headers={"Idempotency-Key": "k" * 256},
        timeout=5,
    )
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"


# ---------- amounts ----------


def test_a_card_amount_over_stripes_maximum_is_refused_before_stripe(seeded):
    put_invoice(
        "client-a", "inv-huge", number="INV-9", total=99_999_999, fees=2500, due_date="2030-01-01", allow_partial=True
    )  # a late fee took the balance one fee over the largest card payment
    before = table_snapshot()
    status, body, _ = pay("inv-huge", "huge-1")
    assert (status, body["error"]["code"]) == (422, "amount_above_card_maximum")
    assert "$999,999.99" in body["error"]["message"]
    assert table_snapshot() == before and stripe_requests(seeded) == []
    status, body, _ = pay("inv-huge", "huge-2", amount=99_999_999)  # the largest part is fine
    assert (status, body["amount"]) == (201, 99_999_999)


def test_the_local_stripe_refuses_an_amount_over_eight_digits_as_stripe_does(seeded):
    customer = card_processor().ensure_customer(client_id="client-a", email="ann@example.test", name="Ann")
    with pytest.raises(ProcessorRefused) as refused:
        card_processor().create_intent(
            IntentRequest(
                amount=100_000_000,
                currency="usd",
                customer_id=customer,
                client_id="client-a",
                invoice_id="inv-full",
                payment_id="pay_x",
                description="x",
                receipt_email="ann@example.test",
                save_for_later=False,
                idempotency_key="client-a:too-large",
            )
        )
    assert (refused.value.status, refused.value.code, refused.value.processor_code) == (
        422,
        "processor_refused",
        "amount_too_large",
    )


def test_an_ach_amount_over_the_transfer_limit_is_refused_before_anything_is_recorded(seeded, monkeypatch):
    put_invoice("client-a", "inv-big", number="INV-8", total=600_000, due_date="2030-01-01", allow_partial=True)
    bank = verified_bank(seeded["ach"])
    transfers_before = len(seeded["ach"].transfers)
    before = table_snapshot()
    status, body, _ = pay_ach("inv-big", bank, key="big-1")
    assert (status, body["error"]["code"]) == (422, "amount_above_ach_maximum")
    assert "$5,000.00" in body["error"]["message"]
    assert table_snapshot() == before and len(seeded["ach"].transfers) == transfers_before
    assert pay_ach("inv-big", bank, key="big-2", amount=500_000)[0] == 201  # at the limit: sent
    monkeypatch.setenv("ACH_MAX_TRANSFER_CENTS", "1000")  # a merchant's own lower limit
    status, body, _ = pay_ach("inv-big", bank, key="big-3", amount=1001)
    assert (status, body["error"]["code"]) == (422, "amount_above_ach_maximum")


# ---------- Stripe's refusals ----------


def test_a_request_stripe_refuses_is_422_processor_refused_and_changes_nothing(seeded):
    """A customer deleted in Stripe's Dashboard: Stripe answers 404 resource_missing to the new PaymentIntent."""
    Client("client-a").update(actions=[Client.stripe_customer_id.set("cus_deleted_in_dashboard")])
    before = table_snapshot()
    status, body, _ = pay("inv-full", "gone-1")
    assert (status, body["error"]["code"]) == (422, "processor_refused")
    assert "nothing was charged" in body["error"]["message"]
    assert table_snapshot() == before


def test_a_key_stripe_saw_with_other_parameters_is_idempotency_key_reused(seeded):
    customer = card_processor().ensure_customer(client_id="client-a", email="ann@example.test", name="Ann")
    request = IntentRequest(
        amount=5000,
        currency="usd",
        customer_id=customer,
        client_id="client-a",
        invoice_id="inv-part",
        payment_id="pay_y",
        description="x",
        receipt_email="ann@example.test",
        save_for_later=False,
        idempotency_key="client-a:reused",
    )
    card_processor().create_intent(request)
    with pytest.raises(Unprocessable) as refused:
        card_processor().create_intent(IntentRequest(**{**request.__dict__, "amount": 6000}))
    assert refused.value.code == "idempotency_key_reused"

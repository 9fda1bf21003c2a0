"""POST /invoices/{id}/payments against moto (server mode) and localstripe."""

import pytest
import requests

from shared.aws.models import Invoice, Payment
from shared.aws.store import money_of
from shared.books.dynamo import DynamoRepository
from shared.processors.stripe_cards import API_VERSION
from tests.helpers import call, table_snapshot
from tests.races import competing

PAY = "CreatePaymentFunction"


def pay(invoice_id, body=None, key="key-1", client_id="client-a", headers=None):
    hdrs = {"Idempotency-Key": key} if key is not None else {}
    return call(
        PAY,
        path_parameters={"invoice_id": invoice_id},
        body=body if body is not None else {"method": "card"},
        headers=hdrs | (headers or {}),
        client_id=client_id,
    )


def stripe_requests(seeded, path="/v1/payment_intents"):
    return [
        r for r in requests.get(f"{seeded['stripe'].url}/_config/shim/requests", timeout=5).json() if r["path"] == path
    ]


def test_full_payment_creates_one_payment_intent_and_returns_its_client_secret(seeded):
    status, body, headers = pay("inv-full")
    assert status == 201
    assert body["amount"] == 125000 and body["status"] == "pending" and body["method"] == "card"
    assert body["client_secret"].startswith("pi_") and "_secret_" in body["client_secret"]
    assert headers["Idempotent-Replayed"] == "false"
    [sent] = stripe_requests(seeded)
    params = sent["params"]
    assert params["amount"] == "125000" and params["currency"] == "usd"
    assert params["customer"].startswith("cus_")
    assert params["metadata"] == {"client_id": "client-a", "invoice_id": "inv-full", "payment_id": body["payment_id"]}
    assert params["description"] == "Acme Bookkeeping invoice INV-1001"
    assert params["allowed_payment_method_types"] == ["card"]
    assert "receipt_email" not in params  # the one receipt is ours (SES); Stripe's own stays off by default
    assert (sent["idempotency_key"], sent["stripe_version"]) == ("client-a:key-1", API_VERSION)
    # an unconfirmed card payment does not change what the invoice shows as owed
    invoice = Invoice.get("client-a", "inv-full")
    assert money_of(invoice).balance == 125000
    assert invoice.open_payment_id == body["payment_id"] and invoice.status == "open"


def test_stripe_emails_its_own_receipt_only_when_the_setting_says_so(seeded, monkeypatch):
    from shared.processors.factory import forget_processors

    monkeypatch.setenv("STRIPE_RECEIPT_EMAILS", "true")
    forget_processors()  # the adapter reads its settings once per container
    try:
        assert pay("inv-full", key="with-stripe-receipt")[0] == 201
    finally:
        monkeypatch.delenv("STRIPE_RECEIPT_EMAILS")
        forget_processors()
    assert pay("inv-part", {"method": "card", "amount": 5000}, key="without")[0] == 201
    first, second = stripe_requests(seeded)
    assert first["params"]["receipt_email"] == "ann@example.test"
    assert "receipt_email" not in second["params"]


def test_partial_payment_within_the_rules(seeded):
    status, body, _ = pay("inv-part", {"method": "card", "amount": 5000})
    assert status == 201 and body["amount"] == 5000


def test_same_key_and_body_returns_the_same_payment_and_payment_intent(seeded):
    _, first, _ = pay("inv-full", key="retry-me")
    status, second, headers = pay("inv-full", key="retry-me")
    assert status == 201 and headers["Idempotent-Replayed"] == "true"
    assert second["payment_id"] == first["payment_id"]
    assert second["client_secret"] == first["client_secret"]
    assert len(stripe_requests(seeded)) == 1
    assert len(list(Payment.query("client-a"))) == 1


def test_same_key_with_another_body_is_refused_and_changes_nothing(seeded):
    pay("inv-part", {"method": "card", "amount": 5000}, key="k")
    before = table_snapshot()
    status, body, _ = pay("inv-part", {"method": "card", "amount": 6000}, key="k")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")
    status, body, _ = pay("inv-full", {"method": "card"}, key="k")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")
    assert table_snapshot() == before


def test_keys_are_scoped_per_client(seeded):
    _, a, _ = pay("inv-full", key="shared-key", client_id="client-a")
    status, b, _ = pay("inv-b", key="shared-key", client_id="client-b")
    assert status == 201 and b["payment_id"] != a["payment_id"]


@pytest.mark.parametrize(
    "invoice_id,body,key,status,code",
    [
        ("inv-full", {"method": "card"}, None, 400, "idempotency_key_required"),
        ("inv-full", "{not json", "k", 400, "invalid_json"),
        ("inv-full", [1, 2], "k", 400, "invalid_json"),
        ("inv-full", {"method": "card", "amount": 0}, "k", 422, "invalid_amount"),
        ("inv-full", {"method": "card", "amount": -100}, "k", 422, "invalid_amount"),
        ("inv-full", {"method": "card", "amount": 10.5}, "k", 422, "invalid_amount"),
        ("inv-full", {"method": "card", "amount": "5000"}, "k", 422, "invalid_amount"),
        ("inv-full", {"method": "cash"}, "k", 422, "unsupported_method"),
        ("inv-full", {"amount": 5000}, "k", 422, "unsupported_method"),
        ("inv-full", {"method": "card", "save_payment_method": "yes"}, "k", 422, "invalid_field"),
        ("inv-full", {"method": "card", "amount": 5000}, "k", 422, "partial_payment_not_allowed"),
        ("inv-part", {"method": "card", "amount": 100001}, "k", 422, "amount_exceeds_balance"),
        ("inv-part", {"method": "card", "amount": 4999}, "k", 422, "amount_below_minimum"),
        ("inv-paid", {"method": "card"}, "k", 409, "invoice_paid"),
        ("inv-void", {"method": "card"}, "k", 409, "invoice_void"),
        ("inv-b", {"method": "card"}, "k", 404, "invoice_not_found"),  # client-b's invoice
        ("inv-nope", {"method": "card"}, "k", 404, "invoice_not_found"),
        ("inv-full", {"method": "card", "payment_method_id": "pm_other"}, "k", 404, "payment_method_not_found"),
    ],
)
def test_bad_requests_get_a_clear_error_and_change_nothing(seeded, invoice_id, body, key, status, code):
    before = table_snapshot()
    got_status, got, _ = pay(invoice_id, body, key=key)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert got["error"]["message"].endswith(".")
    assert table_snapshot() == before
    assert stripe_requests(seeded) == []  # nothing was sent to Stripe either


def test_missing_identity_is_401(seeded):
    before = table_snapshot()
    status, body, _ = call(
        PAY,
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "k"},
        claims={"sub": "someone"},
    )
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert table_snapshot() == before


def test_a_new_payment_replaces_the_unconfirmed_one(seeded):
    _, first, _ = pay("inv-full", key="tab-1")
    status, second, _ = pay("inv-full", key="tab-2")
    assert status == 201 and second["payment_id"] != first["payment_id"]
    assert Payment.get("client-a", first["payment_id"]).status == "canceled"
    first_intent = Payment.get("client-a", first["payment_id"]).processor_payment_id
    intent = requests.get(
        f"{seeded['stripe'].url}/v1/payment_intents/{first_intent}", auth=("sk_test_portal", ""), timeout=5
    ).json()
    assert intent["status"] == "canceled"  # the first tab can no longer confirm it
    assert Invoice.get("client-a", "inv-full").open_payment_id == second["payment_id"]


def test_a_confirmed_payment_is_never_replaced(seeded):
    _, first, _ = pay("inv-full", key="tab-1")
    intent_id = Payment.get("client-a", first["payment_id"]).processor_payment_id
    base, auth = seeded["stripe"].url, ("sk_test_portal", "")
    requests.post(f"{base}/v1/payment_intents/{intent_id}", data={"payment_method": "pm_card_visa"}, auth=auth)
    confirmed = requests.post(f"{base}/v1/payment_intents/{intent_id}/confirm", auth=auth, timeout=5).json()
    assert confirmed["status"] == "succeeded"  # money moved, webhook not yet here
    before = table_snapshot()
    status, body, _ = pay("inv-full", key="tab-2")
    assert (status, body["error"]["code"]) == (409, "payment_in_progress")
    assert table_snapshot() == before


def test_two_racing_requests_never_leave_two_confirmable_intents(seeded, monkeypatch):
    """Two tabs at once: the other tab's payment is recorded between this request's read and its write."""

    other_tab = competing(monkeypatch, DynamoRepository, "load", lambda: pay("inv-full", key="tab-2"))
    status, this_tab, _ = pay("inv-full", key="tab-1")
    other_status, other, _ = other_tab.result
    assert (status, other_status) == (201, 201)
    # This request's write was refused (the invoice changed); it decided again and replaced the other one.
    assert Payment.get("client-a", other["payment_id"]).status == "canceled"
    assert [p.payment_id for p in Payment.query("client-a") if p.status == "pending"] == [this_tab["payment_id"]]
    assert Invoice.get("client-a", "inv-full").open_payment_id == this_tab["payment_id"]
    other_intent = other["client_secret"].split("_secret_")[0]
    intent = requests.get(
        f"{seeded['stripe'].url}/v1/payment_intents/{other_intent}", auth=("sk_test_portal", ""), timeout=5
    ).json()
    assert intent["status"] == "canceled"  # the other tab can no longer charge the client


def test_same_key_double_click_creates_one_payment(seeded, monkeypatch):
    """The second click's request completes between the first one's read and its write."""

    second = competing(monkeypatch, DynamoRepository, "load", lambda: pay("inv-full", key="dbl"))
    status, first, headers = pay("inv-full", key="dbl")
    second_status, second_body, second_headers = second.result
    assert (second_status, second_headers["Idempotent-Replayed"]) == (201, "false")
    # The first request's write was refused (the key was taken meanwhile): it answers as a replay.
    assert (status, headers["Idempotent-Replayed"]) == (201, "true")
    assert first == second_body  # the same payment and the same PaymentIntent to confirm
    [payment] = Payment.query("client-a")
    assert payment.payment_id == first["payment_id"]
    assert payment.processor_payment_id == first["client_secret"].split("_secret_")[0]


def test_one_stripe_customer_per_client(seeded):
    pay("inv-full", key="a")
    pay("inv-part", {"method": "card", "amount": 5000}, key="b")
    customers = {r["params"]["customer"] for r in stripe_requests(seeded)}
    assert len(customers) == 1
    assert len(stripe_requests(seeded, "/v1/customers")) == 1


def test_save_payment_method_asks_stripe_to_keep_the_card(seeded):
    pay("inv-full", {"method": "card", "save_payment_method": True})
    [sent] = stripe_requests(seeded)
    assert sent["params"]["setup_future_usage"] == "off_session"

"""Every request the Stripe adapter can send, sent for real to the local Stripe and held against the request
types stripe-python generates from Stripe's OpenAPI spec for the pinned API version (`stripe.params`)."""

import re
import tomllib
from pathlib import Path

import pytest
import requests
import stripe

from infra import stripe_contract
from shared.processors.card import IntentCanceled, IntentRequest, OffSessionCharge
from shared.processors.refunds import StripeRefunds
from shared.processors.stripe_cards import API_VERSION, StripeCards
from tests.conftest import STRIPE_API_KEY

ROOT = Path(__file__).resolve().parents[2]
AUTH = (STRIPE_API_KEY, "")


@pytest.fixture
def stripe_base(fake_stripe):
    requests.delete(f"{fake_stripe.url}/_config/shim/data", timeout=10)
    return fake_stripe.url


def recorded(base: str) -> list[dict]:
    return requests.get(f"{base}/_config/shim/requests", timeout=5).json()


def calls_in_code() -> set[tuple[str, str]]:
    """Every `_client.v1.<service>.<method>` the production code makes."""
    return {
        (m[1], m[2])
        for path in (ROOT / "shared").rglob("*.py")
        for m in re.finditer(r"_client\.v1\.(\w+)\.(\w+)", path.read_text())
    }


def attached_card(base: str, customer: str, number: str = "4242424242424242") -> str:
    method = requests.post(
        f"{base}/v1/payment_methods",
        auth=AUTH,
        timeout=5,
        data={
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    ).json()["id"]
    requests.post(
        f"{base}/v1/payment_methods/{method}/attach", data={"customer": customer}, auth=AUTH, timeout=5
    ).raise_for_status()
    return method


def intent_request(customer: str, key: str, **options) -> IntentRequest:
    return IntentRequest(
        amount=125000,
        currency="usd",
        customer_id=customer,
        client_id="client-a",
        invoice_id="inv-full",
        payment_id="pay-1",
        description="Acme invoice INV-1001",
        receipt_email="ann@example.test",
        idempotency_key=key,
        **options,
    )


def drive_every_call(base: str) -> None:
    """Each adapter method once, with every option on (saved card, save for later, Stripe's receipt,
    metadata) and through its error paths (cancel a confirmed intent, confirm a cancelled one)."""
    cards = StripeCards(STRIPE_API_KEY, base, stripe_receipts=True)
    customer = cards.ensure_customer(client_id="client-a", email="ann@example.test", name="Ann Archer")
    card = attached_card(base, customer)
    saved = cards.create_intent(intent_request(customer, "k-1", save_for_later=True, payment_method=card))
    assert cards.retrieve_intent(saved.id).status == "requires_confirmation"
    assert cards.card_details(card).last4 == "4242"
    assert cards.confirm_intent(saved.id).status == "succeeded"
    assert cards.intent_outcome(saved.id).status == "succeeded"
    assert cards.cancel_intent(saved.id) is False  # confirmed: never replaced
    refund = StripeRefunds(cards).refund(
        processor_payment_id=saved.id,
        processor_method_id=card,
        amount=5000,
        metadata={"client_id": "client-a", "refund_id": "ref-1"},
        idempotency_key="refund:ref-1",
        reason="fraudulent",
    )
    assert refund.processor_refund_id.startswith("re_")
    assert [r.id for r in cards.refunds_of(saved.id)] == [refund.processor_refund_id]
    unconfirmed = cards.create_intent(intent_request(customer, "k-2", save_for_later=False, payment_method=card))
    assert cards.cancel_intent(unconfirmed.id) is True
    with pytest.raises(IntentCanceled):
        cards.confirm_intent(unconfirmed.id)
    assert cards.create_setup_intent(customer_id=customer, client_id="client-a").startswith("seti_")
    cards.detach(card)
    # POST /payments: a card Stripe.js collected, its funding read, one intent for several invoices with the card fee
    new_card = requests.post(
        f"{base}/v1/payment_methods",
        timeout=5,
        data={
            "key": "pk_test_portal",
            "type": "card",
            "card[number]": "5200828282828210",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    ).json()["id"]
    assert cards.card_details(new_card).funding == "debit"
    several = cards.create_intent(
        intent_request(
            customer,
            "k-3",
            save_for_later=True,
            payment_method=new_card,
            metadata={"invoice_count": "2", "card_fee": "0"},
        )
    )
    assert cards.confirm_intent(several.id).status == "succeeded"


def test_the_pinned_version_is_the_one_the_installed_sdk_was_generated_for():
    """Bumping stripe-python changes the types the contract tests judge by: pin both together."""
    assert API_VERSION == stripe_contract.API_VERSION
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert f"stripe=={stripe.VERSION}" in pyproject["project"]["dependencies"]
    for lock in ("requirements.lock", "requirements-dev.lock"):
        assert re.findall(r"^stripe==(\S+)", (ROOT / lock).read_text(), re.M) == [stripe.VERSION], lock


def test_every_request_the_adapter_sends_is_one_the_pinned_api_accepts(stripe_base):
    drive_every_call(stripe_base)
    sent = [r for r in recorded(stripe_base) if r["stripe_version"] is not None]  # the adapter's, not the setup's
    assert sent and {r["stripe_version"] for r in sent} == {API_VERSION}
    for request in sent:
        problems = stripe_contract.check(request["method"], request["path"], request["params"])
        assert problems == [], (request["method"], request["path"], problems)
    # Every option really went out (the check above judged them, not a trimmed-down request).
    [create, _, several] = [r["params"] for r in sent if (r["method"], r["path"]) == ("POST", "/v1/payment_intents")]
    assert {
        "setup_future_usage",
        "payment_method",
        "receipt_email",
        "metadata",
        "customer",
        "description",
        "allowed_payment_method_types",
    } <= create.keys()
    assert several["metadata"] == {
        "client_id": "client-a",
        "invoice_id": "inv-full",
        "payment_id": "pay-1",
        "invoice_count": "2",
        "card_fee": "0",
    }
    # Every call in the code was driven: a new one fails here until drive_every_call sends it too.
    driven = {stripe_contract.route_for(r["method"], r["path"]) for r in sent}
    missing = {call for call in calls_in_code() if stripe_contract.route_of_call(*call) not in driven}
    assert not missing, f"not driven by drive_every_call: {missing}"


def off_session(customer: str, card: str, key: str) -> OffSessionCharge:
    return OffSessionCharge(
        amount=42000,
        currency="usd",
        customer_id=customer,
        payment_method=card,
        client_id="client-a",
        invoice_id="inv-full",
        payment_id="pay-auto-1",
        description="Invoice INV-1001 (autopay)",
        idempotency_key=key,
    )


def test_an_autopay_charge_is_off_session_confirmed_at_creation_with_the_saved_card_and_its_customer(stripe_base):
    """Autopay's one request: a PaymentIntent with off_session and confirm, the saved PaymentMethod and its
    customer, judged against stripe-python 16.1's PaymentIntentCreateParams; Stripe's three answers (charged;
    declined; authentication the absent client cannot give) all carry the intent, and the same key charges once."""
    cards = StripeCards(STRIPE_API_KEY, stripe_base)
    customer = cards.ensure_customer(client_id="client-a", email="ann@example.test", name="Ann Archer")
    paid = cards.charge_off_session(off_session(customer, attached_card(stripe_base, customer), "autopay:k1"))
    declining = attached_card(stripe_base, customer, "4000000000000341")  # attaches, then every charge declines
    declined = cards.charge_off_session(off_session(customer, declining, "autopay:k2"))
    asks = cards.charge_off_session(
        off_session(customer, attached_card(stripe_base, customer, "4000002760003184"), "autopay:k3")
    )
    again = cards.charge_off_session(off_session(customer, declining, "autopay:k2"))

    assert paid[1].status == "succeeded" and all(intent.startswith("pi_") for intent, _ in (paid, declined, asks))
    assert (declined[1].failure_code, declined[1].decline_code) == ("card_declined", "generic_decline")
    assert (asks[1].failure_code, asks[1].decline_code) == ("authentication_required", "authentication_required")
    assert cards.intent_outcome(asks[0]).status == "requires_payment_method"  # nobody can complete 3-D Secure
    assert again == declined  # the same key: Stripe answers the first result again, nothing new is charged
    creates = [r for r in recorded(stripe_base) if (r["method"], r["path"]) == ("POST", "/v1/payment_intents")]
    assert len({r["idempotency_key"] for r in creates}) == 3 and all(
        r["stripe_version"] == API_VERSION for r in creates
    )
    for request in creates:
        assert stripe_contract.check("POST", "/v1/payment_intents", request["params"]) == []
        params = request["params"]
        assert (params["off_session"], params["confirm"], params["customer"]) == ("true", "true", customer)
        assert params["payment_method"].startswith("pm_") and params["allowed_payment_method_types"] == ["card"]
        assert params["metadata"]["payment_id"] == "pay-auto-1"
    assert count(stripe_base, "payment_intents") == 3


def test_the_code_calls_every_route_the_adapter_port_needs():
    """The list the test above compares with is real (a broken regex would make it vacuous)."""
    assert {
        ("payment_intents", "create"),
        ("payment_intents", "retrieve"),
        ("payment_intents", "confirm"),
        ("payment_intents", "cancel"),
        ("setup_intents", "create"),
        ("customers", "create"),
        ("payment_methods", "retrieve"),
        ("payment_methods", "detach"),
        ("refunds", "create"),
    } <= calls_in_code()


def test_the_checker_refuses_what_the_pinned_version_refuses():
    """The judge itself, on requests Stripe refuses in this version."""

    def codes(method, path, params):
        return [(p.param, p.code) for p in stripe_contract.check(method, path, params)]

    intent = {"amount": "1000", "currency": "usd"}
    assert codes("POST", "/v1/payment_intents", intent) == []
    assert codes("POST", "/v1/payment_intents", intent | {"payment_method_types": ["card"]}) == [
        ("payment_method_types", "parameter_unknown")
    ]
    assert codes("POST", "/v1/setup_intents", {"payment_method_types": ["card"]}) == [
        ("payment_method_types", "parameter_unknown")
    ]
    assert codes(
        "POST", "/v1/payment_intents", intent | {"automatic_payment_methods": {"enabled": "true", "colour": "red"}}
    ) == [("automatic_payment_methods[colour]", "parameter_unknown")]
    assert codes("POST", "/v1/payment_intents", {"currency": "usd"}) == [("amount", "parameter_missing")]
    assert codes("POST", "/v1/payment_intents", intent | {"amount": "10.5"}) == [
        ("amount", "parameter_invalid_integer")
    ]
    assert codes("POST", "/v1/payment_intents", intent | {"setup_future_usage": "sometimes"}) == [
        ("setup_future_usage", None)
    ]
    assert codes("POST", "/v1/payment_intents", intent | {"allowed_payment_method_types": ["card", "cash"]}) == [
        ("allowed_payment_method_types[1]", None)
    ]
    assert codes("POST", "/v1/payment_intents", intent | {"allowed_payment_method_types": "card"}) == [
        ("allowed_payment_method_types", None)
    ]
    assert codes("POST", "/v1/payment_intents", intent | {"metadata": {"any_key": "v"}}) == []
    assert codes("POST", "/v1/payment_methods/pm_1/detach", {"customer": "cus_1"}) == [
        ("customer", "parameter_unknown")
    ]
    assert codes("POST", "/v1/customers", {"api_key": "sk_x"}) == [("api_key", "parameter_unknown")]  # a client option
    assert codes("POST", "/v1/charges/ch_1/teleport", {}) == [("", None)]


def post(base: str, path: str, data: dict, **headers) -> requests.Response:
    return requests.post(f"{base}{path}", data=data, auth=AUTH, headers=headers, timeout=5)


def count(base: str, resource: str) -> int:
    return len(requests.get(f"{base}/v1/{resource}", auth=AUTH, timeout=5).json()["data"])


def test_the_local_stripe_answers_an_unknown_parameter_as_stripe_does_and_creates_nothing(stripe_base):
    response = post(stripe_base, "/v1/customers", {"email": "ann@example.test", "colour": "red"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "type": "invalid_request_error",
            "code": "parameter_unknown",
            "param": "colour",
            "message": "Received unknown parameter: colour",
            "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown",
        }
    }
    nested = post(
        stripe_base,
        "/v1/payment_intents",
        {
            "amount": "1000",
            "currency": "usd",
            "automatic_payment_methods[enabled]": "true",
            "automatic_payment_methods[colour]": "red",
        },
    )
    assert (nested.status_code, nested.json()["error"]["code"], nested.json()["error"]["param"]) == (
        400,
        "parameter_unknown",
        "automatic_payment_methods[colour]",
    )
    assert count(stripe_base, "customers") == 0 and count(stripe_base, "payment_intents") == 0
    assert [r["status"] for r in recorded(stripe_base)][:2] == [400, 400]  # still recorded, as sent


@pytest.mark.parametrize(
    "path,params,status,code,param",
    [
        (
            "/v1/payment_intents",
            {"amount": "1000", "currency": "usd", "payment_method_types[0]": "card"},
            400,
            "payment_method_types_no_longer_supported",
            "payment_method_types",
        ),
        (
            "/v1/setup_intents",
            {"payment_method_types[0]": "card"},
            400,
            "payment_method_types_no_longer_supported",
            "payment_method_types",
        ),
        ("/v1/payment_intents", {"currency": "usd"}, 400, "parameter_missing", "amount"),
        ("/v1/payment_intents", {"amount": "ten", "currency": "usd"}, 400, "parameter_invalid_integer", "amount"),
        (
            "/v1/payment_intents",
            {"amount": "1000", "currency": "usd", "capture_method": "later"},
            400,
            None,
            "capture_method",
        ),
        ("/v1/payment_intents/pi_1/teleport", {}, 404, None, None),
    ],
)
def test_the_local_stripe_refuses_what_stripe_refuses(stripe_base, path, params, status, code, param):
    response = post(stripe_base, path, params)
    error = response.json()["error"]
    assert (response.status_code, error["type"], error.get("code"), error.get("param")) == (
        status,
        "invalid_request_error",
        code,
        param,
    )
    assert error["message"]
    assert count(stripe_base, "payment_intents") == 0 and count(stripe_base, "setup_intents") == 0


def test_stripe_python_surfaces_the_refusal_so_the_adapter_cannot_pass_a_removed_parameter(stripe_base):
    client = stripe.StripeClient(STRIPE_API_KEY, base_addresses={"api": stripe_base}, stripe_version=API_VERSION)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", "payment_method_types": ["card"]})  # type: ignore[typeddict-unknown-key]
    assert (refused.value.http_status, refused.value.code) == (400, "payment_method_types_no_longer_supported")


def test_a_refused_request_does_not_use_up_its_idempotency_key(stripe_base):
    """Stripe keeps no idempotent result for a request that failed validation."""
    bad = post(stripe_base, "/v1/customers", {"colour": "red"}, **{"Idempotency-Key": "k"})
    good = post(stripe_base, "/v1/customers", {"email": "ann@example.test"}, **{"Idempotency-Key": "k"})
    assert (bad.status_code, good.status_code) == (400, 200)
    again = post(stripe_base, "/v1/customers", {"email": "ann@example.test"}, **{"Idempotency-Key": "k"})
    assert again.json()["id"] == good.json()["id"] and again.headers["Idempotent-Replayed"] == "true"


def test_the_local_stripe_refuses_another_api_version_it_cannot_judge(stripe_base):
    response = post(stripe_base, "/v1/customers", {"email": "ann@example.test"}, **{"Stripe-Version": "2020-08-27"})
    assert response.status_code == 400 and API_VERSION in response.json()["error"]["message"]
    assert count(stripe_base, "customers") == 0


def test_confirming_a_cancelled_intent_gets_stripes_unexpected_state_error(stripe_base):
    intent = post(
        stripe_base, "/v1/payment_intents", {"amount": "1000", "currency": "usd", "payment_method": "pm_card_visa"}
    ).json()
    post(stripe_base, f"/v1/payment_intents/{intent['id']}/cancel", {}).raise_for_status()
    response = post(stripe_base, f"/v1/payment_intents/{intent['id']}/confirm", {})
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["payment_intent"]["status"]) == (
        400,
        "payment_intent_unexpected_state",
        "canceled",
    )
    assert "status of canceled" in error["message"]

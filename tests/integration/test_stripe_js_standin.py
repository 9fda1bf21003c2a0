"""The local Stripe wrapper answers what Stripe.js sends for confirmCardPayment / confirmCardSetup as Stripe
does: a publishable key and the intent's client secret, the card as payment_method_data, form-encoded."""

import requests

from tests.conftest import STRIPE_API_KEY

PK = "pk_test_portal"


def _secret_key() -> requests.Session:
    s = requests.Session()
    s.auth = (STRIPE_API_KEY, "")
    return s


def _intent(stripe_url: str, amount: int = 5000) -> dict:
    return (
        _secret_key()
        .post(
            f"{stripe_url}/v1/payment_intents",
            data={"amount": amount, "currency": "usd", "allowed_payment_method_types[]": "card"},
            timeout=10,
        )
        .json()
    )


def _card(number: str) -> dict:
    return {
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": number,
        "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "2034",
        "payment_method_data[card][cvc]": "123",
        "payment_method_data[billing_details][address][postal_code]": "10001",
        "payment_method_data[guid]": "g",
        "payment_method_data[muid]": "m",
        "payment_method_data[payment_user_agent]": "stripe.js/abc",
        "expected_payment_method_type": "card",
        "use_stripe_sdk": "true",
    }


def _confirm(
    stripe_url: str,
    intent: dict,
    data: dict,
    *,
    kind: str = "payment_intents",
    key: str = PK,
    secret: str | None = None,
) -> requests.Response:
    return requests.post(
        f"{stripe_url}/v1/{kind}/{intent['id']}/confirm",
        timeout=10,
        data={**data, "key": key, "client_secret": secret or intent["client_secret"]},
    )


def _read(stripe_url: str, intent: dict, kind: str = "payment_intents") -> dict:
    return _secret_key().get(f"{stripe_url}/v1/{kind}/{intent['id']}", timeout=10).json()


def test_the_stand_in_script_is_served_instead_of_localstripes(aws):
    script = requests.get(f"{aws['stripe'].url}/js.stripe.com/v3/", timeout=10)
    assert script.status_code == 200 and "payment_method_data" in script.text and "confirmCardSetup" in script.text


def test_confirm_with_the_card_succeeds_with_the_brand(aws):
    url = aws["stripe"].url
    intent = _intent(url)
    answer = _confirm(url, intent, _card("5555555555554444"))
    assert answer.status_code == 200 and answer.json()["status"] == "succeeded"
    stored = _read(url, intent)
    method = _secret_key().get(f"{url}/v1/payment_methods/{stored['payment_method']}", timeout=10).json()
    assert (method["card"]["brand"], method["card"]["last4"]) == ("mastercard", "4444")


def test_a_declined_card_is_a_402_card_error_with_its_reason_and_another_card_then_pays(aws):
    url = aws["stripe"].url
    intent = _intent(url)
    declined = _confirm(url, intent, _card("4000000000009995"))
    error = declined.json()["error"]
    assert declined.status_code == 402
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "insufficient_funds",
    )
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert (
        error["payment_intent"]["last_payment_error"]["decline_code"] == "insufficient_funds"
    )  # as the webhook sends it
    again = _confirm(url, intent, _card("4242424242424242"))
    assert again.status_code == 200 and again.json()["status"] == "succeeded"


def test_three_d_secure_then_authenticated_or_failed(aws):
    url = aws["stripe"].url
    for success, status in (("true", "succeeded"), ("false", "requires_payment_method")):
        intent = _intent(url)
        asked = _confirm(url, intent, _card("4000002760003184"))
        assert asked.status_code == 200 and asked.json()["status"] == "requires_action"
        assert asked.json()["next_action"]["type"] == "use_stripe_sdk"
        done = requests.post(
            f"{url}/v1/payment_intents/{intent['id']}/_authenticate?success={success}",
            timeout=10,
            data={"key": PK, "client_secret": intent["client_secret"]},
        )
        assert done.status_code == 200
        read = requests.get(
            f"{url}/v1/payment_intents/{intent['id']}",
            timeout=10,
            params={"key": PK, "client_secret": intent["client_secret"]},
        ).json()
        assert read["status"] == status
        if success == "false":
            assert read["last_payment_error"]["code"] == "payment_intent_authentication_failure"


def test_wrong_client_secret_or_key_is_refused_and_the_intent_unchanged(aws):
    url = aws["stripe"].url
    intent = _intent(url)
    wrong = _confirm(url, intent, _card("4242424242424242"), secret=intent["id"] + "_secret_nope")
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "client_secret"
    no_key = _confirm(url, intent, _card("4242424242424242"), key="")
    assert no_key.status_code == 401
    assert _read(url, intent)["status"] == "requires_payment_method"


def test_confirming_a_succeeded_intent_again_is_refused(aws):
    url = aws["stripe"].url
    intent = _intent(url)
    assert _confirm(url, intent, _card("4242424242424242")).status_code == 200
    again = _confirm(url, intent, _card("4242424242424242"))
    assert again.status_code == 400 and again.json()["error"]["code"] == "payment_intent_unexpected_state"


def test_setup_intent_saves_a_card_or_declines_it(aws):
    url = aws["stripe"].url
    customer = _secret_key().post(f"{url}/v1/customers", data={"email": "a@b.test"}, timeout=10).json()
    for number, status in (("4242424242424242", 200), ("4000000000000002", 402)):
        setup = _secret_key().post(f"{url}/v1/setup_intents", data={"customer": customer["id"]}, timeout=10).json()
        answer = _confirm(url, setup, _card(number), kind="setup_intents")
        assert answer.status_code == status
        if status == 402:
            error = answer.json()["error"]
            assert (error["type"], error["code"]) == ("card_error", "card_declined")
            assert error["setup_intent"]["status"] == "requires_payment_method"
        else:
            assert answer.json()["status"] == "succeeded"

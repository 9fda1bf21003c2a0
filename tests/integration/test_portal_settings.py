"""GET /portal-settings: what the portal loads before sign-in, with no token."""

import pytest

from shared.domain.merchant import Merchant
from shared.http.portal_settings import portal_settings
from tests.helpers import call, table_snapshot

MERCHANT = Merchant(
    name="Acme Bookkeeping",
    sender_email="billing@acme.test",
    support_email="help@acme.test",
    support_phone="",
    portal_url="",
)


@pytest.fixture
def deployed_env(monkeypatch):
    monkeypatch.setenv("USER_POOL_ID", "us-east-1_pool")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "app-client")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_settings")


def test_answers_without_a_token_with_the_pool_key_and_brands(aws, deployed_env):
    before = table_snapshot()
    status, body, headers = call("PortalSettingsFunction", client_id=None, query={"ignored": "x"})
    assert status == 200
    assert (body["user_pool_id"], body["user_pool_client_id"], body["stripe_publishable_key"]) == (
        "us-east-1_pool",
        "app-client",
        "pk_test_settings",
    )
    assert body["card_brands"] == ["visa", "mastercard", "amex", "discover"]
    assert body["payment_methods"] == ["card", "ach"]
    # What the payment form checks before sending, and the debit authorization it shows with a checkbox.
    assert body["card_minimum_amounts"]["usd"] == 50 and body["card_minimum_amounts"]["gbp"] == 30
    assert body["micro_deposit_attempts"] == 3
    assert body["receipt_resend_interval_seconds"] == 600
    assert body["ach_authorization_text"].startswith(
        "I authorize Acme Bookkeeping to make a one-time electronic debit (ACH)"
    )
    assert body["merchant"] == {
        "name": "Acme Bookkeeping",
        "support_email": "help@acme.test",
        "support_phone": "+1 555 0100",
        "time_zone": "America/New_York",
    }
    # Cognito's rules for a new password (the pool's own, from template.yaml), shown before it is sent; and
    # the reminder days PATCH /account accepts.
    assert body["password_policy"]["minimum_length"] >= 8
    assert body["reminder_days"] == {"choices": [1, 3, 7, 14], "max_chosen": 3, "min_day": 1, "max_day": 30}
    # Locally (tests, make local) sign-in and Stripe.js point at the stand-ins the backend itself uses.
    assert body["identity_endpoint"] == aws["moto"] + "/"
    assert body["stripe_js_url"] == aws["stripe"].url + "/js.stripe.com/v3/"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert table_snapshot() == before


def test_deployed_values_use_aws_and_stripe_themselves():
    settings = portal_settings({"AWS_REGION": "eu-west-1", "USER_POOL_ID": "eu-west-1_x"}, MERCHANT)
    assert settings["identity_endpoint"] == "https://cognito-idp.eu-west-1.amazonaws.com/"
    assert settings["stripe_js_url"] == "https://js.stripe.com/v3/"
    assert settings["stripe_publishable_key"] == ""  # not configured: the portal offers no card form
    assert settings["merchant"]["support_phone"] is None

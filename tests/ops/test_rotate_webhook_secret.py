"""Rotating a webhook secret: during the overlap an event signed with either secret is accepted; after it, only
the new one; a bad new secret changes nothing."""

import io
import json
import os
import time

import boto3
import pytest

from ops import rotate_webhook_secret
from shared.aws import secrets
from shared.aws.secrets import webhook_secrets
from tests.conftest import ACH_WEBHOOK_SECRET, WEBHOOK_SECRET
from tests.drivers.ach import deliver, envelope
from tests.drivers.stripe import post
from tests.helpers import intent_event, table_snapshot

NEW_STRIPE = "whsec_rolled_2026_12_01_abcdefghijkl"
NEW_ACH = "a-new-dwolla-subscription-secret-0123456789"


def _rotate(processor, *args, stdin=""):
    result = rotate_webhook_secret.main(["--processor", processor, *args], stdin=io.StringIO(stdin))
    secrets.forget_cached_values()  # the functions' 5-minute cache, elapsed
    return result


def _stripe(secret):
    event = intent_event(
        "payment_intent.processing",
        intent_id="pi_none",
        amount=100,
        client_id="client-a",
        invoice_id="inv-full",
        payment_id="pay-none",
        event_id=f"evt_{time.time_ns()}",
    )
    return post(event, secret=secret)[0]


def _ach(secret):
    return deliver(envelope("customer_created", "https://ach.test/customers/1"), secret=secret)[0]


def _stored(arn):
    return json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def test_stripe_events_signed_with_either_secret_pass_during_the_overlap_and_only_the_new_one_after(seeded):
    arn = os.environ["STRIPE_SECRET_ARN"]
    _rotate("stripe", "--secret-id", arn, stdin=NEW_STRIPE + "\n")
    assert (_stripe(WEBHOOK_SECRET), _stripe(NEW_STRIPE)) == (200, 200)
    _rotate("stripe", "--secret-id", arn, "--finish")
    assert _stored(arn) == {"api_key": "sk_test_portal", "webhook_secret": NEW_STRIPE}
    before = table_snapshot()
    assert (_stripe(WEBHOOK_SECRET), _stripe(NEW_STRIPE)) == (400, 200)
    assert table_snapshot() == before


def test_ach_events_signed_with_either_secret_pass_during_the_overlap(seeded):
    arn = os.environ["ACH_SECRET_ARN"]
    _rotate("ach", "--secret-id", arn, "--overlap-hours", "2", stdin=NEW_ACH)
    stored = _stored(arn)
    assert stored["webhook_secret"] == NEW_ACH and stored["previous_webhook_secret"] == ACH_WEBHOOK_SECRET
    assert abs(stored["previous_webhook_secret_expires_at"] - (time.time() + 7200)) < 60
    assert (_ach(ACH_WEBHOOK_SECRET), _ach(NEW_ACH), _ach("neither-of-them")) == (200, 200, 400)


def test_the_old_secret_is_refused_once_the_overlap_ended():
    secret = {"webhook_secret": "new", "previous_webhook_secret": "old", "previous_webhook_secret_expires_at": 1000}
    assert webhook_secrets(secret, now=999) == ["new", "old"]
    assert webhook_secrets(secret, now=1000) == ["new"]
    assert webhook_secrets(secret | {"previous_webhook_secret_expires_at": "never"}, now=0) == ["new"]
    assert webhook_secrets({"webhook_secret": "new", "previous_webhook_secret": "old"}, now=0) == ["new"]


@pytest.mark.parametrize(
    "processor,new,message",
    [
        ("stripe", "", "empty or too short"),
        ("stripe", "whsec_short", "empty or too short"),
        ("stripe", "unset", "empty or too short"),
        ("stripe", "not-a-stripe-signing-secret", "starts with whsec_"),
        ("stripe", WEBHOOK_SECRET + "\n", "already the current secret"),
        ("ach", "short", "empty or too short"),
    ],
)
def test_a_bad_new_secret_changes_nothing(aws, processor, new, message):
    arn = os.environ["STRIPE_SECRET_ARN" if processor == "stripe" else "ACH_SECRET_ARN"]
    before = _stored(arn)
    with pytest.raises(SystemExit, match=message):
        _rotate(processor, "--secret-id", arn, stdin=new)
    assert _stored(arn) == before

"""Fail closed while a processor secret is still what template.yaml created: each webhook answers 503 to every
event (the processor retries later) and changes nothing, payments are refused with 503, a log names the secret
and an alarmed metric counts it; once the real values are put, the retried event is applied."""

import json
import os
import secrets as random_secrets

import boto3
import pytest
import requests

from infra import template
from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from shared.aws import secrets
from shared.aws.models import Payment
from shared.processors.factory import forget_processors
from tests.conftest import ACH_WEBHOOK_SECRET, STRIPE_API_KEY, WEBHOOK_SECRET
from tests.drivers import ach
from tests.drivers.ach import envelope, pay_ach, simulate, verified_bank
from tests.drivers.stripe import post
from tests.helpers import call, intent_event, table_snapshot

REAL_STRIPE = {"api_key": STRIPE_API_KEY, "webhook_secret": WEBHOOK_SECRET}


def as_deployed(logical_id: str) -> dict:
    """The secret's value right after `sam deploy`: the template's fields plus its generated one."""
    generate = template.resources("AWS::SecretsManager::Secret")[logical_id]["Properties"]["GenerateSecretString"]
    return json.loads(generate["SecretStringTemplate"]) | {generate["GenerateStringKey"]: random_secrets.token_hex(20)}


def put_secret(arn_variable: str, value) -> None:
    """What `aws secretsmanager put-secret-value` does, seen by a fresh container (no cached secret or client)."""
    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ[arn_variable], SecretString=value if isinstance(value, str) else json.dumps(value)
    )
    secrets.forget_cached_values()
    forget_processors()


def real_ach() -> dict:
    return {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "webhook_secret": ACH_WEBHOOK_SECRET,
    }


def emitted_metrics(out: str) -> dict[str, list[float]]:
    """Every metric value in the EMF documents the invocations printed, by metric name."""
    values: dict[str, list[float]] = {}
    for doc in (json.loads(line) for line in out.splitlines() if '"_aws"' in line):
        for metric in (m for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]):
            value = doc[metric["Name"]]
            values.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    return values


def refusal_logs(caplog) -> list[dict]:
    """The refusals logged, with every key of the structured log line."""
    return [vars(r) for r in caplog.records if r.getMessage().startswith("processor secret not configured")]


@pytest.fixture
def card_payment(seeded):
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "k"},
    )
    assert status == 201
    return Payment.get("client-a", body["payment_id"])


def succeeded_event(payment):
    return intent_event(
        "payment_intent.succeeded",
        intent_id=payment.processor_payment_id,
        amount=payment.amount,
        client_id=payment.client_id,
        invoice_id=payment.invoice_id,
        payment_id=payment.payment_id,
        event_id="evt_placeholder",
    )


def test_stripe_webhook_refuses_every_event_until_the_secret_is_put(card_payment, capsys, caplog):
    deployed = as_deployed("StripeSecret")
    put_secret("STRIPE_SECRET_ARN", deployed)
    event = succeeded_event(card_payment)
    before = table_snapshot()
    capsys.readouterr()
    # Signed with the template's marker, its generated filler, nothing, or the real secret to come: all refused.
    signing_secrets = {*deployed.values(), "", WEBHOOK_SECRET}
    for signing_secret in signing_secrets:
        status, body, _ = post(event, secret=signing_secret)
        assert (status, body["error"]["code"]) == (503, "processor_unavailable"), signing_secret
    assert table_snapshot() == before

    assert emitted_metrics(capsys.readouterr().out)["SecretNotConfigured"] == [1.0] * len(signing_secrets)
    logs = refusal_logs(caplog)
    assert len(logs) == len(signing_secrets) and {
        (log["levelname"], log["secret"], tuple(log["fields"])) for log in logs
    } == {("ERROR", "StripeSecret", ("api_key", "webhook_secret"))}

    put_secret("STRIPE_SECRET_ARN", REAL_STRIPE)  # the operator's put-secret-value; Stripe retries the event
    assert post(event, secret=WEBHOOK_SECRET)[0] == 200
    assert Payment.get("client-a", card_payment.payment_id).status == "succeeded"


@pytest.mark.parametrize(
    "field, value",
    [
        ("webhook_secret", "unset"),
        ("webhook_secret", " UNSET "),
        ("webhook_secret", ""),
        ("webhook_secret", None),
        ("api_key", "unset"),
        ("api_key", None),
    ],
)
def test_one_stripe_field_not_configured_keeps_the_webhook_closed(card_payment, caplog, field, value):
    secret = {k: v for k, v in (REAL_STRIPE | {field: value}).items() if v is not None}
    put_secret("STRIPE_SECRET_ARN", secret)
    signing_secret = secret.get("webhook_secret") or "unset"
    before = table_snapshot()
    caplog.clear()
    status, body, _ = post(succeeded_event(card_payment), secret=signing_secret)
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    assert table_snapshot() == before
    [log] = refusal_logs(caplog)
    assert log["fields"] == [field]
    logged = json.dumps(log, default=str)
    assert STRIPE_API_KEY not in logged and WEBHOOK_SECRET not in logged  # fields are named, values never


@pytest.mark.parametrize("value", ["not json", "[]"])
def test_a_stripe_secret_that_is_not_a_json_object_keeps_the_webhook_closed(card_payment, value):
    put_secret("STRIPE_SECRET_ARN", value)
    before = table_snapshot()
    status, body, _ = post(succeeded_event(card_payment), secret=WEBHOOK_SECRET)
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    assert table_snapshot() == before


@pytest.fixture
def ach_payment(seeded):
    """A 40,000-cent ACH payment whose transfer has settled at the processor; its webhook is still to come."""
    status, payment, _ = pay_ach("inv-part", verified_bank(seeded["ach"]), amount=40000)
    assert status == 201
    simulate(seeded["ach"])
    return Payment.get("client-a", payment["payment_id"])


@pytest.mark.parametrize(
    "secret, signing_secret",
    [
        (as_deployed("AchSecret"), None),  # credentials "unset"; signed with the generated webhook secret
        (real_ach() | {"webhook_secret": "unset"}, "unset"),
    ],
    ids=["as_deployed", "webhook_secret_unset"],
)
def test_ach_webhook_refuses_every_event_until_the_secret_is_put(ach_payment, capsys, caplog, secret, signing_secret):
    put_secret("ACH_SECRET_ARN", secret)
    event = envelope("customer_transfer_completed", ach_payment.processor_payment_id)
    before = table_snapshot()
    capsys.readouterr()
    caplog.clear()
    status, body, _ = ach.deliver(event, secret=signing_secret or secret["webhook_secret"])
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    assert table_snapshot() == before
    assert emitted_metrics(capsys.readouterr().out)["SecretNotConfigured"] == [1.0]
    assert [log["secret"] for log in refusal_logs(caplog)] == ["AchSecret"]

    put_secret("ACH_SECRET_ARN", real_ach())
    assert ach.deliver(event)[0] == 200


def test_a_card_payment_is_refused_while_the_stripe_secret_is_as_deployed(seeded, caplog):
    put_secret("STRIPE_SECRET_ARN", as_deployed("StripeSecret"))
    before = table_snapshot()
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "k"},
    )
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    assert table_snapshot() == before
    assert requests.get(f"{seeded['stripe'].url}/_config/shim/requests", timeout=5).json() == []
    assert [log["secret"] for log in refusal_logs(caplog)] == ["StripeSecret"]


def test_an_ach_payment_is_refused_while_the_ach_secret_is_as_deployed(seeded):
    method_id = verified_bank(seeded["ach"])
    transfers = ach.api(seeded["ach"], "GET", "/events").json()["_embedded"]["events"]
    put_secret("ACH_SECRET_ARN", as_deployed("AchSecret"))
    before = table_snapshot()
    status, body, _ = pay_ach("inv-part", method_id, amount=40000)
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    assert table_snapshot() == before
    assert ach.api(seeded["ach"], "GET", "/events").json()["_embedded"]["events"] == transfers

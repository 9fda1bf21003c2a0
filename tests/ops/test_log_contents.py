"""The logs of a real run, as Powertools writes them at the deployed log level (INFO): each refusal is one line
naming its code and the ids known, a payment's start is logged, and nothing anywhere is a card or account number,
a client secret, an API key, a token or a webhook secret."""

import io
import json
import logging

import pytest
import requests
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from infra.ach_sandbox import DEFAULT_CLIENT_SECRET
from shared.http.web import logger as powertools_logger
from shared.processors.factory import ach_processor
from tests.conftest import ACH_WEBHOOK_SECRET, STRIPE_API_KEY, WEBHOOK_SECRET
from tests.drivers.ach import (
    ROUTING,
    deliver,
    deliver_and_apply,
    envelope,
    pay_ach,
    simulate,
    transfer_url,
    verified_bank,
)
from tests.drivers.stripe import forward_localstripe_events, post
from tests.helpers import call, intent_event, table_snapshot
from tests.integration.test_card_flow import confirm_like_stripe_js

CARD_NUMBER = "4000056655665556"  # a test Visa debit number, typed into "Stripe.js" below
ACCOUNT_NUMBER = "55501234567890"
BEARER = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLWEifQ.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


@pytest.fixture
def logs():
    """Everything logged, at INFO as deployed (template.yaml: POWERTOOLS_LOG_LEVEL): the Powertools logger's JSON
    lines (the handlers' and, as its children, the shared.* modules'), and whatever else reaches the root logger."""
    stream = io.StringIO()
    handler = powertools_logger.registered_handler
    previous_stream, previous_level = handler.setStream(stream), powertools_logger.log_level
    root = logging.getLogger()
    root_handler = logging.StreamHandler(stream)
    root_handler.setFormatter(LambdaPowertoolsFormatter())
    # The Powertools logger and its children (shared.* modules) write through its own handler, already in `stream`;
    # anything else (botocore, urllib3, ...) reaches the root logger, as it would Lambda's runtime handler.
    root_handler.addFilter(lambda record: not record.name.startswith(powertools_logger.name))
    previous_root_level = root.level
    root.addHandler(root_handler)
    root.setLevel(logging.INFO)
    powertools_logger.setLevel("INFO")
    try:
        yield stream
    finally:
        handler.setStream(previous_stream)
        powertools_logger.setLevel(previous_level)
        root.removeHandler(root_handler)
        root.setLevel(previous_root_level)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_a_full_run_logs_no_card_or_account_number_secret_or_token(seeded, logs):
    base = seeded["stripe"].url
    auth = {"Authorization": f"Bearer {BEARER}"}
    # Card: the portal starts the payment, "Stripe.js" confirms it with the card number, Stripe's webhooks arrive.
    status, card_payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "logs-card", **auth},
    )
    assert status == 201
    client_secret = card_payment["client_secret"]
    card = requests.post(
        f"{base}/v1/payment_methods",
        auth=(STRIPE_API_KEY, ""),
        timeout=5,
        data={
            "type": "card",
            "card[number]": CARD_NUMBER,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    ).json()["id"]
    assert confirm_like_stripe_js(base, client_secret, card)["status"] == "succeeded"
    assert "payment_intent.succeeded" in forward_localstripe_events(base, client_secret.split("_secret_")[0])
    # ACH: the account and routing numbers go in, the transfer settles, Dwolla's webhook arrives.
    method_id = verified_bank(seeded["ach"], account_number=ACCOUNT_NUMBER)
    status, ach_payment, _ = pay_ach("inv-part", method_id, key="logs-ach", amount=40000)
    assert status == 201
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", transfer_url("client-a", ach_payment["payment_id"])))
    # Refusals: a forged webhook of each processor, and another client's invoice.
    assert post({"id": "evt_forged"}, secret="whsec_not_ours")[0] == 400
    assert deliver({"id": "x"}, secret="not-the-secret")[0] == 400
    assert call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-b"}, headers=auth)[0] == 404

    text = logs.getvalue()
    lines = _lines(logs)
    assert {
        "payment started",
        "request refused",
        "stripe event processed",
        "ach event processed",
        "stripe webhook signature rejected",
        "ach webhook signature rejected",
    } <= {line["message"] for line in lines}
    ach_token = ach_processor()._token  # the OAuth token the ACH adapter used for every call above
    assert ach_token
    for secret in (
        CARD_NUMBER,
        ACCOUNT_NUMBER,
        ROUTING,
        client_secret,
        client_secret.split("_secret_")[1],
        STRIPE_API_KEY,
        WEBHOOK_SECRET,
        ACH_WEBHOOK_SECRET,
        DEFAULT_CLIENT_SECRET,
        ach_token,
        BEARER,
    ):
        assert secret not in text, secret
    for line in lines:  # tokens and secrets are never a field either, whatever their value
        assert not {
            "client_secret",
            "authorization",
            "api_key",
            "webhook_secret",
            "account_number",
            "routing_number",
            "card_number",
            "token",
        } & {k.lower() for k in line}, line


def test_each_refusal_is_one_line_with_its_code_the_ids_and_the_correlation_id(seeded, logs):
    before = table_snapshot()
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-paid"},
        body={"method": "card"},
        headers={"Idempotency-Key": "logs-refused"},
    )
    assert status >= 400
    assert table_snapshot() == before
    [refusal] = [line for line in _lines(logs) if line["message"] == "request refused"]
    assert (refusal["code"], refusal["status"]) == (body["error"]["code"], status)
    assert (refusal["client_id"], refusal["invoice_id"]) == ("client-a", "inv-paid")
    assert refusal["correlation_id"]  # API Gateway's request id, also in the API access log


def test_starting_a_payment_logs_its_ids_amount_and_processor_id(seeded, logs):
    status, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "logs-started"},
    )
    assert status == 201
    [started] = [line for line in _lines(logs) if line["message"] == "payment started"]
    assert {k: started[k] for k in ("client_id", "invoice_id", "payment_id", "amount", "method", "replayed")} == {
        "client_id": "client-a",
        "invoice_id": "inv-full",
        "payment_id": payment["payment_id"],
        "amount": 125000,
        "method": "card",
        "replayed": False,
    }
    assert started["processor_payment_id"].startswith("pi_") and started["correlation_id"]


def test_a_service_line_is_json_with_its_fields_and_the_request_correlation_id(seeded, logs):
    """The services log through Powertools child loggers: in Lambda a standard-library logger would reach the
    runtime's plain-text root handler, which drops the fields the runbooks' queries filter on."""
    event = intent_event(
        "payment_intent.succeeded",
        intent_id="pi_nobody",
        amount=5000,
        client_id="client-a",
        invoice_id="inv-full",
        payment_id="pay-nobody",
        event_id="evt_nobody",
    )
    assert post(event)[0] == 200
    [line] = [line for line in _lines(logs) if line["message"] == "event for an unknown payment"]
    assert line["level"] == "WARNING" and line["event_id"] == "evt_nobody"
    assert line["correlation_id"] and line["function_name"] == "StripeWebhookFunction"

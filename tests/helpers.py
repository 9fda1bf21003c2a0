"""Helpers the tests share: call a handler as API Gateway would, snapshot tables, build Stripe events."""

import base64
import importlib
import json
import os
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import boto3
import pytest
import requests

from infra import dynamodb_choice, template
from infra.apigw import LambdaContext, http_event
from infra.dynamodb_local import Client
from shared.processors.stripe_cards import API_VERSION
from shared.processors.stripe_signature import sign
from tests import openapi_check

ROOT = Path(__file__).resolve().parents[1]

ROUTES = template.http_routes()


def id_token_claims(**claims) -> dict:
    """What a Cognito ID token of the portal's app client carries, as the JWT authorizer verified it, with `claims`
    added or replaced (None removes one). Lists stay lists: the event builder renders them as API Gateway does."""
    now = int(time.time())
    base = {
        "sub": "user-1",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test",
        "aud": "portal-app",
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "email_verified": True,
    }
    return {k: v for k, v in (base | claims).items() if v is not None}


def call(
    function: str,
    *,
    path_parameters: dict | None = None,
    query: dict | None = None,
    headers: dict | None = None,
    body=None,
    client_id: str | None = "client-a",
    claims: dict | None = None,
    method: str | None = None,
    path_suffix: str = "",
) -> tuple[int, dict | None, dict]:
    """Invoke a function of template.yaml with an HTTP API v2 event; returns (status, json body, headers). The
    answer must be one docs/openapi.json documents for the route (tests/openapi_check.py).
    The caller is an ID token of `client_id`'s user, or, with `claims`, an ID token with those claims added or
    replaced (see id_token_claims). `method` and `path_suffix` pick the route when the function serves several."""
    [route] = [
        r
        for r in ROUTES
        if r["function"] == function and method in (None, r["method"]) and r["path"].endswith(path_suffix)
    ]
    path = route["path"]
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    if claims is not None:
        claims = id_token_claims(**claims)
    elif client_id is not None:
        claims = id_token_claims(sub="user-" + client_id, **{"custom:client_id": client_id})
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    event = http_event(
        route["method"],
        path,
        route_key=f"{route['method']} {route['path']}",
        path_parameters=path_parameters,
        query=query,
        headers={"content-type": "application/json", **(headers or {})},
        body=body,
        claims=claims if route["auth"] else None,
    )
    module = importlib.import_module(route["module"])
    response = getattr(module, route["handler"])(event, LambdaContext(function_name=function))
    openapi_check.check(
        route["method"], route["path"], response["statusCode"], response.get("headers") or {}, response.get("body")
    )
    if response.get("isBase64Encoded"):  # a document (a PDF): its bytes
        return response["statusCode"], base64.b64decode(response["body"]), response.get("headers") or {}
    payload = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], payload, response.get("headers") or {}


# A test of DynamoDB Local itself (its JVM, or what it refuses and moto accepts): skipped with DYNAMODB=moto.
needs_dynamodb_local = pytest.mark.skipif(dynamodb_choice.on_moto(), reason="DYNAMODB=moto: a test of DynamoDB Local")


def stack_dynamodb_url() -> str | None:
    """The DynamoDB a local stack started by a test shares: the run's DynamoDB Local (the stack's tables get names of
    their own there), or None with DYNAMODB=moto, where each stack's moto serves its own tables (a worker's moto
    starts only with the first test that uses it)."""
    return None if dynamodb_choice.on_moto() else os.environ["AWS_ENDPOINT_URL_DYNAMODB"]


@cache
def aws_client(service: str):
    """One boto3 client per service for the session (moto's endpoint is fixed per session): creating one costs
    about as much as a test's whole AWS set-up."""
    return boto3.client(service)


@cache
def _dynamodb() -> Client:
    return Client(os.environ["AWS_ENDPOINT_URL_DYNAMODB"], access_key=os.environ["AWS_ACCESS_KEY_ID"])


def table_snapshot() -> dict:
    """Every item of every table of this worker, to assert that a refused request changed nothing: a consistent
    Scan of each, all at once (infra.dynamodb_local.Client, without botocore's cost per request)."""
    names = sorted(os.environ[env] for env in template.table_env_vars().values())
    return {
        name: sorted(json.dumps(item, sort_keys=True) for item in items)
        for name, items in sorted(_dynamodb().scan_many({name: {} for name in names}).items())
    }


def queue_messages(queue_url: str) -> list[dict]:
    sqs = aws_client("sqs")
    messages = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=0
        ).get("Messages", [])
        if not batch or len(messages) > 100:
            return messages
        messages += batch
        for m in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def sent_emails(moto_url: str) -> list[dict]:
    """What SES accepted, from moto's own record: [{"subject", "body" (HTML), "destinations", "source"}]."""
    data = requests.get(f"{moto_url}/moto-api/data.json", timeout=10).json()
    return data.get("ses", {}).get("Message", [])


def sqs_event(messages: list[dict], queue_arn: str = "arn:aws:sqs:us-east-1:000000000000:receipts") -> dict:
    """An SQS event source batch as Lambda receives it."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(time.time() * 1000)),
                    "SenderId": "000000000000",
                    "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
                },
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


def intent_event(
    event_type: str,
    *,
    intent_id: str,
    amount: int,
    client_id: str,
    invoice_id: str,
    payment_id: str,
    event_id: str,
    created: int | None = None,
    status: str | None = None,
    last_payment_error: dict | None = None,
    payment_method: str | None = "pm_card_visa",
) -> dict:
    """A Stripe Event whose data.object is a PaymentIntent, in the shape Stripe's API reference documents."""
    created = created or int(time.time())
    status = status or {
        "payment_intent.succeeded": "succeeded",
        "payment_intent.payment_failed": "requires_payment_method",
        "payment_intent.processing": "processing",
        "payment_intent.canceled": "canceled",
    }.get(event_type, "requires_payment_method")
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if status == "succeeded" else 0,
                "currency": "usd",
                "customer": "cus_test",
                "status": status,
                "payment_method": payment_method,
                "latest_charge": "ch_" + intent_id[3:] if status == "succeeded" else None,
                "last_payment_error": last_payment_error,
                "created": created,
                "livemode": False,
                "metadata": {"client_id": client_id, "invoice_id": invoice_id, "payment_id": payment_id},
            }
        },
    }


def signed_webhook(
    event: dict | bytes, secret: str, *, timestamp: int | None = None, signature: str | None = None
) -> tuple[bytes, dict]:
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    header = signature if signature is not None else sign(payload, secret, timestamp or int(time.time()))
    return payload, {"Stripe-Signature": header}


def run_fresh(code: str):
    """Run `code` in a fresh interpreter (a test process has loaded everything already) and return the JSON its
    last line of output prints."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def modules_loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    return set(run_fresh(f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"))


def books_hold(client_id: str, invoice_id: str) -> tuple[str, int, int, int]:
    """Check every account against the journal (the invoice's balances, each of its payments' own, the client's
    credit, each entry balanced) and answer (invoice status, amount_paid, amount_pending, client credit)."""
    from shared.books.dynamo import DynamoRepository
    from shared.books.ledger import PaymentBalances, fold
    from shared.books.work import Keys, balances_of

    repo = DynamoRepository()
    journal = repo.client_journal(client_id)
    assert all(sum(amount for _, amount in e.legs) == 0 for e in journal)
    books = fold(journal)
    ctx = repo.load(Keys(client_id, invoice_ids=(invoice_id,)))
    invoice = ctx.invoice()
    assert books.invoices[invoice_id] == balances_of(invoice)
    for payment in repo.invoice_payments(client_id, invoice_id):
        assert books.payments.get(payment.payment_id, PaymentBalances()).accounts == payment.balance_map(), (
            payment.payment_id
        )
    assert books.credit == ctx.client.credit_balance
    return invoice.status, invoice.amount_paid, invoice.amount_pending, ctx.client.credit_balance


def without_events(snapshot: dict) -> dict:
    """A table snapshot but the event records (a refused event is still recorded once)."""
    return {k: v for k, v in snapshot.items() if not k.endswith("events")}

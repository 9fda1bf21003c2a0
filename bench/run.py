"""Benchmarks: cold-start import cost per function and DynamoDB requests per operation.

Run with `make bench` (about a minute once .venv-bench exists; `bench/run.py cold` or `bench/run.py requests`
runs one part). Figures, not tests: nothing fails; the targets are printed beside each figure with OK / OVER
so a regression is visible at a glance.

How to read the figures
-----------------------
1. Cold start: import plus first request of each function, as a ratio to the floor (a fresh process that
   imports boto3, creates a DynamoDB client and makes one GetItem). bench/cold_start.py says exactly how.
   Measured in `.venv-bench`, a venv holding ONLY the runtime dependencies of requirements.lock (what the
   layer ships), created once with uv and reused, in a clean Lambda-like environment with the template's
   Globals variables. Absolute milliseconds depend on this machine and its load; compare the ratios.
   BENCH_COUNT=instructions counts the instructions each process executes instead (valgrind's callgrind; the
   same count whatever else the machine does, about 15 minutes for every function). BENCH_INIT_TYPE=snap-start
   runs each init as SnapStart's (Lambda's AWS_LAMBDA_INITIALIZATION_TYPE; on-demand otherwise).

2. DynamoDB requests per operation (counted, not timed).
   The handlers are called in-process (dev venv) against DynamoDB Local (infra.dynamodb_local), moto for the
   other AWS services (infra.moto_server on 127.0.0.1) and localstripe (infra.fake_stripe), set up as
   tests/conftest.py does. Every botocore API call, PynamoDB's
   included (it has its own botocore client), is counted by patching BaseClient._make_api_call; retries
   inside botocore are not separate calls. Secrets are prefetched, so the counts are those of a warm
   container (a new container, or a cached secret older than 5 minutes, adds one
   secretsmanager:GetSecretValue). An operation that fails is shown as FAILED with its error. The "other AWS" column
   shows non-DynamoDB calls and the Stripe API requests (counted in stripe-python's HTTP client).
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_VENV = ROOT / ".venv-bench"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
BASE_PYTHON = os.environ.get("BENCH_BASE_PYTHON", "/root/.pyenv/versions/3.12.1/bin/python3")
RUNS = int(os.environ.get("BENCH_RUNS", "9"))

# ---------------------------------------------------------------------------------------------------------
# 1. cold start
# ---------------------------------------------------------------------------------------------------------


def ensure_bench_venv() -> None:
    """A venv with only requirements.lock, rebuilt when the lock file changes."""
    lock = ROOT / "requirements.lock"
    marker = BENCH_VENV / ".installed"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == digest and BENCH_PYTHON.exists():
        return
    print(f"Creating {BENCH_VENV.name} (runtime dependencies only, from requirements.lock)...", flush=True)
    uv = ROOT / ".venv-uv" / "bin" / "uv"  # `make` installs it; pip is the fallback
    if uv.exists():
        subprocess.run(
            [str(uv), "venv", "--quiet", "--allow-existing", "--python", BASE_PYTHON, str(BENCH_VENV)], check=True
        )
        result = subprocess.run(
            [str(uv), "pip", "sync", "--quiet", "--require-hashes", str(lock)],
            env={**os.environ, "VIRTUAL_ENV": str(BENCH_VENV)},
            capture_output=True,
            text=True,
        )
    else:
        subprocess.run([BASE_PYTHON, "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
        result = subprocess.run(
            [
                str(BENCH_PYTHON),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--require-hashes",
                "-r",
                str(lock),
            ],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        sys.exit(f"pip install into {BENCH_VENV} failed:\n{result.stdout}\n{result.stderr}")
    marker.write_text(digest)


def lambda_env(tracing: bool) -> dict[str, str]:
    """A clean environment like a Lambda function's: runtime variables plus the template's, dummy values."""
    from infra import template

    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": tempfile.gettempdir(),
        # Set by the Lambda runtime (values are dummies).
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        # BENCH_INIT_TYPE=snap-start: an init as SnapStart runs it, before the snapshot (shared/coldstart.prime)
        "AWS_LAMBDA_INITIALIZATION_TYPE": os.environ.get("BENCH_INIT_TYPE", "on-demand"),
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": "app.handler",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
        "_AWS_XRAY_DAEMON_PORT": "2000",
    }
    loaded = template.load()
    defaults = {name: p["Default"] for name, p in loaded.get("Parameters", {}).items() if "Default" in p}
    for name, value in loaded["Globals"]["Function"]["Environment"]["Variables"].items():
        # A parameter's default is what a deploy without overrides gets (e.g. a JSON policy the code parses).
        ref = value.get("Ref") if isinstance(value, dict) else None
        env[name] = value if isinstance(value, str) else str(defaults.get(ref, f"dummy-{name.lower()}"))
    env["RECEIPT_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/000000000000/dummy"
    env["STRIPE_SECRET_ARN"] = "arn:aws:secretsmanager:us-east-1:000000000000:secret:dummy"
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "1"
    return env


def cold_start() -> None:
    """Import + first request of every function against the floor (bench/cold_start.py says how)."""
    import cold_start as cold

    ensure_bench_venv()
    _set_test_environment()
    dynamodb, moto, stripe_server = _start_servers()
    from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, AchSandbox

    ach = AchSandbox(port=0, settle_seconds=-1).start()
    try:
        _create_resources()
        import boto3

        from infra import seed

        os.environ["ACH_API_BASE"] = ach.url
        os.environ["ACH_SECRET_ARN"] = boto3.client("secretsmanager").create_secret(
            Name="ach",
            SecretString=json.dumps(
                {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "webhook_secret": "bench"}
            ),
        )["ARN"]
        os.environ["ACH_EVENT_QUEUE_URL"] = boto3.client("sqs").create_queue(QueueName="ach-events")["QueueUrl"]
        seed.put_client("client-a", name="Ada Client", billing_email="ada@client.test")  # the floor's GetItem
        env = lambda_env(tracing=True) | {"ADMIN_GROUP": "merchant-admins"}
        for name in (
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "STRIPE_API_BASE",
            "ACH_API_BASE",
            "STRIPE_SECRET_ARN",
            "ACH_SECRET_ARN",
            "RECEIPT_QUEUE_URL",
            "ACH_EVENT_QUEUE_URL",
            "SENDER_EMAIL",
            "MERCHANT_NAME",
            "MERCHANT_TIMEZONE",
            "SUPPORT_EMAIL",
            "SUPPORT_PHONE",
            "PORTAL_BASE_URL",
            *template_table_vars(),
        ):
            env[name] = os.environ[name]
        if os.environ.get("BENCH_COUNT") == "instructions":  # valgrind's counts instead of seconds
            cold.count_instructions(str(BENCH_PYTHON), env, cold.first_requests(WEBHOOK_SECRET))
        else:
            cold.measure(str(BENCH_PYTHON), env, cold.first_requests(WEBHOOK_SECRET), RUNS)
    finally:
        ach.stop()
        stripe_server.stop()
        moto.stop()
        dynamodb.stop()


def template_table_vars() -> list[str]:
    from infra import template

    return list(template.table_env_vars().values())


# ---------------------------------------------------------------------------------------------------------
# 2. DynamoDB requests per operation
# ---------------------------------------------------------------------------------------------------------

STRIPE_API_KEY = "sk_test_bench"
WEBHOOK_SECRET = "whsec_test_bench"
CALLS: collections.Counter = collections.Counter()
STRIPE_CALLS: list[str] = []


def _set_test_environment() -> None:
    """As tests/conftest.py, before any project module reads the environment."""
    os.environ.update(
        {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_SERVICE_NAME": "portal-payments-bench",
            "POWERTOOLS_METRICS_NAMESPACE": "PortalPaymentsBench",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "MERCHANT_NAME": "Acme Bookkeeping",
            "SENDER_EMAIL": "billing@acme.test",
            "SUPPORT_EMAIL": "help@acme.test",
            "SUPPORT_PHONE": "+1 555 0100",
            "PORTAL_BASE_URL": "https://portal.acme.test",
            "MERCHANT_TIMEZONE": "America/New_York",
        }
    )
    from infra import template

    # Every table of the template, whatever tables are added later: INVOICES_TABLE=b-invoicestable, ...
    for logical_id, env_var in template.table_env_vars().items():
        os.environ[env_var] = f"b-{logical_id.lower()}"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "DYNAMODB_ENDPOINT_URL"):
        os.environ.pop(name, None)


def _install_counter() -> None:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        CALLS[(self.meta.service_model.service_name, operation_name)] += 1
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting

    from urllib.parse import urlsplit

    from stripe._http_client import HTTPClient

    original_request = HTTPClient.request_with_retries

    def counting_request(self, method, url, *args, **kwargs):
        STRIPE_CALLS.append(f"{method.upper()} {urlsplit(url).path}")
        return original_request(self, method, url, *args, **kwargs)

    HTTPClient.request_with_retries = counting_request


@contextlib.contextmanager
def _counted():
    CALLS.clear()
    STRIPE_CALLS.clear()
    result: dict = {}
    yield result
    result["calls"] = dict(CALLS)
    result["stripe"] = list(STRIPE_CALLS)


def _start_servers():
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log

    from infra.dynamodb_local import DynamoDBLocal
    from infra.fake_stripe import FakeStripe
    from infra.moto_server import MotoServer

    dynamodb = DynamoDBLocal().start(wait=False)
    moto = MotoServer().start()
    os.environ["AWS_ENDPOINT_URL"] = moto.url
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb.wait_ready().url
    stripe_server = FakeStripe().start()
    os.environ["STRIPE_API_BASE"] = stripe_server.url
    return dynamodb, moto, stripe_server


def _create_resources() -> None:
    import boto3

    from infra import template

    names = {logical_id: os.environ[env] for logical_id, env in template.table_env_vars().items()}
    template.create_tables(boto3.client("dynamodb"), names)
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="receipts-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    os.environ["RECEIPT_QUEUE_URL"] = sqs.create_queue(
        QueueName="receipts",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})},
    )["QueueUrl"]
    secret = boto3.client("secretsmanager").create_secret(
        Name="stripe", SecretString=json.dumps({"api_key": STRIPE_API_KEY, "webhook_secret": WEBHOOK_SECRET})
    )
    os.environ["STRIPE_SECRET_ARN"] = secret["ARN"]
    boto3.client("ses").verify_email_identity(EmailAddress=os.environ["SENDER_EMAIL"])
    boto3.client("ssm").put_parameter(Name="/bench/card-fee", Type="String", Value="on")
    os.environ["CARD_FEE_SWITCH"] = "/bench/card-fee"


def _pay(client_id: str, invoice_id: str, key: str) -> dict:
    from tests.helpers import call

    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": invoice_id},
        headers={"Idempotency-Key": key},
        body={"method": "card"},
        client_id=client_id,
    )
    if status != 201:
        raise RuntimeError(f"create payment answered {status}: {body}")
    return body


def _check(status: int, body, expected: int = 200) -> None:
    if status != expected:
        raise RuntimeError(f"handler answered {status}: {body}")


def dynamodb_requests() -> None:
    _set_test_environment()
    print(
        "\n== 2. DynamoDB requests per operation (counted; DynamoDB Local, moto + localstripe, handlers called "
        "in-process) ==",
        flush=True,
    )
    dynamodb, moto, stripe_server = _start_servers()
    try:
        _create_resources()
        rows = _scenarios()
    finally:
        stripe_server.stop()
        moto.stop()
        dynamodb.stop()

    header = f"{'operation':<56} {'DynamoDB':>8}  {'target':<9} {'by operation':<57} other AWS / Stripe API"
    print(header)
    print("-" * (len(header) + 20))
    for label, target, result in rows:
        ddb = {op: n for (svc, op), n in result["calls"].items() if svc == "dynamodb"}
        other = {f"{svc}:{op}": n for (svc, op), n in result["calls"].items() if svc != "dynamodb"}
        total = sum(ddb.values())
        verdict = ""
        if target is not None:
            verdict = f"<= {target} " + ("OK" if total <= target else "OVER")
        by_op = ", ".join(f"{op} x{n}" for op, n in sorted(ddb.items()))
        extras = [f"{k} x{n}" for k, n in sorted(other.items())]
        extras += [f"stripe {call}" for call in result["stripe"]]
        if "error" in result:
            verdict = "FAILED" if target is not None else ""
            extras = [result["error"]]
        print(f"{label:<56} {total:>8}  {verdict:<9} {by_op:<57} {', '.join(extras) or '-'}")
    print("targets: create payment <= 3, webhook <= 3, list = 1 per page")


class _Rows(list):
    """(label, target, result) rows; an operation that fails is reported in its row, the others still run."""

    def measure(self, label: str, target: int | None, operation):
        with _counted() as result:
            try:
                value = operation()
            except Exception as exc:  # noqa: BLE001 - a broken handler must not hide the other figures
                value, result["error"] = None, f"{type(exc).__name__}: {str(exc)[:150]}"
        self.append((label(value) if callable(label) else label, target, result))
        return value

    def skip(self, label: str, target: int | None, reason: str) -> None:
        self.append((label, target, {"calls": {}, "stripe": [], "error": f"skipped: {reason}"}))


def _api(function: str, **kwargs) -> dict:
    from tests.helpers import call

    status, body, _ = call(function, **kwargs)
    _check(status, body)
    return body


def _scenarios() -> list[tuple[str, int | None, dict]]:
    from infra import seed
    from shared.aws.models import Client
    from shared.aws.secrets import stripe_secrets
    from shared.processors.stripe_cards import from_environment
    from tests.helpers import intent_event, signed_webhook

    _install_counter()
    # client-a already has a Stripe customer (the common case); client-b has never paid.
    seed.put_client("client-a", name="Ada Client", billing_email="ada@client.test")
    customer = from_environment().ensure_customer(client_id="client-a", email="ada@client.test", name="Ada")
    Client("client-a").update(actions=[Client.stripe_customer_id.set(customer)])
    seed.put_client("client-b", name="Bo Client", billing_email="bo@client.test")
    due = seed.days_from_today(30)  # none overdue, whatever day the bench runs
    for i in range(30):
        seed.put_invoice(
            "client-a",
            f"inv-a{i:03d}",
            number=f"A-{i:03d}",
            total=10_000 + i,
            due_date=due,
            issued_date=f"2026-10-{1 + i % 28:02d}",
        )
    seed.put_invoice("client-b", "inv-b001", number="B-001", total=25_000, due_date=due)
    stripe_secrets()  # warm container: the secret is cached

    rows = _Rows()
    page = rows.measure(
        lambda b: f"list invoices, page 1 ({len(b['invoices']) if b else '?'} of 30)",
        1,
        lambda: _api("ListInvoicesFunction", client_id="client-a"),
    )
    if page and page.get("next_cursor"):
        rows.measure(
            lambda b: f"list invoices, page 2 by cursor ({len(b['invoices']) if b else '?'})",
            1,
            lambda: _api("ListInvoicesFunction", client_id="client-a", query={"cursor": page["next_cursor"]}),
        )
    rows.measure(
        "list invoices, status=open, limit 10 (GSI)",
        1,
        lambda: _api("ListInvoicesFunction", client_id="client-a", query={"status": "open", "limit": "10"}),
    )
    rows.measure(
        "list invoices, status=overdue, limit 10 (none overdue: reads the partition)",
        None,
        lambda: _api("ListInvoicesFunction", client_id="client-a", query={"status": "overdue", "limit": "10"}),
    )

    created = rows.measure(
        "create payment, card, existing Stripe customer", 3, lambda: _pay("client-a", "inv-a000", "bench-key-1")
    )
    rows.measure(
        "create payment, card, first payment (creates customer)", 3, lambda: _pay("client-b", "inv-b001", "bench-key-2")
    )
    try:
        _pay("client-a", "inv-a001", "bench-key-3")  # not counted: leaves an unconfirmed payment to replace
        rows.measure(
            "create payment, replaces the invoice's unconfirmed one",
            3,
            lambda: _pay("client-a", "inv-a001", "bench-key-4"),
        )
    except Exception as exc:  # noqa: BLE001 - a failed row is reported, the other figures still measured
        rows.skip("create payment, replaces the invoice's unconfirmed one", 3, str(exc)[:100])
    rows.measure(
        "create payment, same Idempotency-Key again (replay)", 3, lambda: _pay("client-a", "inv-a000", "bench-key-1")
    )
    _several(rows)

    if created is None:
        rows.skip("webhook payment_intent.succeeded", 3, "no payment was created")
        return rows
    payment_id = created["payment_id"]
    event = intent_event(
        "payment_intent.succeeded",
        intent_id=_intent_of("client-a", payment_id),
        amount=created["amount"],
        client_id="client-a",
        invoice_id="inv-a000",
        payment_id=payment_id,
        event_id="evt_bench_1",
    )
    payload, headers = signed_webhook(event, WEBHOOK_SECRET)
    webhook_ok = None
    for label in ("webhook payment_intent.succeeded", "webhook, same event delivered again (duplicate)"):
        answer = rows.measure(
            label, 3, lambda: _api("StripeWebhookFunction", headers=headers, body=payload, client_id=None)
        )
        webhook_ok = answer is not None if webhook_ok is None else webhook_ok

    rows.measure(
        lambda b: f"get invoice (with its {len(b['payments']) if b else '?'} payment(s))",
        None,
        lambda: _api("GetInvoiceFunction", path_parameters={"invoice_id": "inv-a000"}, client_id="client-a"),
    )
    rows.measure(
        "get payment (settled: the processor is not asked)",
        1,
        lambda: _api("GetPaymentFunction", path_parameters={"payment_id": payment_id}, client_id="client-a"),
    )
    if webhook_ok:
        rows.measure("send receipt (SQS worker, one job)", None, lambda: _email_worker_receipt("client-a", payment_id))
        rows.measure("resend receipt (POST /payments/{id}/receipt)", None, lambda: _resend("client-a", payment_id))
    else:
        rows.skip("send receipt (SQS worker, one job)", None, "the payment did not succeed (webhook failed)")
    return rows


def _several(rows: _Rows) -> None:
    """POST /payments and its quote: one payment for several invoices (DynamoDB's requests do not grow with their
    number: one TransactGetItems, one TransactWriteItems), with and without the card fee."""
    import requests

    from tests.helpers import call, intent_event, signed_webhook

    def pay(invoices: list[str], key: str, **body) -> dict:
        status, answer, _ = call(
            "PayInvoicesFunction",
            method="POST",
            path_suffix="/payments",
            client_id="client-a",
            headers={"Idempotency-Key": key},
            body={"invoice_ids": invoices, **body},
        )
        _check(status, answer, 201)
        return answer

    three = [f"inv-a{i:03d}" for i in (10, 11, 12)]
    created = rows.measure(
        "pay 3 invoices at once (POST /payments), card", 3, lambda: pay(three, "bench-several-1", method="card")
    )
    rows.measure(
        "pay 20 invoices at once, card",
        3,
        lambda: pay(
            [f"inv-a{i:03d}" for i in range(13, 30)] + ["inv-a002", "inv-a003", "inv-a004"],
            "bench-several-2",
            method="card",
        ),
    )
    if created is not None:
        event = intent_event(
            "payment_intent.succeeded",
            intent_id=_intent_of("client-a", created["payment_id"]),
            amount=created["amount"],
            client_id="client-a",
            invoice_id=created["invoice_id"],
            payment_id=created["payment_id"],
            event_id="evt_bench_several",
        )
        payload, headers = signed_webhook(event, WEBHOOK_SECRET)
        rows.measure(
            "webhook payment_intent.succeeded, payment of 3 invoices",
            3,
            lambda: _api("StripeWebhookFunction", headers=headers, body=payload, client_id=None),
        )
        rows.measure(
            "get invoice paid with 2 others (its link: + BatchGetItem)",
            None,
            lambda: _api("GetInvoiceFunction", path_parameters={"invoice_id": three[1]}, client_id="client-a"),
        )

    os.environ["CARD_FEE_BASIS_POINTS"] = "300"
    try:
        card = requests.post(
            f"{os.environ['STRIPE_API_BASE']}/v1/payment_methods",
            timeout=5,
            data={
                "key": "pk_test_bench",
                "type": "card",
                "card[number]": "4242424242424242",
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
            },
        ).json()["id"]
        two = ["inv-a005", "inv-a006"]
        quoted = rows.measure(
            "quote 2 invoices, credit card, card fee on (first read of the switch)",
            1,
            lambda: _api(
                "PayInvoicesFunction",
                path_suffix="/quote",
                client_id="client-a",
                body={"invoice_ids": two, "method": "card", "stripe_payment_method": card},
            ),
        )
        if quoted is not None:
            rows.measure(
                "pay 2 invoices, credit card with its fee (confirmed here, applied)",
                None,
                lambda: pay(
                    two,
                    "bench-several-3",
                    method="card",
                    stripe_payment_method=card,
                    card_fee=quoted["card_fee"]["amount"],
                ),
            )
    finally:
        os.environ.pop("CARD_FEE_BASIS_POINTS")


def _resend(client_id: str, payment_id: str) -> dict:
    from tests.helpers import call

    status, body, _ = call("ResendReceiptFunction", path_parameters={"payment_id": payment_id}, client_id=client_id)
    _check(status, body, 202)
    return body


def _intent_of(client_id: str, payment_id: str) -> str:
    from shared.aws.models import Payment

    return Payment.get(client_id, payment_id, consistent_read=True).processor_payment_id


def _email_worker_receipt(client_id: str, payment_id: str) -> None:
    import importlib

    from infra import template
    from infra.apigw import LambdaContext
    from shared.emails.jobs import payment_job

    # The email worker's queue (the template also has the ACH event worker's).
    [source] = [s for s in template.sqs_event_sources() if s["function"] == "EmailWorkerFunction"]
    event = {
        "Records": [
            {
                "messageId": "bench-1",
                "receiptHandle": "bench",
                "body": json.dumps(payment_job(client_id, payment_id, "receipt")),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(time.time() * 1000)),
                    "SenderId": "bench",
                    "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:receipts",
                "awsRegion": "us-east-1",
            }
        ]
    }
    module = importlib.import_module(source["module"])
    response = module.handler(event, LambdaContext(function_name=source["function"]))
    if response.get("batchItemFailures"):
        raise RuntimeError(f"receipt worker reported failures: {response}")


def main() -> None:
    started = time.perf_counter()
    parts = [part for part in ("cold", "requests") if len(sys.argv) == 1 or part in sys.argv[1:]]
    if len(parts) > 1:
        # Each part in a process of its own: localstripe's aiohttp application belongs to the first event loop
        # that serves it, so a second part's stand-in Stripe cannot start in the same process.
        for part in parts:
            subprocess.run([sys.executable, __file__, part], check=True)
        print(f"\n(both parts took {time.perf_counter() - started:.0f}s)")
        return
    if parts == ["cold"]:
        cold_start()
    if parts == ["requests"]:
        dynamodb_requests()
    print(f"\n(bench took {time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()

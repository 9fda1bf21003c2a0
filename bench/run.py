"""Benchmarks: cold-start import cost per function and DynamoDB requests per operation.

Run with `make bench` (about a minute once .venv-bench exists; `bench/run.py cold` or `bench/run.py requests`
runs one part). Figures, not tests: nothing fails; the targets are printed beside each figure with OK / OVER
so a regression is visible at a glance.

How to read the figures
-----------------------
1. Cold start (import of each handler module).
   Measured in `.venv-bench`, a venv holding ONLY the runtime dependencies of requirements.lock (what the
   layer ships), created once with the project's Python 3.12 and reused. The dev venv is not used: dev deps
   (aiohttp from localstripe, moto...) change what `import stripe` and friends pull in, and Lambda has none
   of them. Each sample is a fresh subprocess that times `importlib.import_module(<handler module>)` with
   time.perf_counter inside the process (interpreter start-up itself is excluded, as on Lambda where the
   runtime is already up when your module is imported). The figure is the median of N samples; samples of
   the handlers and of the `import boto3` baseline are interleaved so machine noise hits both alike (the
   baseline pools both environments' samples: boto3 does not read the tracing variables). Expect about
   +-0.1x of run-to-run noise on a busy machine.
   Bytecode (.pyc) is warmed first, so this is the cost with compiled bytecode available, i.e. what a layer
   with valid .pyc files gives.
   Environment: clean (no inherited variables), with the template's Globals environment variables set to
   dummy values and the variables the Lambda runtime sets (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME,
   LAMBDA_TASK_ROOT, AWS_EXECUTION_ENV, AWS_XRAY_* ...). POWERTOOLS_TRACE_DISABLED is NOT set and
   LAMBDA_TASK_ROOT is, so Powertools' Tracer is enabled exactly as with `Tracing: Active` on Lambda (it
   imports the X-Ray SDK and patches botocore/requests at import time). The "no tracing" column is the same
   with POWERTOOLS_TRACE_DISABLED=1, to show what tracing costs.
   Target: no handler above 1.5x `import boto3` measured the same way in the same run. `import stripe` alone
   is printed for reference only.
   "pulls in" lists the heavy packages present in sys.modules after the import; "top packages" is the
   sum of self import time per top-level package from one `python -X importtime` run (indicative only).
   Absolute milliseconds depend on this machine (Lambda arm64 at 512 MB is slower); compare the ratios.

2. DynamoDB requests per operation (counted, not timed).
   The handlers are called in-process (dev venv) against moto (infra.moto_server on 127.0.0.1) and
   localstripe (infra.fake_stripe), set up as tests/conftest.py does. Every botocore API call, PynamoDB's
   included (it has its own botocore client), is counted by patching BaseClient._make_api_call; retries
   inside botocore are not separate calls. Secrets are prefetched, so the counts are those of a warm
   container (a new container, or a cached secret older than 5 minutes, adds one
   secretsmanager:GetSecretValue). An operation that fails is shown as FAILED with its error. The "other AWS" column
   shows non-DynamoDB calls and the Stripe API requests (counted in stripe-python's HTTP client).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import statistics
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
COLD_START_TARGET = 1.5
HEAVY = ("boto3", "botocore", "stripe", "pynamodb", "aws_xray_sdk", "requests", "urllib3", "dateutil",
         "pydantic", "aiohttp", "yaml", "moto")


# ---------------------------------------------------------------------------------------------------------
# 1. cold start
# ---------------------------------------------------------------------------------------------------------

def ensure_bench_venv() -> None:
    """A venv with only requirements.lock, rebuilt when the lock file changes."""
    lock = ROOT / "requirements.lock"
    marker = BENCH_VENV / ".installed"
    if marker.exists() and marker.read_text() == str(lock.stat().st_mtime_ns) and BENCH_PYTHON.exists():
        return
    print(f"Creating {BENCH_VENV.name} (runtime dependencies only, from requirements.lock)...", flush=True)
    subprocess.run([BASE_PYTHON, "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
    result = subprocess.run([str(BENCH_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                             "--require-hashes", "-r", str(lock)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"pip install into {BENCH_VENV} failed:\n{result.stdout}\n{result.stderr}")
    marker.write_text(str(lock.stat().st_mtime_ns))


def function_modules() -> list[tuple[str, str]]:
    from infra import template

    seen, modules = set(), []
    for entry in template.http_routes() + template.sqs_event_sources():
        if entry["module"] not in seen:
            seen.add(entry["module"])
            modules.append((entry["function"], entry["module"]))
    return modules


def lambda_env(tracing: bool) -> dict[str, str]:
    """A clean environment like a Lambda function's: runtime variables plus the template's, dummy values."""
    from infra import template

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "en_US.UTF-8", "TZ": ":UTC",
           "HOME": tempfile.gettempdir(),
           # Set by the Lambda runtime (values are dummies).
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
           "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "AWS_LAMBDA_FUNCTION_NAME": "bench",
           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
           "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench", "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
           "LAMBDA_TASK_ROOT": "/var/task", "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": "app.handler",
           "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
           "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1", "_AWS_XRAY_DAEMON_PORT": "2000"}
    for name, value in template.load()["Globals"]["Function"]["Environment"]["Variables"].items():
        env[name] = value if isinstance(value, str) else f"dummy-{name.lower()}"
    env["RECEIPT_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/000000000000/dummy"
    env["STRIPE_SECRET_ARN"] = "arn:aws:secretsmanager:us-east-1:000000000000:secret:dummy"
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "1"
    return env


_PROBE = """
import importlib, json, sys, time
t0 = time.perf_counter()
importlib.import_module(sys.argv[1])
elapsed = time.perf_counter() - t0
heavy = [m for m in sys.argv[2].split(",") if m in sys.modules]
print(json.dumps({"seconds": elapsed, "heavy": heavy, "modules": len(sys.modules)}))
"""


def probe(module: str, env: dict[str, str], importtime: bool = False) -> dict:
    args = [str(BENCH_PYTHON)] + (["-X", "importtime"] if importtime else []) + ["-c", _PROBE, module,
                                                                                 ",".join(HEAVY)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if result.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{result.stderr[-3000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if importtime:
        data["importtime"] = result.stderr
    return data


def top_packages(importtime_log: str, n: int = 4) -> list[tuple[str, float]]:
    """Sum of self import time per top-level package, from `-X importtime` output."""
    totals: dict[str, int] = collections.Counter()
    for line in importtime_log.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            totals[match.group(2).split(".")[0]] += int(match.group(1))
    return [(name, us / 1000) for name, us in totals.most_common(n)]


def cold_start() -> None:
    ensure_bench_venv()
    modules = function_modules()
    references = [("import boto3  (baseline)", "boto3"), ("import stripe (reference only)", "stripe")]
    targets = references + modules
    print(f"\n== 1. Cold start: handler module import, median of {RUNS} fresh processes "
          f"({BENCH_VENV.name}: runtime deps only) ==")
    print("env: clean; Lambda runtime vars (AWS_REGION=us-east-1, LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, "
          "AWS_XRAY_*...) and template Globals vars as dummies; POWERTOOLS_TRACE_DISABLED unset (Tracing: Active)")
    envs = {"traced": lambda_env(tracing=True), "untraced": lambda_env(tracing=False)}
    for env in envs.values():  # warm bytecode caches and the OS page cache; not counted
        for _, module in targets:
            probe(module, env)
    samples: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    info: dict[str, dict] = {}
    for _ in range(RUNS):
        for key, env in envs.items():
            for _, module in targets:
                data = probe(module, env)
                samples[(key, module)].append(data["seconds"])
                if key == "traced":
                    info[module] = data
    tops = {module: top_packages(probe(module, envs["traced"], importtime=True)["importtime"])
            for _, module in targets}

    # `import boto3` does not read the tracing variables: one baseline from both environments' samples.
    baseline = statistics.median(samples[("traced", "boto3")] + samples[("untraced", "boto3")])
    base = {key: baseline for key in envs}
    header = (f"{'function (module)':<52} {'import ms':>9} {'x boto3':>8} {'target':>7}  "
              f"{'no tracing':>10} {'x boto3':>7}")
    print(header)
    print("-" * len(header))
    for name, module in targets:
        traced = statistics.median(samples[("traced", module)])
        untraced = statistics.median(samples[("untraced", module)])
        ratio, ratio_untraced = traced / base["traced"], untraced / base["untraced"]
        is_reference = (name, module) in references
        label = name if is_reference else f"{name} ({module.rsplit('.', 2)[1]})"
        verdict = "" if is_reference else ("OK" if ratio <= COLD_START_TARGET else "OVER")
        print(f"{label:<52} {traced * 1000:>9.1f} {ratio:>7.2f}x {verdict:>7}  "
              f"{untraced * 1000:>10.1f} {ratio_untraced:>6.2f}x")
    print(f"target: every handler <= {COLD_START_TARGET}x `import boto3` (with tracing, as deployed)")
    print("\nWhat each import pulls in (traced run):")
    for name, module in targets:
        data = info[module]
        pulled = ", ".join(data["heavy"]) or "-"
        top = ", ".join(f"{pkg} {ms:.0f}ms" for pkg, ms in tops[module])
        print(f"  {module:<36} modules={data['modules']:<5} stripe={'YES' if 'stripe' in data['heavy'] else 'no':<4}"
              f" pulls in: {pulled}")
        print(f"  {'':<36} top packages by self import time: {top}")


# ---------------------------------------------------------------------------------------------------------
# 2. DynamoDB requests per operation
# ---------------------------------------------------------------------------------------------------------

STRIPE_API_KEY = "sk_test_bench"
WEBHOOK_SECRET = "whsec_test_bench"
CALLS: collections.Counter = collections.Counter()
STRIPE_CALLS: list[str] = []


def _set_test_environment() -> None:
    """As tests/conftest.py, before any project module reads the environment."""
    os.environ.update({
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1", "POWERTOOLS_SERVICE_NAME": "portal-payments-bench",
        "POWERTOOLS_METRICS_NAMESPACE": "PortalPaymentsBench", "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "MERCHANT_NAME": "Acme Bookkeeping", "SENDER_EMAIL": "billing@acme.test",
        "SUPPORT_EMAIL": "help@acme.test", "SUPPORT_PHONE": "+1 555 0100",
        "PORTAL_BASE_URL": "https://portal.acme.test", "MERCHANT_TIMEZONE": "America/New_York",
    })
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

    from infra.fake_stripe import FakeStripe
    from infra.moto_server import MotoServer

    moto = MotoServer().start()
    os.environ["AWS_ENDPOINT_URL"] = moto.url
    stripe_server = FakeStripe().start()
    os.environ["STRIPE_API_BASE"] = stripe_server.url
    return moto, stripe_server


def _create_resources() -> None:
    import boto3

    from infra import template

    names = {logical_id: os.environ[env] for logical_id, env in template.table_env_vars().items()}
    template.create_tables(boto3.client("dynamodb"), names)
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="receipts-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    os.environ["RECEIPT_QUEUE_URL"] = sqs.create_queue(QueueName="receipts", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})["QueueUrl"]
    secret = boto3.client("secretsmanager").create_secret(
        Name="stripe", SecretString=json.dumps({"api_key": STRIPE_API_KEY, "webhook_secret": WEBHOOK_SECRET}))
    os.environ["STRIPE_SECRET_ARN"] = secret["ARN"]
    boto3.client("ses").verify_email_identity(EmailAddress=os.environ["SENDER_EMAIL"])


def _pay(client_id: str, invoice_id: str, key: str) -> dict:
    from tests.helpers import call

    status, body, _ = call("CreatePaymentFunction", path_parameters={"invoice_id": invoice_id},
                           headers={"Idempotency-Key": key}, body={"method": "card"}, client_id=client_id)
    if status != 201:
        raise RuntimeError(f"create payment answered {status}: {body}")
    return body


def _check(status: int, body, expected: int = 200) -> None:
    if status != expected:
        raise RuntimeError(f"handler answered {status}: {body}")


def dynamodb_requests() -> None:
    _set_test_environment()
    print("\n== 2. DynamoDB requests per operation (counted; moto + localstripe, handlers called in-process) ==",
          flush=True)
    moto, stripe_server = _start_servers()
    try:
        _create_resources()
        rows = _scenarios()
    finally:
        stripe_server.stop()
        moto.stop()

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
            except Exception as exc:  # a broken handler must not hide the other figures
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
    from shared.models import Client
    from shared.processors.stripe_cards import from_environment
    from shared.secrets import stripe_secrets
    from tests.helpers import intent_event, signed_webhook

    _install_counter()
    # client-a already has a Stripe customer (the common case); client-b has never paid.
    seed.put_client("client-a", name="Ada Client", billing_email="ada@client.test")
    customer = from_environment().ensure_customer(client_id="client-a", email="ada@client.test", name="Ada")
    Client("client-a").update(actions=[Client.stripe_customer_id.set(customer)])
    seed.put_client("client-b", name="Bo Client", billing_email="bo@client.test")
    for i in range(30):
        seed.put_invoice("client-a", f"inv-a{i:03d}", number=f"A-{i:03d}", total=10_000 + i,
                         due_date="2026-12-01", issued_date=f"2026-10-{1 + i % 28:02d}")
    seed.put_invoice("client-b", "inv-b001", number="B-001", total=25_000, due_date="2026-12-01")
    stripe_secrets()  # warm container: the secret is cached

    rows = _Rows()
    page = rows.measure(lambda b: f"list invoices, page 1 ({len(b['invoices']) if b else '?'} of 30)", 1,
                        lambda: _api("ListInvoicesFunction", client_id="client-a"))
    if page and page.get("next_cursor"):
        rows.measure(lambda b: f"list invoices, page 2 by cursor ({len(b['invoices']) if b else '?'})", 1,
                     lambda: _api("ListInvoicesFunction", client_id="client-a",
                                  query={"cursor": page["next_cursor"]}))
    rows.measure("list invoices, status=open, limit 10 (GSI)", 1,
                 lambda: _api("ListInvoicesFunction", client_id="client-a", query={"status": "open", "limit": "10"}))
    rows.measure("list invoices, status=overdue, limit 10 (none overdue: reads the partition)", None,
                 lambda: _api("ListInvoicesFunction", client_id="client-a",
                              query={"status": "overdue", "limit": "10"}))

    created = rows.measure("create payment, card, existing Stripe customer", 3,
                           lambda: _pay("client-a", "inv-a000", "bench-key-1"))
    rows.measure("create payment, card, first payment (creates customer)", 3,
                 lambda: _pay("client-b", "inv-b001", "bench-key-2"))
    try:
        _pay("client-a", "inv-a001", "bench-key-3")  # not counted: leaves an unconfirmed payment to replace
        rows.measure("create payment, replaces the invoice's unconfirmed one", 3,
                     lambda: _pay("client-a", "inv-a001", "bench-key-4"))
    except Exception as exc:
        rows.skip("create payment, replaces the invoice's unconfirmed one", 3, str(exc)[:100])
    rows.measure("create payment, same Idempotency-Key again (replay)", 3,
                 lambda: _pay("client-a", "inv-a000", "bench-key-1"))

    if created is None:
        rows.skip("webhook payment_intent.succeeded", 3, "no payment was created")
        return rows
    payment_id = created["payment_id"]
    event = intent_event("payment_intent.succeeded", intent_id=_intent_of("client-a", payment_id),
                         amount=created["amount"], client_id="client-a", invoice_id="inv-a000",
                         payment_id=payment_id, event_id="evt_bench_1")
    payload, headers = signed_webhook(event, WEBHOOK_SECRET)
    webhook_ok = None
    for label in ("webhook payment_intent.succeeded", "webhook, same event delivered again (duplicate)"):
        answer = rows.measure(label, 3, lambda: _api("StripeWebhookFunction", headers=headers, body=payload,
                                                     client_id=None))
        webhook_ok = answer is not None if webhook_ok is None else webhook_ok

    rows.measure(lambda b: f"get invoice (with its {len(b['payments']) if b else '?'} payment(s))", None,
                 lambda: _api("GetInvoiceFunction", path_parameters={"invoice_id": "inv-a000"}, client_id="client-a"))
    rows.measure("get payment (settled: the processor is not asked)", 1,
                 lambda: _api("GetPaymentFunction", path_parameters={"payment_id": payment_id}, client_id="client-a"))
    if webhook_ok:
        rows.measure("send receipt (SQS worker, one job)", None, lambda: _send_receipt("client-a", payment_id))
        rows.measure("resend receipt (POST /payments/{id}/receipt)", None, lambda: _resend("client-a", payment_id))
    else:
        rows.skip("send receipt (SQS worker, one job)", None, "the payment did not succeed (webhook failed)")
    return rows


def _resend(client_id: str, payment_id: str) -> dict:
    from tests.helpers import call

    status, body, _ = call("ResendReceiptFunction", path_parameters={"payment_id": payment_id}, client_id=client_id)
    _check(status, body, 202)
    return body


def _intent_of(client_id: str, payment_id: str) -> str:
    from shared.models import Payment

    return Payment.get(client_id, payment_id, consistent_read=True).processor_payment_id


def _send_receipt(client_id: str, payment_id: str) -> None:
    import importlib

    from infra import template
    from infra.apigw import LambdaContext

    source = template.sqs_event_sources()[0]
    event = {"Records": [{
        "messageId": "bench-1", "receiptHandle": "bench", "body": json.dumps({"client_id": client_id,
                                                                              "payment_id": payment_id}),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000)),
                       "SenderId": "bench", "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:receipts", "awsRegion": "us-east-1"}]}
    module = importlib.import_module(source["module"])
    response = module.handler(event, LambdaContext(function_name=source["function"]))
    if response.get("batchItemFailures"):
        raise RuntimeError(f"receipt worker reported failures: {response}")


def main() -> None:
    started = time.perf_counter()
    if len(sys.argv) == 1 or "cold" in sys.argv[1:]:
        cold_start()
    if len(sys.argv) == 1 or "requests" in sys.argv[1:]:
        dynamodb_requests()
    print(f"\n(bench took {time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()

"""Cold start of every function: import plus its first request, as a ratio to an honest floor.

The floor is the least any Python function of this system does on a cold start: a fresh process that imports
boto3, creates a DynamoDB client and makes one GetItem against the local stack. Each function is measured the
same way in the same run: a fresh process imports the handler module and handles one request (a realistic
one: a signed-in client's read, a card payment started at localstripe, a signed Stripe webhook, an SQS
job...), against moto, localstripe and the ACH sandbox on 127.0.0.1. Interpreter start-up is excluded from
both (on Lambda the runtime is up before your module is imported). Samples of the floor and of the
functions are interleaved so machine noise hits both alike; the figure is the median of BENCH_RUNS.

Processes run in `.venv-bench` (only requirements.lock: what the layer ships) with a Lambda-like clean
environment and the template's Globals variables (so tracing is as deployed). Target: every function at
most 1.25x the floor.
"""

from __future__ import annotations

import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.25

_FLOOR = """
import json, os, sys, time
t0 = time.perf_counter()
import boto3
boto3.client("dynamodb").get_item(TableName=os.environ["CLIENTS_TABLE"], Key={"client_id": {"S": "client-a"}})
print(json.dumps({"seconds": time.perf_counter() - t0, "modules": len(sys.modules)}))
"""

_HANDLER = """
import importlib, json, sys, time
class Context:
    function_name = sys.argv[2]; memory_limit_in_mb = 512; function_version = "$LATEST"
    aws_request_id = "bench"; log_group_name = "/aws/lambda/bench"; log_stream_name = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    def get_remaining_time_in_millis(self): return 30000
import uuid
event = json.loads(sys.stdin.read().replace("__UNIQUE__", uuid.uuid4().hex))  # fresh idempotency keys
import os
profile = None
if os.environ.get("BENCH_PROFILE"):  # a directory: cProfile of import + first request, one file per function
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
t0 = time.perf_counter()
handler = getattr(importlib.import_module(sys.argv[1]), "handler")
result = handler(event, Context())
elapsed = time.perf_counter() - t0
if profile:
    profile.disable()
    profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE"], sys.argv[2] + ".prof"))
status = result.get("statusCode") if isinstance(result, dict) else None
if status and status >= 500:
    print(result, file=sys.stderr)
print(json.dumps({"seconds": elapsed, "modules": len(sys.modules), "status": status,
                  "stripe": "stripe" in sys.modules, "xray": "aws_xray_sdk" in sys.modules}))
"""


def _http(function: str, method: str | None = None, path_parameters: dict | None = None, body=None,
          headers: dict | None = None, query: dict | None = None, signed: bytes | None = None) -> dict:
    from infra import template
    from infra.apigw import http_event
    from tests.helpers import id_token_claims

    [route] = [r for r in template.http_routes() if r["function"] == function and method in (None, r["method"])][:1]
    path = route["path"]
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    claims = id_token_claims(sub="user-client-a", **{"custom:client_id": "client-a"}) if route["auth"] else None
    if function.startswith("Admin"):
        claims = id_token_claims(sub="admin", **{"cognito:groups": ["merchant-admins"]})
    raw = signed if signed is not None else (json.dumps(body) if body is not None else None)
    return http_event(route["method"], path, route_key=f"{route['method']} {route['path']}",
                      path_parameters=path_parameters, query=query,
                      headers={"content-type": "application/json", **(headers or {})}, body=raw, claims=claims)


def _sqs(body: dict) -> dict:
    now = str(int(time.time() * 1000))
    return {"Records": [{"messageId": "bench-1", "receiptHandle": "bench", "body": json.dumps(body),
                         "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": now, "SenderId": "bench",
                                        "ApproximateFirstReceiveTimestamp": now},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench", "awsRegion": "us-east-1"}]}


def first_requests(webhook_secret: str) -> dict[str, tuple[str, dict]]:
    """function -> (module, the event of its first request). New functions get a plain request to their first
    route; the ones below get the request that does the work a user waits for."""
    from infra import template
    from tests.helpers import intent_event, signed_webhook

    paid_event = intent_event("payment_intent.succeeded", intent_id="pi_bench", amount=10_000, client_id="client-a",
                              invoice_id="inv-a001", payment_id="pay-unknown", event_id="evt_bench")
    payload, signature = signed_webhook(paid_event, webhook_secret)
    specific = {
        "GetInvoiceFunction": dict(path_parameters={"invoice_id": "inv-a001"}),
        "CreatePaymentFunction": dict(path_parameters={"invoice_id": "inv-a001"}, body={"method": "card"},
                                      headers={"Idempotency-Key": "bench-__UNIQUE__"}),
        "GetPaymentFunction": dict(path_parameters={"payment_id": "pay-unknown"}),
        "AccountFunction": dict(method="GET"),
        "AddBankAccountFunction": dict(body={"routing_number": "011000015", "account_number": "123456780000",
                                             "account_type": "checking", "holder_name": "Ada Client"}),
        "StripeWebhookFunction": dict(signed=payload.encode() if isinstance(payload, str) else payload,
                                      headers=signature),
        "AdminInvoicesFunction": dict(method="GET", path_parameters={"client_id": "client-a"}),
        "DeletePaymentMethodFunction": dict(path_parameters={"payment_method_id": "pm-unknown"}),
        "SetDefaultPaymentMethodFunction": dict(path_parameters={"payment_method_id": "pm-unknown"}),
        "VerifyBankAccountFunction": dict(path_parameters={"payment_method_id": "pm-unknown"},
                                          body={"amounts": [3, 7]}),
        "RequestExtensionFunction": dict(path_parameters={"invoice_id": "inv-a001"}, body={"days": 7}),
        "ProblemReportsFunction": dict(path_parameters={"payment_id": "pay-unknown"}, body={"reason": "other"}),
        "AdminRefundsFunction": dict(path_parameters={"payment_id": "pay-unknown"}, body={"amount": 100},
                                     headers={"Idempotency-Key": "bench-__UNIQUE__"}),
    }
    events: dict[str, tuple[str, dict]] = {}
    for route in template.http_routes():
        function = route["function"]
        if function not in events:
            spec = specific.get(function, {})
            params = spec.get("path_parameters") or {name: "bench-unknown" for name in
                                                     _names(route["path"])} or None
            events[function] = (route["module"], _http(function, **{**spec, "path_parameters": params}))
    for source in template.sqs_event_sources():
        job = ({"client_id": "client-a", "payment_id": "pay-unknown"} if source["function"] == "SendReceiptFunction"
               else {"id": "bench-event", "topic": "customer_transfer_completed", "resource_url": "bench"})
        events[source["function"]] = (source["module"], _sqs(job))
    return events


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _run(python: str, code: str, env: dict, args: list[str], stdin: str = "") -> dict:
    result = subprocess.run([python, "-c", code, *args], env=env, input=stdin, capture_output=True, text=True,
                            cwd=tempfile.gettempdir())
    if result.returncode != 0:
        raise RuntimeError(f"{args[:1]} failed:\n{result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if (data.get("status") or 0) >= 500:  # a broken request would measure an error path: say so
        raise RuntimeError(f"{args[1]} answered {data['status']}:\n{result.stdout[-3000:]}")
    return data


def measure(python: str, env: dict, events: dict[str, tuple[str, dict]], runs: int) -> None:
    only = [name for name in os.environ.get("BENCH_FUNCTIONS", "").split(",") if name]  # e.g. while fixing one
    events = {function: value for function, value in events.items() if not only or function in only}
    samples: dict[str, list[float]] = collections.defaultdict(list)
    info: dict[str, dict] = {}
    payloads = {function: json.dumps(event) for function, (_, event) in events.items()}
    if os.environ.get("BENCH_PROFILE"):  # figures with a profiler on are not the figures: only the profiles
        env = env | {"BENCH_PROFILE": os.path.abspath(os.environ["BENCH_PROFILE"])}
    for sample in range(runs + 1):  # the first round warms bytecode and page caches: not counted
        floor = _run(python, _FLOOR, env, [])
        for function, (module, _) in events.items():
            data = _run(python, _HANDLER, env, [module, function], payloads[function])
            if sample:
                samples[function].append(data["seconds"])
            info[function] = data
        if sample:
            samples["floor"].append(floor["seconds"])
    base = statistics.median(samples["floor"])
    print(f"\n== 1. Cold start: import + first request in a fresh process, median of {runs} "
          f"(.venv-bench: runtime deps only) ==")
    print("floor: import boto3, create a DynamoDB client, one GetItem against moto, same environment")
    header = f"{'function':<34} {'ms':>7} {'x floor':>8} {'target':>7}  {'status':>6} {'modules':>7}  loads"
    print(header)
    print("-" * len(header))
    print(f"{'floor':<34} {base * 1000:>7.0f} {1:>7.2f}x {'':>7}  {'':>6} {floor['modules']:>7}")
    for function in events:
        value = statistics.median(samples[function])
        ratio = value / base
        data = info[function]
        loads = ", ".join(name for name in ("stripe", "xray") if data[name]) or "-"
        print(f"{function:<34} {value * 1000:>7.0f} {ratio:>7.2f}x {'OK' if ratio <= TARGET else 'OVER':>7}  "
              f"{data['status'] or '-':>6} {data['modules']:>7}  {loads}")
    print(f"target: every function <= {TARGET}x the floor; status is the first request's HTTP status")

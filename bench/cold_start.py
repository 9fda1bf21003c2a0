"""Cold start of every function: import plus its first request, as a ratio to an honest floor.

The floor is the least any Python function of this system does on a cold start: a fresh process that imports
boto3, creates a DynamoDB client and makes one GetItem against the local stack. Each function is measured the
same way in the same run: a fresh process imports the handler module and handles one request, against DynamoDB
Local, moto, localstripe and the ACH sandbox. That first request is a success of the operation a user waits
for (a signed-in client's read, a card payment started at localstripe, a signed Stripe webhook that settles a
payment, an SQS job that sends its email...), on objects made fresh for each sample: before each sample, untimed
and in the bench process, bench/cold_start_requests.py makes what each request needs, with ids unique to that
sample. A function whose first request did not succeed (another status than its success's, a worker's failed
record or a job that did not do its work) stops the bench, since its figure would measure an error path.
Interpreter start-up is excluded from both (on Lambda the runtime is up before your module is imported).
Samples of the floor and of the functions are interleaved so machine noise hits both alike; the figure is the
median of BENCH_RUNS.

Processes run in `.venv-bench` (only requirements.lock: what the layer ships) with a Lambda-like clean
environment and the template's Globals variables (so tracing is as deployed). Target: every function at
most 1.25x the floor.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.25

# BENCH_STOP (instruction counts only): "start" ends the process at t0, "import" after the handler's import, so
# that a count of the whole process less the count to "start" is the count of the measured part.
_FLOOR = """
import json, os, sys, time
t0 = time.perf_counter()
if os.environ.get("BENCH_STOP"):
    sys.exit(0)
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
event = json.loads(sys.stdin.read())
import os
profile = None
if os.environ.get("BENCH_PROFILE"):  # a directory: cProfile of import + first request, one file per function
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
t0 = time.perf_counter()
if os.environ.get("BENCH_STOP") == "start":
    sys.exit(0)
handler = getattr(importlib.import_module(sys.argv[1]), "handler")
imported = time.perf_counter() - t0
if os.environ.get("BENCH_STOP") == "import":
    sys.exit(0)
result = handler(event, Context())
elapsed = time.perf_counter() - t0
if profile:
    profile.disable()
    profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE"], sys.argv[2] + ".prof"))
status = result.get("statusCode") if isinstance(result, dict) else None
print(json.dumps({"seconds": elapsed, "import_seconds": imported, "modules": len(sys.modules), "status": status,
                  "answer": result, "stripe": "stripe" in sys.modules, "xray": "aws_xray_sdk" in sys.modules,
                  "reportlab": "reportlab" in sys.modules, "pillow": "PIL" in sys.modules},
                 default=str))
"""


@dataclass(frozen=True)
class FirstRequest:
    module: str
    event: dict
    status: int | None  # what the handler answers on success; None for an SQS worker
    done: Callable[[], str | None] | None  # after the request: what it failed to do, None if nothing


def _http(function: str, request) -> dict:
    """The API Gateway event of a cold_start_requests.Http."""
    from infra import template
    from infra.apigw import http_event
    from tests.helpers import id_token_claims

    [route] = [
        r for r in template.http_routes() if r["function"] == function and request.method in (None, r["method"])
    ][:1]
    path = route["path"]
    for name, value in (request.path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    claims = None
    if function.startswith("Admin"):
        claims = id_token_claims(sub="admin", **{"cognito:groups": ["merchant-admins"]})
    elif route["auth"]:
        claims = id_token_claims(sub=f"user-{request.client_id}", **{"custom:client_id": request.client_id})
    body = request.body
    raw = body if isinstance(body, bytes) else (json.dumps(body) if body is not None else None)
    return http_event(
        route["method"],
        path,
        route_key=f"{route['method']} {route['path']}",
        path_parameters=request.path_parameters,
        query=request.query,
        headers={"content-type": "application/json", **(request.headers or {})},
        body=raw,
        claims=claims,
    )


def _sqs(body: dict) -> dict:
    now = str(int(time.time() * 1000))
    return {
        "Records": [
            {
                "messageId": "bench-1",
                "receiptHandle": "bench",
                "body": json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": now,
                    "SenderId": "bench",
                    "ApproximateFirstReceiveTimestamp": now,
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench",
                "awsRegion": "us-east-1",
            }
        ]
    }


def first_requests(webhook_secret: str) -> Callable[[int, list[str]], dict[str, FirstRequest]]:
    """A builder of one sample's first requests: (sample number, the functions to measure or [] for all) ->
    function -> its first request, on objects it makes for that sample (bench/cold_start_requests.py).
    `webhook_secret`: Stripe's, which the Stripe webhooks are signed with."""
    import cold_start_requests as needs

    from infra import template

    modules = {r["function"]: r["module"] for r in template.http_routes()} | {
        s["function"]: s["module"] for s in template.sqs_event_sources()
    }

    def build(sample: int, only: list[str]) -> dict[str, FirstRequest]:
        objects = needs.Sample(sample, webhook_secret)
        requests = {}
        for function, module in modules.items():
            if only and function not in only:
                continue
            if function not in needs.REQUESTS:
                raise RuntimeError(f"{function} has no first request: add one to bench/cold_start_requests.py")
            request = needs.REQUESTS[function](objects)
            if isinstance(request, needs.Job):
                requests[function] = FirstRequest(module, _sqs(request.body), None, request.done)
            else:
                requests[function] = FirstRequest(module, _http(function, request), request.status, request.done)
        return requests

    return build


def count_instructions(
    python: str, env: dict, first_requests: Callable[[int, list[str]], dict[str, FirstRequest]]
) -> None:
    """The same measure in instructions executed (valgrind's callgrind) instead of seconds: the count of the same
    code repeats whatever else the machine does (docs/benchmarks.md), where the seconds move by +-0.1x of the
    floor from run to run. It counts the function's own work only (a wait for DynamoDB Local, moto, Stripe or the ACH sandbox
    counts nothing), so it says how far imports and code are from the floor, not how long a user waits. One
    sample; about 15 minutes for every function (valgrind runs Python about 40 times slower)."""
    if not shutil.which("valgrind"):
        raise RuntimeError("BENCH_COUNT=instructions needs valgrind (Debian: apt-get install valgrind)")
    only = _selected()
    _run(python, _FLOOR, env, [])  # an uncounted first round: bytecode and page caches warm
    functions = first_requests(0, only)
    for function, request in functions.items():
        _run(python, _HANDLER, env, [request.module, function], json.dumps(request.event))
    counted = env | {"PYTHONHASHSEED": "0"}  # the same dictionaries, so the same work, every run
    floor = _count(python, _FLOOR, counted, []) - _count(python, _FLOOR, counted | {"BENCH_STOP": "start"}, [])
    print("\n== 1b. Cold start in instructions executed (valgrind's callgrind), millions ==")
    header = f"{'function':<34} {'instr.':>7} {'x floor':>8} {'target':>7}  {'import':>6} {'request':>7}"
    print(header)
    print("-" * len(header))
    print(f"{'floor':<34} {floor / 1e6:>7.0f} {1:>7.2f}x")
    start = None
    for n, function in enumerate(functions, start=1):
        # Made just before it runs, for it alone: a signed webhook would be stale after the others' minutes, and
        # what one function's request reads (a client's invoices) does not depend on which others are measured.
        request = first_requests(n, [function])[function]
        stdin = json.dumps(request.event)
        args = [request.module, function]
        if start is None:  # the same for every function (the event is parsed before t0: a few thousand)
            start = _count(python, _HANDLER, counted | {"BENCH_STOP": "start"}, args, stdin)
        imported = _count(python, _HANDLER, counted | {"BENCH_STOP": "import"}, args, stdin) - start
        whole = _count(python, _HANDLER, counted, args, stdin, request) - start
        ratio = whole / floor
        print(
            f"{function:<34} {whole / 1e6:>7.0f} {ratio:>7.2f}x {'OK' if ratio <= TARGET else 'OVER':>7}  "
            f"{imported / 1e6:>6.0f} {(whole - imported) / 1e6:>7.0f}",
            flush=True,
        )
    print(
        "instructions from the start of the import to the end of the first request, interpreter start-up "
        "excluded; PYTHONHASHSEED=0; every first request succeeded"
    )


def _count(
    python: str, code: str, env: dict, args: list[str], stdin: str = "", request: FirstRequest | None = None
) -> int:
    """Instructions the process executes; with `request`, stops the bench if the request did not succeed."""
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c", code, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    counted = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or not counted:
        raise RuntimeError(f"{args[:1]} failed under valgrind:\n{result.stderr[-2000:]}")
    if request is not None and (failure := _failure(request, json.loads(result.stdout.strip().splitlines()[-1]))):
        raise RuntimeError(f"{args[1]}'s first request did not succeed: {failure}")
    return int(counted.group(1))


def _run(python: str, code: str, env: dict, args: list[str], stdin: str = "") -> dict:
    result = subprocess.run(
        [python, "-c", code, *args], env=env, input=stdin, capture_output=True, text=True, cwd=tempfile.gettempdir()
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args[:1]} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _selected() -> list[str]:
    """BENCH_FUNCTIONS=A,B: only those functions (e.g. while fixing one); all when it is not set."""
    return [name for name in os.environ.get("BENCH_FUNCTIONS", "").split(",") if name]


def _failure(request: FirstRequest, data: dict) -> str | None:
    """Why a first request did not succeed (its figure would measure an error path), None if it did."""
    answer = data["answer"] if isinstance(data["answer"], dict) else {}
    if request.status is not None and data["status"] != request.status:
        return f"answered {data['status']}, not {request.status}: {answer.get('body')}"
    if request.status is None and answer.get("batchItemFailures"):
        return f"reported failed records: {answer}"
    return request.done() if request.done else None


def measure(
    python: str, env: dict, first_requests: Callable[[int, list[str]], dict[str, FirstRequest]], runs: int
) -> None:
    only = _selected()
    samples: dict[str, list[float]] = collections.defaultdict(list)
    imports: dict[str, list[float]] = collections.defaultdict(list)  # the import part of each sample
    info: dict[str, dict] = {}
    if os.environ.get("BENCH_PROFILE"):  # figures with a profiler on are not the figures: only the profiles
        env = env | {"BENCH_PROFILE": os.path.abspath(os.environ["BENCH_PROFILE"])}
    for sample in range(runs + 1):  # the first round warms bytecode and page caches: not counted
        requests = first_requests(sample, only)  # untimed: makes the objects this sample's requests act on
        floor = _run(python, _FLOOR, env, [])
        for function, request in requests.items():
            data = _run(python, _HANDLER, env, [request.module, function], json.dumps(request.event))
            if failure := _failure(request, data):
                raise RuntimeError(
                    f"{function}'s first request did not succeed, so its figure would measure an error path: {failure}"
                )
            if sample:
                samples[function].append(data["seconds"])
                imports[function].append(data["import_seconds"])
            info[function] = data
        if sample:
            samples["floor"].append(floor["seconds"])
    base = statistics.median(samples["floor"])
    print(
        f"\n== 1. Cold start: import + first request in a fresh process, median of {runs} "
        f"(.venv-bench: runtime deps only) =="
    )
    print("floor: import boto3, create a DynamoDB client, one GetItem against DynamoDB Local, same environment")
    header = (
        f"{'function':<34} {'ms':>7} {'x floor':>8} {'target':>7}  {'import':>6} {'request':>7}  {'status':>6} "
        f"{'modules':>7}  loads"
    )
    print(header)
    print("-" * len(header))
    print(f"{'floor':<34} {base * 1000:>7.0f} {1:>7.2f}x {'':>7}  {'':>6} {'':>7}  {'':>6} {floor['modules']:>7}")
    for function in info:
        value = statistics.median(samples[function])
        ratio = value / base
        data = info[function]
        loads = ", ".join(name for name in ("stripe", "xray", "reportlab", "pillow") if data[name]) or "-"
        imported = statistics.median(imports[function])
        print(
            f"{function:<34} {value * 1000:>7.0f} {ratio:>7.2f}x {'OK' if ratio <= TARGET else 'OVER':>7}  "
            f"{imported * 1000:>6.0f} {(value - imported) * 1000:>7.0f}  {data['status'] or '-':>6} "
            f"{data['modules']:>7}  {loads}"
        )
    print(
        f"target: every function <= {TARGET}x the floor; import: the median of the import part, request: the "
        "rest of the median, in ms; status is the first request's HTTP status (every first request succeeded; "
        "an SQS worker's did its work)"
    )

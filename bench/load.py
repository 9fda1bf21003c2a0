"""Load test through the real local gateway: concurrent portal clients and ACH payers for a bounded time,
then the books are checked.

    .venv/bin/python bench/load.py                       # 1, 4 and 16 clients, 20 s each, gateway with 4 workers
    .venv/bin/python bench/load.py --clients 4 --seconds 5 --workers 2

Each level starts its own local stack (`python -m infra.local_stack --workers N`, everything on 127.0.0.1,
ACH transfers settling after 1 s) and drives it only through HTTP, as the portal, Stripe.js and the
processors do. A card client loops: the merchant issues it an invoice (POST /admin/invoices), it lists its
invoices, pays the new one by card, confirms the PaymentIntent at localstripe (Stripe.js' part), and polls
the payment until Stripe's webhook has reached the gateway. An ACH payer links and verifies a bank account
once, then loops the same way paying by ACH (the sandbox settles and posts its webhook). One payer in four
is an ACH payer (at least one).

Then the books: every payment a client saw succeed is succeeded in the payments table exactly once for its
invoice, every invoice's amount_paid is the sum of its succeeded payments and never above its total, no
payment is stuck, and each succeeded payment's invoice got exactly one receipt email (SES, as moto recorded
it). Printed: requests per second, p50 / p95 / p99 latency per gateway route, errors. Exit status 1 if the
books are wrong or a request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.demo import confirm_card, login, sent_emails  # noqa: E402
from infra.local_stack import ADMIN_LOGIN  # noqa: E402

POLL_SECONDS = 0.1  # how often a client asks whether its payment went through
OUTCOME_TIMEOUT = 30.0


class Stats:
    """Latency of every gateway request by route, and what failed."""

    def __init__(self):
        self._lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def record(self, route: str, seconds: float, error: str | None = None) -> None:
        with self._lock:
            self.latency[route].append(seconds)
            if error:
                self.errors.append(f"{route}: {error}")

    def error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)


class Api:
    """One signed-in caller of the gateway; every request is timed under its route's name."""

    def __init__(self, stack: dict, token: str, stats: Stats):
        self.base, self.stats = stack["api_url"], stats
        self.http = requests.Session()
        self.http.trust_env = False  # 127.0.0.1 only, never through a proxy
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, route: str, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kwargs):
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as exc:
            self.stats.record(route, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            return None
        error = None if response.status_code in expect else f"{response.status_code} {response.text[:200]}"
        self.stats.record(route, time.perf_counter() - started, error)
        return response if error is None else None


@dataclass
class Paid:
    client_id: str
    invoice_id: str
    number: str
    amount: int
    payment_id: str
    status: str


@dataclass
class Payer:
    index: int
    method: str  # "card" or "ach"
    user: dict
    api: Api
    admin: Api
    run_id: str
    paid: list[Paid] = field(default_factory=list)
    bank_method_id: str | None = None

    def new_invoice(self, n: int) -> tuple[str, str, int] | None:
        number = f"LT-{self.run_id}-{self.index:02d}-{n:05d}"
        amount = 1000 + 7 * self.index + n  # different amounts, so a payment counted on the wrong invoice shows
        response = self.admin.call(
            "POST /admin/invoices",
            "POST",
            "/admin/invoices",
            json={
                "client_id": self.user["client_id"],
                "number": number,
                "due_date": "2030-01-31",
                "line_items": [{"description": "Load test", "quantity": 1, "unit_amount": amount}],
            },
            headers={"Idempotency-Key": number},
        )
        return (response.json()["invoice_id"], number, amount) if response is not None else None

    def link_bank_account(self, stack: dict) -> bool:
        linked = self.api.call(
            "POST /payment-methods/bank-accounts",
            "POST",
            "/payment-methods/bank-accounts",
            json={
                "routing_number": "011000015",
                "account_number": f"9{self.index:03d}00000000",
                "account_type": "checking",
                "holder_name": "Load Payer",
            },
        )
        if linked is None:
            return False
        method_id = linked.json()["payment_method_id"]
        deadline = time.monotonic() + OUTCOME_TIMEOUT
        while time.monotonic() < deadline:  # 409 until the sandbox has settled the micro-deposits
            verified = self.api.call(
                "POST /payment-methods/{id}/verify",
                "POST",
                f"/payment-methods/{method_id}/verify",
                json={"amounts": micro_deposits(stack, method_id)},
                expect=(200, 409),
            )
            if verified is None:
                return False
            if verified.status_code == 200:
                self.bank_method_id = method_id
                return True
            time.sleep(POLL_SECONDS)
        self.api.stats.error(f"payer {self.index}: bank account never verifiable")
        return False

    def pay_one(self, stack: dict, n: int) -> None:
        invoice = self.new_invoice(n)
        if invoice is None:
            return
        invoice_id, number, amount = invoice
        self.api.call("GET /invoices", "GET", "/invoices")  # what the portal shows first
        body = {"method": self.method}
        if self.method == "ach":  # as the portal does: the debit authorization it showed, accepted
            text = self.api.call("GET /portal-settings", "GET", "/portal-settings")
            if text is None:
                return
            body |= {
                "payment_method_id": self.bank_method_id,
                "ach_authorization": {"accepted": True, "text": text.json()["ach_authorization_text"]},
            }
        started = self.api.call(
            "POST /invoices/{id}/payments",
            "POST",
            f"/invoices/{invoice_id}/payments",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if started is None:
            return
        payment = started.json()
        if self.method == "card":
            confirm_card(stack, payment["client_secret"])
        deadline = time.monotonic() + OUTCOME_TIMEOUT
        status = payment["status"]
        while status in ("pending", "processing") and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            polled = self.api.call("GET /payments/{id}", "GET", f"/payments/{payment['payment_id']}")
            status = polled.json()["status"] if polled is not None else status
        self.paid.append(Paid(self.user["client_id"], invoice_id, number, amount, payment["payment_id"], status))

    def run(self, stack: dict, until: float) -> None:
        if self.method == "ach" and not self.link_bank_account(stack):
            return
        n = 0
        while time.monotonic() < until:
            self.pay_one(stack, n)
            n += 1


def micro_deposits(stack: dict, method_id: str) -> list[int]:
    """What the payer reads on their bank statement (the sandbox shows it)."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack["dynamodb_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    item = dynamodb.scan(
        TableName=stack["resources"]["PaymentMethodsTable"],
        FilterExpression="payment_method_id = :m",
        ExpressionAttributeValues={":m": {"S": method_id}},
    )["Items"][0]
    url = item["processor_method_id"]["S"]
    http = requests.Session()
    http.trust_env = False
    body = http.get(
        f"{stack['ach_api_base']}/sandbox/funding-sources/{url.rsplit('/', 1)[1]}/micro-deposits", timeout=10
    ).json()
    return [int(body[k]["value"].replace(".", "")) for k in ("amount1", "amount2")]


def _scan(stack: dict, table: str) -> list[dict]:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack["dynamodb_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return [item for page in dynamodb.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]


def check_books(stack: dict, paid: list[Paid], receipt_timeout: float = 30.0) -> list[str]:
    """What must hold after the run; an empty list means the books are right."""
    problems = [
        f"payment {p.payment_id} of invoice {p.number} still {p.status}"
        for p in paid
        if p.status not in ("succeeded", "failed")
    ]
    ours = {p.invoice_id: p for p in paid}
    invoices = {
        i["invoice_id"]["S"]: i
        for i in _scan(stack, stack["resources"]["InvoicesTable"])
        if i["invoice_id"]["S"] in ours
    }
    payments = [
        i for i in _scan(stack, stack["resources"]["PaymentsTable"]) if i.get("invoice_id", {}).get("S") in ours
    ]
    succeeded: dict[str, list[int]] = defaultdict(list)
    for item in payments:
        if item.get("status", {}).get("S") == "succeeded":
            succeeded[item["invoice_id"]["S"]].append(int(item["amount"]["N"]))
    for invoice_id, p in ours.items():
        invoice = invoices.get(invoice_id)
        if invoice is None:
            problems.append(f"invoice {p.number} missing")
            continue
        amount_paid, total = int(invoice.get("amount_paid", {"N": "0"})["N"]), int(invoice["total"]["N"])
        counted = succeeded.get(invoice_id, [])
        if p.status == "succeeded" and counted != [p.amount]:
            problems.append(f"invoice {p.number}: the confirmed charge of {p.amount} is counted as {counted}")
        if amount_paid != sum(counted):
            problems.append(f"invoice {p.number}: amount_paid {amount_paid} but succeeded payments {counted}")
        if amount_paid > total:
            problems.append(f"invoice {p.number}: over-paid, {amount_paid} of {total}")
    expected = {p.number for p in paid if p.status == "succeeded"}
    deadline = time.monotonic() + receipt_timeout
    while True:  # receipts go webhook -> SQS -> receipt worker -> SES: wait for them to arrive
        receipts: dict[str, int] = defaultdict(int)
        for message in sent_emails(stack):
            subject = message.get("subject", "")
            if subject.startswith("Receipt"):
                for number in expected:
                    if number in subject:
                        receipts[number] += 1
        if set(receipts) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    problems += [f"invoice {n}: {receipts.get(n, 0)} receipts" for n in sorted(expected) if receipts.get(n, 0) != 1]
    return problems


def drive(stack: dict, clients: int, seconds: float) -> dict:
    """Run `clients` card clients and max(1, clients // 4) of them as ACH payers for `seconds`; check the books."""
    stats = Stats()
    users = stack["demo_users"]
    tokens = {u["email"]: login(stack, u["email"], u["password"]) for u in users}
    admin = Api(stack, login(stack, ADMIN_LOGIN, users[0]["password"]), stats)
    run_id = uuid.uuid4().hex[:6]
    ach_payers = max(1, clients // 4)
    payers = [
        Payer(
            i,
            "ach" if i >= clients - ach_payers and clients > 1 else "card",
            users[i % len(users)],
            Api(stack, tokens[users[i % len(users)]["email"]], stats),
            admin,
            run_id,
        )
        for i in range(clients)
    ]
    if clients == 1:  # one client alone still exercises both processors: an ACH payer beside it
        payers.append(
            Payer(
                1,
                "ach",
                users[1 % len(users)],
                Api(stack, tokens[users[1 % len(users)]["email"]], stats),
                admin,
                run_id,
            )
        )
    started = time.monotonic()
    threads = [threading.Thread(target=p.run, args=(stack, started + seconds), daemon=True) for p in payers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 2 * OUTCOME_TIMEOUT + 30)
    elapsed = time.monotonic() - started
    paid = [p for payer in payers for p in payer.paid]
    return {
        "clients": clients,
        "payers": len(payers),
        "ach_payers": sum(p.method == "ach" for p in payers),
        "elapsed": elapsed,
        "stats": stats,
        "paid": paid,
        "problems": check_books(stack, paid),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def report(result: dict) -> str:
    stats: Stats = result["stats"]
    total = sum(len(v) for v in stats.latency.values())
    succeeded = sum(p.status == "succeeded" for p in result["paid"])
    lines = [
        f"-- {result['clients']} concurrent clients ({result['ach_payers']} of {result['payers']} payers by ACH), "
        f"{result['elapsed']:.1f} s: {total} gateway requests, {total / result['elapsed']:.1f} req/s, "
        f"{succeeded} payments succeeded, {len(stats.errors)} errors",
        f"   {'route':<38} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
    ]
    for route in sorted(stats.latency):
        values = [v * 1000 for v in stats.latency[route]]
        lines.append(
            f"   {route:<38} {len(values):>6} {statistics.median(values):>8.0f} "
            f"{_percentile(values, 95):>8.0f} {_percentile(values, 99):>8.0f}"
        )
    lines += [f"   error: {e}" for e in stats.errors[:10]]
    lines.append(
        "   books: "
        + (
            "OK (each confirmed charge counted once, no invoice over-paid, one receipt each)"
            if not result["problems"]
            else f"WRONG: {result['problems'][:10]}"
        )
    )
    return "\n".join(lines)


def launch_stack(workers: int, folder: Path, dynamodb_url: str | None = None) -> tuple[subprocess.Popen, dict]:
    """`python -m infra.local_stack` on free ports with its handlers in `workers` processes; on a DynamoDB Local
    already running at `dynamodb_url` (the tests'), else on its own."""
    stack_file, log = folder / "stack.json", folder / "stack.log"
    shared = {"LOCAL_DYNAMODB_ENDPOINT_URL": dynamodb_url} if dynamodb_url else {}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local_stack",
            "--port",
            "0",
            "--portal-port",
            "0",
            "--workers",
            str(workers),
            "--stack-file",
            str(stack_file),
        ],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "ACH_SETTLE_SECONDS": "1", **shared},
    )
    deadline = time.monotonic() + 60
    while not stack_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"local stack did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return proc, json.loads(stack_file.read_text())


def stop_stack(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels, comma-separated (default 1,4,16)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each level runs (default 20)")
    parser.add_argument("--workers", type=int, default=4, help="gateway worker processes (default 4)")
    args = parser.parse_args(argv)
    ok = True
    print(f"load test: gateway with {args.workers} worker processes, {args.seconds:.0f} s per level, 127.0.0.1 only")
    for clients in (int(c) for c in args.clients.split(",")):
        with tempfile.TemporaryDirectory(prefix="load-") as folder:
            proc, stack = launch_stack(args.workers, Path(folder))
            try:
                result = drive(stack, clients, args.seconds)
            finally:
                stop_stack(proc)
        print(report(result), flush=True)
        ok = ok and not result["problems"] and not result["stats"].errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

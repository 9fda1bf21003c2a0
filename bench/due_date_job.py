"""Benchmark: the daily due-date job over a table of 100,000 invoices of which 100 are due.

Prints what the job read, counted from DynamoDB's own Query responses (the Count of every Query page it
received), beside the table size. The target: about 100 items read, not 100,000 — the job Queries the
sparse by-open-due-date index one date at a time and never Scans.

The table holds 60,000 paid invoices (not in the sparse index at all), 39,900 open invoices due 45 to 400
days from now (in the index, outside the job's windows), 50 due within the next 30 days and 50 that fell
due within the last 30 days. Run: .venv/bin/python bench/due_date_job.py [--invoices N]
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_TRACE_DISABLED": "1",
    }
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    args = parser.parse_args()

    import boto3

    from infra.dynamodb_local import DynamoDBLocal

    server = DynamoDBLocal().start()
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.url
    from infra import template

    names = {logical: logical for logical in template.resources("AWS::DynamoDB::Table")}
    for logical, env in template.table_env_vars().items():
        os.environ[env] = names[logical]
    template.create_tables(boto3.client("dynamodb"), names)

    from shared.aws.models import Client, Invoice
    from shared.domain.due_dates import FeePolicy
    from shared.services import due_date_job

    today = date(2026, 11, 25)
    clients = [f"client-{n:03d}" for n in range(100)]
    with Client.batch_write() as batch:
        for cid in clients:
            batch.save(Client(cid, name=cid, billing_email=f"{cid}@example.test", reminder_days_before=[7, 3, 1]))

    started = time.monotonic()
    due_now = 100
    plan = (
        [("paid", None)] * int(args.invoices * 0.6)
        + [
            ("open", today + timedelta(days=45 + n % 355))
            for n in range(args.invoices - int(args.invoices * 0.6) - due_now)
        ]
        + [("open", today + timedelta(days=1 + n % 30)) for n in range(due_now // 2)]
        + [("open", today - timedelta(days=1 + n % 30)) for n in range(due_now - due_now // 2)]
    )
    with Invoice.batch_write() as batch:
        for n, (status, due) in enumerate(plan):
            inv = Invoice(
                clients[n % 100],
                f"inv-{n:06d}",
                number=f"INV-{n}",
                total=10000,
                amount_paid=10000 if status == "paid" else 0,
                issued_date="2026-01-01",
                due_date=(due or today - timedelta(days=200)).isoformat(),
                status=status,
                status_key=f"{status}#2026-01-01#inv-{n:06d}",
                open_due_date=due.isoformat() if due else None,
            )
            batch.save(inv)
    print(
        f"loaded {len(plan):,} invoices in {time.monotonic() - started:.0f}s ({due_now} due within the job's windows)"
    )

    counted = {"queries": 0, "items": 0, "scanned": 0, "scans": 0}

    def count(http_response, parsed, model, **kwargs):
        if model.name == "Query":
            counted["queries"] += 1
            counted["items"] += parsed.get("Count", 0)
            counted["scanned"] += parsed.get("ScannedCount", 0)
        elif model.name == "Scan":
            counted["scans"] += 1

    Invoice._get_connection().connection.client.meta.events.register("after-call.dynamodb", count)
    queued = []
    started = time.monotonic()
    report = due_date_job.run(today, queued.append, FeePolicy("none"))
    elapsed = time.monotonic() - started

    print("\n== Due-date job over the table ==")
    print(f"{'table size (invoices)':40} {len(plan):>10,}")
    print(f"{'invoices due in the windows':40} {due_now:>10,}")
    print(f"{'Query requests':40} {counted['queries']:>10,}")
    print(f"{'Scan requests':40} {counted['scans']:>10,}   target 0")
    print(f"{'items read (sum of Query Count)':40} {counted['items']:>10,}   target ~{due_now}")
    print(f"{'items evaluated (sum of ScannedCount)':40} {counted['scanned']:>10,}")
    print(f"{'reminders queued / overdue notices':40} {report.reminders:>5} / {report.overdue_notices}")
    print(f"{'job time (DynamoDB Local)':40} {elapsed:>9.2f}s")
    server.stop()


if __name__ == "__main__":
    main()

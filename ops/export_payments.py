"""ops-export-payments: a client's payments as CSV for the merchant's bookkeeping.

One row per payment, oldest first; amounts are the stored integer cents written as decimal amounts ("1250.00")
with integer arithmetic, never through a float."""

import argparse
import csv
import sys

from ops import stack

COLUMNS = (
    "created_at",
    "payment_id",
    "invoice_id",
    "method",
    "status",
    "currency",
    "amount",
    "refunded",
    "succeeded_at",
    "failure_code",
    "processor",
    "processor_payment_id",
    "card_brand",
    "last4",
)


def decimal_amount(cents: int, currency: str) -> str:
    from shared.domain.money import is_cents, minor_units

    if not is_cents(cents):
        raise TypeError("amounts are integer cents")
    digits = minor_units(currency)
    major, minor = divmod(abs(cents), 10**digits)
    return f"{'-' if cents < 0 else ''}{major}.{minor:0{digits}d}" if digits else f"{'-' if cents < 0 else ''}{major}"


def rows(client_id: str, since: str | None = None, until: str | None = None):
    from shared.aws.models import Payment

    for p in Payment.by_created.query(client_id, scan_index_forward=True):
        if (since and p.created_at < since) or (until and p.created_at >= until):
            continue
        amount, refunded = int(p.amount), int(p.refunded_amount or 0)
        yield {
            "created_at": p.created_at,
            "payment_id": p.payment_id,
            "invoice_id": p.invoice_id,
            "method": p.method,
            "status": p.status,
            "currency": p.currency.upper(),
            "amount": decimal_amount(amount, p.currency),
            "refunded": decimal_amount(refunded, p.currency),
            "succeeded_at": p.succeeded_at or "",
            "failure_code": p.failure_code or "",
            "processor": p.processor,
            "processor_payment_id": p.processor_payment_id or "",
            "card_brand": p.card_brand or "",
            "last4": p.card_last4 or p.bank_last4 or "",
        }


def export(client_id: str, out, since: str | None = None, until: str | None = None) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows(client_id, since, until):
        writer.writerow(row)
        count += 1
    return count


def main(argv: list[str] | None = None, out=None) -> int:
    parser = argparse.ArgumentParser(prog="ops-export-payments", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("--client", required=True)
    parser.add_argument("--since", help="ISO date or time, inclusive (e.g. 2026-01-01)")
    parser.add_argument("--until", help="ISO date or time, exclusive")
    parser.add_argument("--output", help="a file (default: standard output)")
    args = parser.parse_args(argv)
    stack.resolve(args)
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8") as f:
            count = export(args.client, f, args.since, args.until)
    else:
        count = export(args.client, out or sys.stdout, args.since, args.until)
    print(f"{count} payment(s) of client {args.client}", file=sys.stderr)
    return count


if __name__ == "__main__":
    main()

"""ops-settle-payment: settle a payment that needs a person (README runbook docs/runbooks/payment-needs-a-person.md).

The operator's finding goes through the same code as a processor's webhook (shared.services.payment_updates
.apply_update): one transaction changes the payment and its invoice and records the settlement, so running it
twice changes nothing the second time, and a webhook arriving later for the same outcome is a no-op.
A dry run by default; --execute applies it. Either way the decision is logged with the reason and the operator."""

import argparse
import getpass
import sys
import time

from ops import stack
from ops.audit import log

OUTCOMES = ("succeeded", "failed")


def settle(client_id: str, payment_id: str, status: str, reason: str, operator: str, *,
           processor_payment_id: str | None, execute: bool, out=None) -> str:
    """Returns the result: "dry_run", or apply_update's outcome (applied | duplicate | ignored | ...)."""
    out = out or sys.stdout
    from shared.errors import DomainError
    from shared.notify import enqueue_job
    from shared.payment_states import FAILED, Failure, Outcome, PaymentUpdate
    from shared.services.payment_updates import apply_update
    from shared.services.queries import get_payment

    if not reason.strip():
        raise SystemExit("error: --reason is required: it is what the next person reads")
    try:
        payment = get_payment(client_id, payment_id, consistent=True)
    except DomainError:
        raise SystemExit(f"error: no payment {payment_id} of client {client_id}") from None
    ids = {"client_id": client_id, "invoice_id": payment.invoice_id, "payment_id": payment_id,
           "amount": payment.amount, "currency": payment.currency, "from_status": payment.status, "status": status,
           "processor_payment_id": processor_payment_id or payment.processor_payment_id,
           "operator": operator, "reason": reason}
    print(f"payment {payment_id} of client {client_id}, invoice {payment.invoice_id}: {payment.status} -> {status}, "
          f"{payment.amount} {payment.currency} (cents), processor id "
          f"{processor_payment_id or payment.processor_payment_id or '(none)'}", file=out)
    if not execute:
        print("dry run: nothing changed (--execute to settle)", file=out)
        return "dry_run"
    failure = Failure("settled_by_operator", reason) if status == FAILED else None
    outcome = Outcome(status=status, amount=payment.amount, occurred_at=int(time.time()), failure=failure,
                      currency=payment.currency)
    result = apply_update(PaymentUpdate(
        source="operator", event_id=f"{payment_id}:{status}", event_type=f"operator.{status}",
        client_id=client_id, invoice_id=payment.invoice_id, payment_id=payment_id,
        processor_payment_id=processor_payment_id or payment.processor_payment_id, outcome=outcome),
        enqueue_job)
    log.warning("payment settled by an operator", extra=ids | {"result": result.outcome,
                                                              "payment_status": result.payment_status})
    print(f"{result.outcome}: the payment is now {result.payment_status}", file=out)
    return result.outcome


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="ops-settle-payment", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("--client", required=True, help="the payment's client id")
    parser.add_argument("--payment", required=True, help="the payment id")
    parser.add_argument("--status", required=True, choices=OUTCOMES, help="what the processor's record says")
    parser.add_argument("--reason", required=True, help="why, for the log and the next person")
    parser.add_argument("--processor-payment-id", help="the transfer URL or PaymentIntent id found at the processor")
    parser.add_argument("--operator", default=None, help="who decides (default: the login name)")
    parser.add_argument("--execute", action="store_true", help="settle; without it, only show what would change")
    args = parser.parse_args(argv)
    stack.resolve(args)
    return settle(args.client, args.payment, args.status, args.reason, args.operator or getpass.getuser(),
                  processor_payment_id=args.processor_payment_id, execute=args.execute)


if __name__ == "__main__":
    main()

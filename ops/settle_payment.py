"""ops-settle-payment: settle a payment that needs a person (README runbook docs/runbooks/payment-needs-a-person.md).

It asks the processor first (the PaymentIntent at Stripe, the transfer at Dwolla: the stored id, or the one the
operator found) and refuses when the processor's answer is not the status asked for, unless `--override
"<reason>"` says why the person knows better. It shows what it will change and asks for a "yes" unless `--yes`.
The finding then goes through the same code as a processor's webhook (shared.services.payment_updates
.apply_update): one transaction changes the payment and its invoice and records the settlement, so running it
twice changes nothing the second time, and a webhook arriving later for the same outcome is a no-op. A dry run
by default; --execute applies it. Either way the decision is logged with the reason, the operator and the
processor's answer."""

import argparse
import getpass
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from ops import stack
from ops.audit import log

OUTCOMES = ("succeeded", "failed")


@dataclass(frozen=True)
class ProcessorAnswer:
    """What the processor says about the payment, in its words and in ours."""

    processor_id: str | None  # the PaymentIntent or transfer asked about (None: nothing to ask about)
    word: str  # the processor's own status (succeeded, requires_payment_method, processed, pending...) or why none
    status: str | None  # what it means for the payment: succeeded | failed | canceled | processing | None (waiting)
    amount: int | None = None
    problem: str | None = None  # why the answer is not about this payment, or could not be had

    def agrees_with(self, wanted: str, amount: int) -> bool:
        if self.problem or self.status is None:
            return False
        if wanted == "succeeded":
            return self.status == "succeeded" and self.amount == amount
        return self.status in ("failed", "canceled")  # a cancelled intent can never be charged either

    def describe(self) -> str:
        if self.processor_id is None:
            return self.word
        said = f"{self.processor_id} is {self.word}"
        if self.amount is not None:
            said += f" ({self.amount} cents)"
        return said + (f": {self.problem}" if self.problem else "")


def ask_processor(payment, processor_payment_id: str | None, cards: Callable, ach: Callable) -> ProcessorAnswer:
    """The processor's current word on the payment (never a change: reads only)."""
    from shared.http.errors import DomainError, SecretNotConfigured
    from shared.processors.ach import AchError

    asked = processor_payment_id or payment.processor_payment_id
    if not asked:
        return ProcessorAnswer(None, "no processor id stored or given: the processor cannot be asked", None)
    try:
        if payment.processor == "stripe":
            return _stripe_answer(payment, asked, cards())
        if payment.processor == "ach":
            return _ach_answer(payment, asked, ach())
    except (DomainError, SecretNotConfigured, AchError) as exc:  # unreachable, not configured, refused
        return ProcessorAnswer(asked, "unknown", None, problem=f"the processor did not answer ({exc})")
    return ProcessorAnswer(asked, "unknown", None, problem=f"unknown processor {payment.processor!r}")


def _stripe_answer(payment, intent_id: str, cards) -> ProcessorAnswer:
    from datetime import UTC, datetime

    from shared.services.reconciliation import card_outcome

    intent = cards.intent_outcome(intent_id)
    outcome = card_outcome(intent, datetime.now(UTC))
    problem = None
    if intent.metadata.get("payment_id") not in (None, payment.payment_id):
        problem = f"it belongs to payment {intent.metadata['payment_id']}"
    elif intent.currency and intent.currency != payment.currency:
        problem = f"it is in {intent.currency}, the payment in {payment.currency}"
    amount = intent.amount_received if intent.status == "succeeded" else intent.amount
    return ProcessorAnswer(intent.id, intent.status, outcome.status if outcome else None, amount, problem)


def _ach_answer(payment, transfer_id: str, ach) -> ProcessorAnswer:
    from shared.services.ach_events import transfer_outcome, transfer_refusal

    transfer = ach.get_transfer(transfer_id)
    outcome = transfer_outcome(transfer, int(time.time()))
    refusal = transfer_refusal(payment, transfer)
    return ProcessorAnswer(
        transfer.id,
        transfer.status,
        outcome.status if outcome else None,
        transfer.amount,
        f"not this payment's transfer ({refusal})" if refusal else None,
    )


def _changes(payment, status: str, billing_email: str | None) -> list[str]:
    """What settling does, in words, before it is done."""
    from shared.domain.money import format_amount

    amount = format_amount(payment.amount, payment.currency)
    lines = [f"payment {payment.payment_id}: {payment.status} -> {status}"]
    if status == "succeeded":
        lines.append(
            f"invoice {payment.invoice_id}: {amount} counted as paid"
            + (" (no longer pending)" if payment.status == "processing" else "")
        )
        lines.append(f"a receipt is emailed to {billing_email or 'the billing email'}")
    elif payment.status == "processing":
        lines.append(f"invoice {payment.invoice_id}: the {amount} pending is owed again")
    return lines


def settle(
    client_id: str,
    payment_id: str,
    status: str,
    reason: str,
    operator: str,
    *,
    processor_payment_id: str | None,
    execute: bool,
    override: str | None = None,
    yes: bool = False,
    confirm: Callable[[str], str] | None = None,
    out=None,
) -> str:
    """Returns the result: "dry_run", "cancelled", or apply_update's outcome (applied | duplicate | ...). Refusals
    (bad input, the processor disagreeing without --override, no terminal to confirm on) exit with a message and
    change nothing."""
    out = out or sys.stdout
    from shared.aws.models import Client
    from shared.aws.notify import enqueue_job
    from shared.domain.payment_states import FAILED, Failure, Outcome, PaymentUpdate
    from shared.http.errors import DomainError
    from shared.http.validation import text_field
    from shared.processors.factory import ach_processor, card_processor
    from shared.services.payment_updates import apply_update
    from shared.services.queries import get_payment

    try:
        reason = text_field(reason, "--reason", "invalid", 500, what=": it is what the next person reads")
        override = (
            None
            if override is None
            else text_field(override, "--override", "invalid", 500, what=": say why the processor's answer is wrong")
        )
    except DomainError as exc:
        raise SystemExit(f"error: {exc.message}") from None
    try:
        payment = get_payment(client_id, payment_id, consistent=True)
    except DomainError:
        raise SystemExit(f"error: no payment {payment_id} of client {client_id}") from None
    answer = ask_processor(payment, processor_payment_id, card_processor, ach_processor)
    agrees = answer.agrees_with(status, payment.amount)
    ids = {
        "client_id": client_id,
        "invoice_id": payment.invoice_id,
        "payment_id": payment_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "from_status": payment.status,
        "status": status,
        "processor_payment_id": answer.processor_id,
        "processor_status": answer.word,
        "processor_outcome": answer.status,
        "processor_amount": answer.amount,
        "processor_agrees": agrees,
        "overridden": override is not None,
        "override": override,
        "operator": operator,
        "reason": reason,
    }
    print(
        f"payment {payment_id} of client {client_id}, invoice {payment.invoice_id}: {payment.status} -> {status}, "
        f"{payment.amount} {payment.currency} (cents), processor id {answer.processor_id or '(none)'}",
        file=out,
    )
    print(
        f"the processor says: {answer.describe()} -> "
        + ("agrees" if agrees else f"does NOT agree that the payment {status}"),
        file=out,
    )
    if not agrees and override is None:
        log.warning("settlement refused: the processor disagrees", extra=ids | {"result": "refused"})
        raise SystemExit(
            f"error: the processor does not say the payment {status}; nothing changed. If you know "
            'better (e.g. the bank confirmed it), run again with --override "<why>".'
        )
    billing_email = next(iter(Client.batch_get([client_id])), None)
    for line in _changes(payment, status, billing_email.billing_email if billing_email else None):
        print(f"  will change: {line}", file=out)
    if not execute:
        print("dry run: nothing changed (--execute to settle)", file=out)
        return "dry_run"
    if not yes:
        if confirm is None and not sys.stdin.isatty():
            raise SystemExit(
                "error: no terminal to confirm on; nothing changed (add --yes once you have read the dry run)"
            )
        if (confirm or input)(f"Settle payment {payment_id} as {status}? Type yes to go on: ").strip() != "yes":
            print("cancelled: nothing changed", file=out)
            return "cancelled"
    failure = Failure("settled_by_operator", reason) if status == FAILED else None
    outcome = Outcome(
        status=status, amount=payment.amount, occurred_at=int(time.time()), failure=failure, currency=payment.currency
    )
    result = apply_update(
        PaymentUpdate(
            source="operator",
            event_id=f"{payment_id}:{status}",
            event_type=f"operator.{status}",
            client_id=client_id,
            invoice_id=payment.invoice_id,
            payment_id=payment_id,
            processor_payment_id=answer.processor_id or payment.processor_payment_id,
            outcome=outcome,
        ),
        enqueue_job,
    )
    log.warning(
        "payment settled by an operator",
        extra=ids | {"result": result.outcome, "payment_status": result.payment_status},
    )
    print(f"{result.outcome}: the payment is now {result.payment_status}", file=out)
    return result.outcome


def main(argv: list[str] | None = None, confirm: Callable[[str], str] | None = None) -> str:
    """`confirm`: how the "yes" is asked for (default: input() on a terminal)."""
    parser = argparse.ArgumentParser(prog="ops-settle-payment", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("--client", required=True, help="the payment's client id")
    parser.add_argument("--payment", required=True, help="the payment id")
    parser.add_argument("--status", required=True, choices=OUTCOMES, help="what the processor's record says")
    parser.add_argument("--reason", required=True, help="why, for the log and the next person")
    parser.add_argument("--processor-payment-id", help="the transfer URL or PaymentIntent id found at the processor")
    parser.add_argument("--operator", default=None, help="who decides (default: the login name)")
    parser.add_argument("--execute", action="store_true", help="settle; without it, only show what would change")
    parser.add_argument(
        "--override", metavar="REASON", help="settle although the processor says otherwise, and why (logged)"
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts, after a dry run)")
    args = parser.parse_args(argv)
    stack.resolve(args)
    return settle(
        args.client,
        args.payment,
        args.status,
        args.reason,
        args.operator or getpass.getuser(),
        processor_payment_id=args.processor_payment_id,
        execute=args.execute,
        override=args.override,
        yes=args.yes,
        confirm=confirm,
    )


if __name__ == "__main__":
    main()

"""What a processor's outcome does to a payment of several invoices, or to one with a card fee: the payment state
machine's effect (shared/domain/payment_states.py: which status, money in flight or not, received or returned) spread
over the payment's invoices by shared/domain/allocations.py, as journal entries. Pure: no storage."""

from dataclasses import dataclass, field, replace
from typing import Any

from shared.aws.models import Invoice, Payment
from shared.books.ledger import Entry, PaymentBalances, entry
from shared.books.work import balances_of
from shared.domain.allocations import Plan, receive, spread_in_flight, take_back
from shared.domain.invoices import VOID
from shared.domain.payment_states import Effect, PaymentUpdate


def spread_payment(payment: Payment) -> bool:
    """Whether the payment's money is spread by its allocations (several invoices, or a card fee)."""
    return bool(payment.allocations) or bool(payment.card_fee)


@dataclass(frozen=True)
class SpreadChange:
    effect: Effect  # the state machine's, with the money it moved as spread here (and its anomaly)
    entries: list[Entry]
    payment: dict[str, Any] = field(default_factory=dict)  # payment fields beside the state machine's


def spread_outcome(
    effect: Effect, update: PaymentUpdate, payment: Payment, invoices: dict[str, Invoice], key: str, at: str
) -> SpreadChange:
    """`effect`: decided as if every invoice were void (all money received is the payment's to spread here)."""
    plan, held = Plan.of(payment), PaymentBalances(payment.balance_map())
    entries: list[Entry] = []

    def post(kind: str, amount: int, invoice_id: str) -> None:
        if amount:
            entries.append(entry(kind, amount, key, at, invoice_id, payment_id=payment.payment_id))

    if effect.pending_delta < 0:  # no longer in flight: what each invoice had in flight
        for invoice_id, cents in held.pending_invoices().items():
            post("transfer_finished", cents, invoice_id)
    elif effect.pending_delta > 0:
        for invoice_id, cents in spread_in_flight(plan, effect.pending_delta):
            post("transfer_started", cents, invoice_id)

    fields: dict[str, Any] = {}
    if effect.credit_delta > 0:  # money received (the state machine put all of it in credit)
        rooms = {
            i: 0 if inv.status == VOID else max(0, balances_of(inv).money.owed - balances_of(inv).amount_paid)
            for i, inv in invoices.items()
        }
        got = receive(plan, update.outcome.amount, rooms)
        for invoice_id, cents in got.card_fees:
            post("card_fee", cents, invoice_id)
        for invoice_id, cents in got.paid:
            post("payment_received", cents, invoice_id)
        post("kept_as_credit", got.credit, plan.first)
        if plan.card_fee and not got.card_fees:
            fields["card_fee"] = 0  # the fee was not kept (an invoice could not take its share): it is credit too
        anomaly = effect.anomaly
        if anomaly == "overpayment" and not got.credit:
            anomaly = None
        if (
            not anomaly
            and got.card_fees
            and update.payment_method_id
            and payment.processor_method_id
            and update.payment_method_id != payment.processor_method_id
        ):
            # The fee was decided for the card the payment was created with; another card paid it (a client that
            # confirmed the intent itself): the merchant must see whether it was a credit card.
            anomaly = "card_fee_method_changed"
        effect = replace(effect, paid_delta=sum(c for _, c in got.paid), credit_delta=got.credit, anomaly=anomaly)
    elif effect.credit_delta < 0 or effect.paid_delta < 0 or effect.loss:  # a bank return of a settled debit
        # Bank transfers never carry a card fee, so a return takes back credit and what the invoices counted.
        taken = take_back(payment.amount, held, plan)
        post("credit_returned", taken.from_credit, plan.first)
        for invoice_id, paid, _ in taken.parts:
            post("payment_returned", paid, invoice_id)
        post("returned_at_loss", taken.at_loss, plan.first)
        effect = replace(effect, paid_delta=-taken.from_paid, credit_delta=-taken.from_credit, loss=taken.at_loss)
    return SpreadChange(effect, entries, fields)

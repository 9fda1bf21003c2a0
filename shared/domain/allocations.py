"""How one payment's money is spread over the invoices it pays, and taken back. Pure: no storage.

A payment pays one invoice, or several at once (POST /payments, shared/services/multi_payments.py). Its plan is
its shares in the order of allocation (the oldest due date first): for each invoice, the amount it pays (that
invoice's balance when the payment started) and the card fee on that amount (0 unless the client paid by credit
card while a card fee was on: shared/domain/surcharges.py). The payment's own balances (shared/books/ledger.py
PaymentBalances) then say what it counts toward each invoice (`paid:<invoice>`), each invoice's card fee
(`card_fees:<invoice>`) and its part kept as the client's credit.

- Money received: each invoice its share, in order, as far as it still owes it (a void invoice owes nothing). The
  card fees count only when every invoice takes its whole share: a fee is never kept on money that became credit
  (then the fee is credit too, and the payment counts no fee). The rest is the client's credit.
- Money taken back (a refund, a chargeback, a bank return): the card fees in proportion first (what the payment
  still holds of fees stays `card_fee * held / amount`, rounded down: Visa's rules pro-rate a surcharge with a
  partial refund), the rest off the payment's credit, then off the invoices in reverse order of allocation (the
  last paid is reopened first). What the payment no longer holds left twice: the merchant's loss.
- Money given back (a dispute won): what the merchant lost first, then the card fees back to their proportion
  (in order of allocation), then the invoices in order of allocation as far as they owe it and no more than their
  share, the rest as credit.

A payment of one invoice without a card fee is spread exactly as before this module existed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.books.ledger import PaymentBalances


@dataclass(frozen=True)
class Share:
    invoice_id: str
    amount: int  # cents it pays on the invoice
    card_fee: int = 0  # cents of card fee charged on that amount


@dataclass(frozen=True)
class Plan:
    shares: tuple[Share, ...]  # in order of allocation
    amount: int  # the payment's amount: what was asked (shares and fees), or what the processor received
    card_fee: int = 0  # the card fee the payment counts (0: none, or not counted at its success)

    @classmethod
    def of(cls, payment: Any) -> "Plan":
        """A payment record's plan (shared.aws.models.Payment: `allocations` for a payment of several invoices or with
        a card fee; otherwise one share, its invoice's)."""
        if payment.allocations:
            shares = tuple(Share(a.invoice_id, int(a.amount), int(a.card_fee or 0)) for a in payment.allocations)
        else:
            shares = (Share(payment.invoice_id, int(payment.amount)),)
        return cls(shares, int(payment.amount), int(payment.card_fee or 0))

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        return tuple(s.invoice_id for s in self.shares)

    @property
    def first(self) -> str:
        """The invoice whose journal holds the entries that concern no invoice in particular (credit, losses)."""
        return self.shares[0].invoice_id

    @property
    def asked(self) -> int:
        return sum(s.amount + s.card_fee for s in self.shares)


@dataclass(frozen=True)
class Received:
    paid: tuple[tuple[str, int], ...]  # (invoice, cents counted toward it), in order of allocation
    card_fees: tuple[tuple[str, int], ...]  # (invoice, card fee counted), empty when no fee counts
    credit: int


def receive(plan: Plan, received: int, rooms: Mapping[str, int]) -> Received:
    """`rooms`: what each invoice still owes before this money (0 for a void invoice)."""
    fees = [(s.invoice_id, s.card_fee) for s in plan.shares if s.card_fee]
    if received >= plan.asked and all(rooms.get(s.invoice_id, 0) >= s.amount for s in plan.shares):
        return Received(
            tuple((s.invoice_id, s.amount) for s in plan.shares if s.amount), tuple(fees), received - plan.asked
        )
    left, paid = received, []
    for s in plan.shares:
        take = min(s.amount, max(0, rooms.get(s.invoice_id, 0)), left)
        if take:
            paid.append((s.invoice_id, take))
        left -= take
    return Received(tuple(paid), (), left)


def spread_in_flight(plan: Plan, amount: int) -> tuple[tuple[str, int], ...]:
    """Money in flight (a bank transfer, a card payment Stripe is still processing), per invoice in order."""
    left, parts = amount, []
    for s in plan.shares:
        take = min(s.amount + s.card_fee, left)
        if take:
            parts.append((s.invoice_id, take))
        left -= take
    if left and parts:  # more in flight than the shares (never asked for): the first invoice carries it
        parts[0] = (parts[0][0], parts[0][1] + left)
    return tuple(parts) or ((plan.first, amount),)


@dataclass(frozen=True)
class Taken:
    from_credit: int
    parts: tuple[tuple[str, int, int], ...]  # (invoice, from what it paid, from its card fee), last allocated first
    at_loss: int  # what the payment no longer held: the merchant's loss

    @property
    def from_paid(self) -> int:
        return sum(p for _, p, _ in self.parts)

    @property
    def from_card_fees(self) -> int:
        return sum(f for _, _, f in self.parts)


def take_back(amount: int, held: PaymentBalances, plan: Plan) -> Taken:
    """Money leaving for one of a payment's reasons (refund, chargeback, bank return)."""
    holding = held.held
    taken = min(amount, holding)
    fees = sum(held.card_fee_invoices().values())
    keep = plan.card_fee * (holding - taken) // plan.amount  # a payment's amount is never 0
    fee_out = max(0, min(fees - keep, taken))
    rest = taken - fee_out
    from_credit = min(rest, held.credit)
    rest -= from_credit
    parts = []
    for s in reversed(plan.shares):
        fee = min(fee_out, held.card_fees(s.invoice_id))
        paid = min(rest, held.paid(s.invoice_id))
        fee_out, rest = fee_out - fee, rest - paid
        if fee or paid:
            parts.append((s.invoice_id, paid, fee))
    return Taken(from_credit, tuple(parts), amount - taken + rest + fee_out)


@dataclass(frozen=True)
class Given:
    recovered: int  # makes good what the merchant had lost
    parts: tuple[tuple[str, int, int], ...]  # (invoice, counted toward it, card fee back), in order of allocation
    to_credit: int


def give_back(amount: int, held: PaymentBalances, plan: Plan, rooms: Mapping[str, int]) -> Given:
    """Money coming back to a payment (a dispute won). `rooms`: what each invoice still owes (0 when void)."""
    recovered = min(amount, held.lost)
    back = amount - recovered
    fees = sum(held.card_fee_invoices().values())
    target = plan.card_fee * (held.held + back) // plan.amount
    fee_in = max(0, min(target - fees, back))
    rest = back - fee_in
    parts = []
    for s in plan.shares:
        fee = min(fee_in, max(0, s.card_fee - held.card_fees(s.invoice_id)))
        # As far as the invoice owes it, and never more than its share: the rest of a won dispute is credit.
        room = min(max(0, rooms.get(s.invoice_id, 0)), max(0, s.amount - held.paid(s.invoice_id)))
        paid = min(rest, room)
        fee_in, rest = fee_in - fee, rest - paid
        if fee or paid:
            parts.append((s.invoice_id, paid, fee))
    return Given(recovered, tuple(parts), rest + fee_in)

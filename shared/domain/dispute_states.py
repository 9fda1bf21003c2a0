"""Card disputes as Stripe reports them: what one dispute event does to a payment and its money. Pure.

Money moves only when funds move. Stripe withdraws a chargeback's funds once and reinstates them at most
once (a dispute has "zero, one, or two balance transactions"). A withdrawal is known from a
`charge.dispute.funds_withdrawn` event or a negative entry in the dispute's `balance_transactions`; a
reinstatement from `charge.dispute.funds_reinstated`, a positive entry, or the status `won`. Every dispute
event carries the whole dispute, so a `closed` event that arrives before the others still counts what it
shows. Each direction counts once, so any order or repetition of delivery ends the same. The status only
labels the dispute and the payment: an inquiry (`warning_*`) moves no money and leaves the payment
refundable, as Stripe recommends; a chargeback makes it `disputed` until it is won. A `prevented` dispute was
stopped before it became a chargeback by the issuer's refund (Visa's Rapid Dispute Resolution): it moves no
money itself, its refund does. A status this module cannot classify (one Stripe adds later) changes nothing
and is an anomaly for a person.

What a withdrawal takes is decided against what Stripe holds back now (withdrawn - reinstated) and what the
books already count as taken by it (the payment's `chargebacks` balance), never against a number another event
changes: a refund before or after the withdrawal ends in the same books. Money taken and given back is spread over
the payment's invoices as a refund's is (shared/domain/allocations.py): its card fee in proportion, then its credit, then
its invoices in reverse order of allocation; given back in order of allocation.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from shared.books.ledger import PaymentBalances
from shared.domain.allocations import Plan, Share, give_back, take_back
from shared.domain.invoices import InvoiceMoney
from shared.domain.payment_states import DISPUTED, PARTIALLY_REFUNDED, REFUNDED, SUCCEEDED, SUCCESS_RECORDED

INQUIRY = ("warning_needs_response", "warning_under_review", "warning_closed")
CHARGEBACK = ("needs_response", "under_review", "appeal_needs_response", "appeal_under_review", "won", "lost")
PREVENTED = "prevented"  # stopped before it became a chargeback (e.g. Visa RDR): the issuer's refund settles it
# status -> what the merchant is told when the dispute ends so
CLOSED = {"warning_closed": "inquiry_closed", "won": "won", "lost": "lost", PREVENTED: "prevented"}
_LIFECYCLE = {status: rank for rank, status in enumerate(INQUIRY + (PREVENTED,) + CHARGEBACK)}  # same-second ties


@dataclass(frozen=True)
class BalanceTransaction:
    """One of the dispute's balance transactions (Stripe's `balance_transactions`)."""

    amount: int  # gross, in `currency`'s minor unit: < 0 withdrawn from the merchant, > 0 reinstated
    currency: str


@dataclass(frozen=True)
class DisputeReport:
    """What one charge.dispute.* event says."""

    dispute_id: str
    status: str
    amount: int  # the disputed amount, in the charge's currency
    currency: str
    at: int  # the event's creation time (unix seconds)
    balance_transactions: tuple[BalanceTransaction, ...]
    funds_withdrawn: bool  # the event is charge.dispute.funds_withdrawn
    funds_reinstated: bool  # ... charge.dispute.funds_reinstated


@dataclass(frozen=True)
class DisputeState:
    """What the payment records of its dispute (the money it moved is the payment's `chargebacks` balance)."""

    dispute_id: str
    status: str  # Stripe's, as of status_at
    status_at: int
    withdrawn: int | None = None  # cents Stripe withdrew, in the payment's currency; None: no withdrawal known
    reinstated: int | None = None  # cents Stripe gave back; None: no reinstatement known


@dataclass(frozen=True)
class DisputeChange:
    state: DisputeState | None = None  # None: nothing to write but the event record
    moves: tuple[tuple[str, int, str], ...] = ()  # journal entries (kind, cents, invoice), in order
    payment_status: str | None = None  # None: unchanged
    phases: tuple[str, ...] = ()  # what the merchant is told, once each
    anomaly: str | None = None


@dataclass(frozen=True)
class PaymentMoney:
    """The payment's side of the numbers a dispute works on."""

    status: str
    currency: str
    amount: int  # what the processor received
    balances: PaymentBalances  # its dimension of the books
    invoice_id: str
    plan: Plan | None = None  # its invoices and card fee (None: all of it for `invoice_id`, no fee)

    @property
    def spread(self) -> Plan:
        return self.plan or Plan((Share(self.invoice_id, self.amount),), self.amount)


def decide_dispute(
    state: DisputeState | None,
    report: DisputeReport,
    payment: PaymentMoney,
    invoice: InvoiceMoney,
    *,
    void: bool,
    rooms: Mapping[str, int] | None = None,
) -> DisputeChange:
    """`invoice`, `void`: the payment's invoice; `rooms`: instead, what each of its invoices still owes (0 when
    void), for a payment of several invoices."""
    if report.status not in _LIFECYCLE:
        return DisputeChange(anomaly="dispute_status_unknown")
    if report.currency.lower() != payment.currency.lower():
        return DisputeChange(anomaly="dispute_currency_mismatch")
    if payment.status not in SUCCESS_RECORDED:  # the success was never recorded here: nothing to take back from
        return DisputeChange(anomaly="dispute_on_unpaid_payment")
    if state is not None and state.dispute_id != report.dispute_id:
        return DisputeChange(anomaly="second_dispute")

    base = state or DisputeState(report.dispute_id, report.status, report.at)
    newer = state is None or (report.at, _LIFECYCLE[report.status]) > (state.status_at, _LIFECYCLE[state.status])
    status, status_at = (report.status, report.at) if newer else (base.status, base.status_at)

    withdrawn, reinstated = _funds(report, payment.currency.lower())
    withdrawn = base.withdrawn if base.withdrawn is not None else withdrawn  # each direction counts once
    reinstated = base.reinstated if base.reinstated is not None else reinstated
    # What Stripe holds back now, against what the books already count as taken by this dispute: the same
    # numbers whatever else happened to the payment in between (a refund before or after the withdrawal).
    target = max(0, (withdrawn or 0) - (reinstated or 0))
    delta = target - payment.balances.charged_back
    if rooms is None:
        rooms = {payment.invoice_id: 0 if void else max(0, invoice.owed - invoice.amount_paid)}
    moves = _take(delta, payment) if delta > 0 else _give_back(-delta, payment, rooms)

    new_state = DisputeState(base.dispute_id, status, status_at, withdrawn, reinstated)
    if new_state == state and not moves:
        return DisputeChange()
    at_loss = next((a for k, a, _ in moves if k == "chargeback_at_loss"), 0)
    return DisputeChange(
        state=new_state,
        moves=moves,
        payment_status=_payment_status(status, payment) if newer else None,
        phases=_phases(state, new_state, delta),
        anomaly="chargeback_after_refund" if at_loss else None,
    )


def _take(amount: int, payment: PaymentMoney) -> tuple[tuple[str, int, str], ...]:
    """Money withdrawn comes off the payment's card fee in proportion and its part kept as credit first, as a
    refund does, then off its invoices (the last allocated first); what the payment no longer holds (it was
    refunded) left twice: the merchant's loss."""
    plan = payment.spread
    taken = take_back(amount, payment.balances, plan)
    moves = [("chargeback_from_credit", taken.from_credit, plan.first)]
    for invoice_id, paid, fee in taken.parts:
        moves += [("card_fee_charged_back", fee, invoice_id), ("chargeback", paid, invoice_id)]
    moves.append(("chargeback_at_loss", taken.at_loss, plan.first))
    return tuple(m for m in moves if m[1])


def _give_back(amount: int, payment: PaymentMoney, rooms: Mapping[str, int]) -> tuple[tuple[str, int, str], ...]:
    """Money reinstated first makes good what the merchant lost, then the card fee's proportion, then fills the
    invoices (never a void one) and keeps the rest as the client's credit."""
    plan = payment.spread
    given = give_back(amount, payment.balances, plan, rooms)
    moves = [("loss_recovered", given.recovered, plan.first)]
    for invoice_id, paid, fee in given.parts:
        moves += [("card_fee_reversed", fee, invoice_id), ("chargeback_reversed", paid, invoice_id)]
    moves.append(("chargeback_reversed_to_credit", given.to_credit, plan.first))
    return tuple(m for m in moves if m[1])


def _funds(report: DisputeReport, currency: str) -> tuple[int | None, int | None]:
    """(withdrawn, reinstated) cents this event shows, in the payment's currency; None where it shows none."""
    out = [t for t in report.balance_transactions if t.amount < 0]
    back = [t for t in report.balance_transactions if t.amount > 0]
    withdrawn = reinstated = None
    if out or report.funds_withdrawn:
        withdrawn = abs(out[0].amount) if out and out[0].currency == currency else report.amount
    if back:
        if back[0].currency == currency:
            reinstated = back[0].amount
        else:  # settled in another currency: the same share of the disputed amount as of the withdrawal
            gross = abs(out[0].amount) if out and out[0].currency == back[0].currency else 0
            reinstated = report.amount * back[0].amount // gross if gross else report.amount
    elif report.funds_reinstated or report.status == "won":
        reinstated = withdrawn if withdrawn is not None else report.amount
    return withdrawn, reinstated


def _payment_status(status: str, payment: PaymentMoney) -> str | None:
    if status in INQUIRY or status == PREVENTED:
        return None  # no money moved here: the payment stays as it is (a prevented one's refund changes it)
    if status != "won":
        return DISPUTED
    refunded = payment.balances.refunded
    if refunded >= payment.amount:
        return REFUNDED
    return PARTIALLY_REFUNDED if refunded else SUCCEEDED


def _phases(before: DisputeState | None, after: DisputeState, delta: int) -> tuple[str, ...]:
    phases = []
    was_chargeback = before is not None and before.status in CHARGEBACK
    if before is None and after.status in INQUIRY:
        phases.append("inquiry")
    if after.status in CHARGEBACK and not was_chargeback:
        phases.append("opened")
    if delta:
        phases.append("withdrawn" if delta > 0 else "reinstated")
    if after.status in CLOSED and (before is None or before.status != after.status):
        phases.append(CLOSED[after.status])
    return tuple(phases)

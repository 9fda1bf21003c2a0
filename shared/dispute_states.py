"""Card disputes as Stripe reports them: what one dispute event does to a payment and its money. Pure.

Money moves only when funds move. Stripe withdraws a chargeback's funds once and reinstates them at most
once (a dispute has "zero, one, or two balance transactions"). A withdrawal is known from a
`charge.dispute.funds_withdrawn` event or a negative entry in the dispute's `balance_transactions`; a
reinstatement from `charge.dispute.funds_reinstated`, a positive entry, or the status `won`. Every dispute
event carries the whole dispute, so a `closed` event that arrives before the others still counts what it
shows. Each direction counts once, so any order or repetition of delivery ends the same. The status only
labels the dispute and the payment: an inquiry (`warning_*`) moves no money and leaves the payment
refundable, as Stripe recommends; a chargeback makes it `disputed` until it is won. A status this module
cannot classify (`prevented`, or one Stripe adds later) changes nothing and is an anomaly for a person.
"""

from dataclasses import dataclass

from shared.invoices import InvoiceMoney
from shared.payment_states import DISPUTED, PARTIALLY_REFUNDED, REFUNDED, SUCCEEDED

INQUIRY = ("warning_needs_response", "warning_under_review", "warning_closed")
CHARGEBACK = ("needs_response", "under_review", "appeal_needs_response", "appeal_under_review", "won", "lost")
CLOSED = {"warning_closed": "inquiry_closed", "won": "won", "lost": "lost"}  # status -> notice phase
_LIFECYCLE = {status: rank for rank, status in enumerate(INQUIRY + CHARGEBACK)}  # breaks same-second ties
HOLDS_MONEY = (SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED, DISPUTED)


@dataclass(frozen=True)
class LedgerEntry:
    """One of the dispute's balance transactions."""

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
    ledger: tuple[LedgerEntry, ...]
    funds_withdrawn: bool = False  # the event is charge.dispute.funds_withdrawn
    funds_reinstated: bool = False  # ... charge.dispute.funds_reinstated


@dataclass(frozen=True)
class DisputeState:
    """What the payment records of its dispute."""

    dispute_id: str
    status: str  # Stripe's, as of status_at
    status_at: int
    withdrawn: int | None = None  # cents Stripe withdrew, in the payment's currency; None: no withdrawal known
    reinstated: int | None = None  # cents Stripe gave back; None: no reinstatement known
    taken: int = 0  # cents taken off this payment's money here (the invoice's amount_paid, the client's credit)


@dataclass(frozen=True)
class DisputeChange:
    state: DisputeState | None = None  # None: nothing to write but the event record
    paid_delta: int = 0  # to the invoice's amount_paid
    credit_delta: int = 0  # to the client's credit (and the payment's credited_amount)
    payment_status: str | None = None  # None: unchanged
    phases: tuple[str, ...] = ()  # what the merchant is told, once each
    anomaly: str | None = None


@dataclass(frozen=True)
class PaymentMoney:
    """The payment's side of the numbers a dispute works on."""

    status: str
    currency: str
    amount: int  # what the processor received
    refunded: int
    credited: int  # part of it kept as the client's credit


def decide_dispute(state: DisputeState | None, report: DisputeReport, payment: PaymentMoney,
                   invoice: InvoiceMoney, credit_balance: int) -> DisputeChange:
    if report.status not in _LIFECYCLE:
        return DisputeChange(anomaly="dispute_prevented" if report.status == "prevented" else "dispute_status_unknown")
    if report.currency.lower() != payment.currency.lower():
        return DisputeChange(anomaly="dispute_currency_mismatch")
    if payment.status not in HOLDS_MONEY:  # the success was never recorded here: nothing to take back from
        return DisputeChange(anomaly="dispute_on_unpaid_payment")
    if state is not None and state.dispute_id != report.dispute_id:
        return DisputeChange(anomaly="second_dispute")

    base = state or DisputeState(report.dispute_id, report.status, report.at)
    newer = state is None or (report.at, _LIFECYCLE[report.status]) > (state.status_at, _LIFECYCLE[state.status])
    status, status_at = (report.status, report.at) if newer else (base.status, base.status_at)

    withdrawn, reinstated = _funds(report, payment.currency.lower())
    withdrawn = base.withdrawn if base.withdrawn is not None else withdrawn  # each direction counts once
    reinstated = base.reinstated if base.reinstated is not None else reinstated
    # Never more than the payment still holds: money already refunded was given back once, and Stripe returns
    # it when it withdrew it too (a dispute for the full amount of a partly refunded charge).
    target = min(max(0, (withdrawn or 0) - (reinstated or 0)), payment.amount - payment.refunded)
    credit_delta, paid_delta = _split(target - base.taken, payment, invoice, credit_balance)
    moved = -(credit_delta + paid_delta)

    new_state = DisputeState(base.dispute_id, status, status_at, withdrawn, reinstated, base.taken + moved)
    if new_state == state:
        return DisputeChange()
    return DisputeChange(state=new_state, paid_delta=paid_delta, credit_delta=credit_delta,
                         payment_status=_payment_status(status, payment) if newer else None,
                         phases=_phases(state, new_state, moved))


def _funds(report: DisputeReport, currency: str) -> tuple[int | None, int | None]:
    """(withdrawn, reinstated) cents this event shows, in the payment's currency; None where it shows none."""
    out = [e for e in report.ledger if e.amount < 0]
    back = [e for e in report.ledger if e.amount > 0]
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


def _split(take: int, payment: PaymentMoney, invoice: InvoiceMoney, credit_balance: int) -> tuple[int, int]:
    """(credit_delta, paid_delta). Taking comes off the payment's part kept as credit first, as a refund does,
    then off the invoice; giving back fills the invoice first and keeps the rest as credit."""
    if take >= 0:
        from_credit = min(take, payment.credited, max(0, credit_balance))
        return -from_credit, -min(take - from_credit, invoice.amount_paid)
    to_invoice = min(-take, max(0, invoice.owed - invoice.amount_paid))
    return -take - to_invoice, to_invoice


def _payment_status(status: str, payment: PaymentMoney) -> str | None:
    if status in INQUIRY:
        return None  # no money moved: the payment stays as it is, refundable
    if status != "won":
        return DISPUTED
    if payment.refunded >= payment.amount:
        return REFUNDED
    return PARTIALLY_REFUNDED if payment.refunded else SUCCEEDED


def _phases(before: DisputeState | None, after: DisputeState, moved: int) -> tuple[str, ...]:
    phases = []
    was_chargeback = before is not None and before.status in CHARGEBACK
    if before is None and after.status in INQUIRY:
        phases.append("inquiry")
    if after.status in CHARGEBACK and not was_chargeback:
        phases.append("opened")
    if moved:
        phases.append("withdrawn" if moved > 0 else "reinstated")
    if after.status in CLOSED and (before is None or before.status != after.status):
        phases.append(CLOSED[after.status])
    return tuple(phases)

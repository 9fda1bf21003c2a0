"""Invoice arithmetic and derived fields. Pure functions: no storage, no AWS."""

from dataclasses import dataclass
from datetime import date

OPEN, PARTIALLY_PAID, PROCESSING, PAID, VOID = "open", "partially_paid", "processing", "paid", "void"
STATUSES = (OPEN, PARTIALLY_PAID, PROCESSING, PAID, VOID)


@dataclass(frozen=True)
class InvoiceMoney:
    """The four numbers every invoice rule is written against, in cents."""

    total: int
    fees: int
    amount_paid: int
    amount_pending: int

    @property
    def owed(self) -> int:
        return self.total + self.fees

    @property
    def balance(self) -> int:
        # What the client can still start paying; never shown below zero.
        return max(0, self.owed - self.amount_paid - self.amount_pending)


def derive_status(money: InvoiceMoney, *, void: bool = False) -> str:
    """The stored status follows from the numbers, so it is recomputed on every write, never patched."""
    if void:
        return VOID
    if money.amount_paid >= money.owed:
        return PAID
    if money.balance == 0:
        return PROCESSING  # in-flight money covers everything that is left
    if money.amount_paid > 0 or money.amount_pending > 0:
        return PARTIALLY_PAID
    return OPEN


def is_overdue(status: str, balance: int, due_date: date, today: date) -> bool:
    """Overdue from the day after the due date, while money is still owed and not already in flight."""
    return status in (OPEN, PARTIALLY_PAID) and balance > 0 and today > due_date


def is_payable(status: str, balance: int) -> bool:
    return status in (OPEN, PARTIALLY_PAID) and balance > 0

"""The journal: accounts, the kinds of entry that move money between them, and the one function that posts
entries onto balances. Pure: no storage.

Double entry. Every entry moves a positive amount from one account to another, so every posting balances by
construction and the sum over all accounts is always zero. Some accounts are this system's (an invoice's
billed / fees / paid / pending, the client's credit); the others stand for the world outside (the merchant's
sales, the payer's card or bank, money sent back as refunds, money taken by chargebacks, the merchant's
losses). Each entry also carries the payment it is about: a payment's own balances are the same accounts seen
through that payment alone (its "dimension"), so a refund of that payment knows how much of it is credit and
how much paid which invoice, without reading anything else.

Where balances are stored (each account once): an invoice's on the invoice item (`total`, `fees`,
`amount_paid`, `amount_pending`, `card_fees`), the client's credit on the client item, a payment's dimension on the
payment item (`balances`). They are projections of the entries: `post` is the only way they change, and it refuses a
posting that would break an invariant (nothing negative, never paid above what is owed, nothing taken from a
payment that it does not hold), so a wrong computation upstream is a loud refusal, not a wrong balance.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from shared.domain.invoices import InvoiceMoney

# This system's accounts: an invoice's five, the client's credit.
BILLED, FEES, PAID, PENDING, CREDIT = "billed", "fees", "paid", "pending", "credit"
# A card fee (a surcharge on a credit card, shared/domain/surcharges.py) is money received with a payment, never owed on
# its own: it is charged only together with the money it is a fee on, so it needs no obligation account. It has an
# account of its own on the invoice (not `paid`), so a refund or chargeback knows how much of what it takes back
# was fee, and the invoice shows the fee on its own line.
CARD_FEES = "card_fees"
INVOICE_ACCOUNTS = (BILLED, FEES, PAID, PENDING, CARD_FEES)
# The world outside: where money comes from and goes to.
SALES, PAYER, REFUNDS, CHARGEBACKS, LOSSES = "sales", "payer", "refunds", "chargebacks", "losses"
INNER = (*INVOICE_ACCOUNTS, CREDIT)
OBLIGATIONS = (SALES, BILLED, FEES)  # what is owed, not money: never part of a payment's own balances

# kind -> (from account, to account)
KINDS: dict[str, tuple[str, str]] = {
    "invoiced": (SALES, BILLED),
    "late_fee": (SALES, FEES),
    "correction": (BILLED, SALES),
    "transfer_started": (PAYER, PENDING),
    "transfer_finished": (PENDING, PAYER),
    "payment_received": (PAYER, PAID),
    "kept_as_credit": (PAYER, CREDIT),
    "payment_returned": (PAID, PAYER),
    "credit_returned": (CREDIT, PAYER),
    "chargeback": (PAID, CHARGEBACKS),
    "chargeback_from_credit": (CREDIT, CHARGEBACKS),
    "chargeback_reversed": (CHARGEBACKS, PAID),
    "chargeback_reversed_to_credit": (CHARGEBACKS, CREDIT),
    "refunded": (PAID, REFUNDS),
    "refunded_from_credit": (CREDIT, REFUNDS),
    "refund_returned": (REFUNDS, CREDIT),
    # Money that left twice: the merchant's loss, never the client's (no invoice or credit account moves).
    "refunded_at_loss": (LOSSES, REFUNDS),  # a refund of money a return or chargeback had already taken
    "returned_at_loss": (LOSSES, PAYER),  # a bank return of money already refunded
    "chargeback_at_loss": (LOSSES, CHARGEBACKS),  # a chargeback of money already refunded
    "loss_recovered": (CHARGEBACKS, LOSSES),  # a won dispute gives back what was lost first
    "refund_loss_recovered": (REFUNDS, LOSSES),  # a refund sent at a loss came back
    # A card fee on a credit card payment: paid with it, given back with it in proportion (refunds, chargebacks).
    "card_fee": (PAYER, CARD_FEES),
    "card_fee_refunded": (CARD_FEES, REFUNDS),
    "card_fee_charged_back": (CARD_FEES, CHARGEBACKS),
    "card_fee_reversed": (CHARGEBACKS, CARD_FEES),
}
# Each kind in the words a client reads (the OpenAPI document and the README say the same).
DESCRIPTIONS = {
    "invoiced": "The invoice was issued for this amount.",
    "late_fee": "A late fee was added.",
    "correction": "The merchant corrected an overcharge: the invoice total went down.",
    "transfer_started": "A bank transfer started: counted as pending while the bank moves it.",
    "transfer_finished": "A bank transfer settled or failed: no longer pending.",
    "payment_received": "A payment reached the merchant and counts toward the invoice.",
    "kept_as_credit": "Money beyond what was owed, kept as credit on the client's account.",
    "payment_returned": "The bank returned a payment: it no longer counts.",
    "credit_returned": "The bank returned a payment that had been kept as credit.",
    "chargeback": "The card's bank took the payment back (a dispute).",
    "chargeback_from_credit": "The card's bank took back a payment that had been kept as credit (a dispute).",
    "chargeback_reversed": "The dispute was won: the money counts again.",
    "chargeback_reversed_to_credit": "The dispute was won: the money beyond what is owed is credit again.",
    "refunded": "Money sent back to the client: it no longer counts toward the invoice.",
    "refunded_from_credit": "Money sent back out of the credit the payment had left.",
    "refund_returned": "A refund did not reach the client: the merchant owes it again, as credit.",
    "refunded_at_loss": "Money sent back after the bank had already taken the payment back.",
    "returned_at_loss": "The bank took back money that had already been sent back.",
    "chargeback_at_loss": "The card's bank took back money that had already been sent back.",
    "loss_recovered": "The dispute was won: money taken twice came back to the merchant.",
    "refund_loss_recovered": "A refund sent after the payment was taken back did not go through.",
    "card_fee": "A card fee for paying by credit card, paid with the payment.",
    "card_fee_refunded": "The card fee was refunded with (its share of) a refund.",
    "card_fee_charged_back": "The card's bank took the card fee back with the payment (a dispute).",
    "card_fee_reversed": "The dispute was won: the card fee counts again.",
}
# The kinds a client sees in an invoice's activity: those that move the invoice's money or the client's credit.
CLIENT_VISIBLE = frozenset(k for k, (a, b) in KINDS.items() if a in INNER or b in INNER)


class LedgerRefused(Exception):
    """A posting that would break an invariant: nothing is written, a person must look (anomaly alarm)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    kind: str
    amount: int  # cents moved, > 0, from the kind's first account to its second
    key: str  # the event it came from (processor event, request, job run)
    at: str  # ISO-8601 UTC
    invoice_id: str  # the invoice whose history it belongs to (and whose accounts it moves)
    payment_id: str | None = None
    refund_id: str | None = None
    seq: int | None = None  # its place in the invoice's journal, once written

    @property
    def legs(self) -> tuple[tuple[str, int], tuple[str, int]]:
        source, target = KINDS[self.kind]
        return (source, -self.amount), (target, self.amount)

    @property
    def signed(self) -> int:
        """The change it makes to the client's side of the books (what `activity` shows): + into an invoice or
        credit account, - out of one."""
        source, target = KINDS[self.kind]
        return self.amount if target in INNER else -self.amount if source in INNER else 0


def entry(
    kind: str,
    amount: int,
    key: str,
    at: str,
    invoice_id: str,
    *,
    payment_id: str | None = None,
    refund_id: str | None = None,
) -> Entry:
    return Entry(kind, amount, key, at, invoice_id, payment_id, refund_id)


@dataclass(frozen=True)
class InvoiceBalances:
    """An invoice's accounts as stored on it, in cents."""

    total: int = 0  # billed
    fees: int = 0
    amount_paid: int = 0
    amount_pending: int = 0
    card_fees: int = 0  # card fees paid with payments (never owed: not part of `money`)

    @property
    def money(self) -> InvoiceMoney:
        return InvoiceMoney(self.total, self.fees, self.amount_paid, self.amount_pending)

    def moved(self, account: str, amount: int) -> "InvoiceBalances":
        name = {BILLED: "total", FEES: "fees", PAID: "amount_paid", PENDING: "amount_pending", CARD_FEES: "card_fees"}[
            account
        ]
        return replace(self, **{name: getattr(self, name) + amount})


def payment_account(account: str, invoice_id: str) -> str:
    """A payment's own name for an account: its paid, pending and card fees are per invoice (a payment may cover
    several invoices: shared/services/multi_payments.py)."""
    return f"{account}:{invoice_id}" if account in (PAID, PENDING, CARD_FEES) else account


@dataclass(frozen=True)
class PaymentBalances:
    """One payment's dimension of the books: account -> cents (zeros left out). Sums to zero."""

    accounts: Mapping[str, int] = field(default_factory=dict)

    def get(self, account: str, invoice_id: str | None = None) -> int:
        return self.accounts.get(payment_account(account, invoice_id) if invoice_id else account, 0)

    def paid(self, invoice_id: str) -> int:
        return self.get(PAID, invoice_id)

    def paid_invoices(self) -> dict[str, int]:
        """The invoices this payment's money counts toward: invoice -> cents."""
        return self._per_invoice(PAID)

    def pending_invoices(self) -> dict[str, int]:
        """Its money in flight: invoice -> cents."""
        return self._per_invoice(PENDING)

    def card_fees(self, invoice_id: str) -> int:
        return self.get(CARD_FEES, invoice_id)

    def card_fee_invoices(self) -> dict[str, int]:
        """The card fees this payment paid and still holds: invoice -> cents."""
        return self._per_invoice(CARD_FEES)

    def _per_invoice(self, account: str) -> dict[str, int]:
        return {
            name.partition(":")[2]: cents
            for name, cents in self.accounts.items()
            if name.startswith(f"{account}:") and cents
        }

    @property
    def credit(self) -> int:
        return self.accounts.get(CREDIT, 0)

    @property
    def received(self) -> int:
        """Money that came in from the payer and was not returned (settled or still in flight)."""
        return -self.accounts.get(PAYER, 0)

    @property
    def refunded(self) -> int:
        return self.accounts.get(REFUNDS, 0)

    @property
    def charged_back(self) -> int:
        return self.accounts.get(CHARGEBACKS, 0)

    @property
    def lost(self) -> int:
        return -self.accounts.get(LOSSES, 0)

    @property
    def held(self) -> int:
        """What the merchant still holds of this payment: counted on invoices, kept as credit, or card fees."""
        return self.credit + sum(self.paid_invoices().values()) + sum(self.card_fee_invoices().values())

    def held_for(self, invoice_id: str) -> int:
        """What it holds that concerns one invoice: what it counts toward it, its card fee there, and its credit."""
        return self.credit + self.paid(invoice_id) + self.card_fees(invoice_id)

    def moved(self, name: str, amount: int) -> "PaymentBalances":
        accounts = dict(self.accounts)
        accounts[name] = accounts.get(name, 0) + amount
        return PaymentBalances({k: v for k, v in accounts.items() if v})


@dataclass(frozen=True)
class Books:
    """The balances a change works on: its invoices', its client's credit, its payments' dimensions."""

    invoices: Mapping[str, InvoiceBalances] = field(default_factory=dict)
    credit: int = 0
    payments: Mapping[str, PaymentBalances] = field(default_factory=dict)

    def post(self, entries: Iterable[Entry]) -> "Books":
        """The books after `entries`; raises LedgerRefused instead of breaking an invariant."""
        entries = list(entries)
        for e in entries:
            if e.kind not in KINDS:
                raise LedgerRefused(f"unknown_kind:{e.kind}")
            if not isinstance(e.amount, int) or isinstance(e.amount, bool) or e.amount <= 0:
                raise LedgerRefused(f"bad_amount:{e.kind}")
            if e.invoice_id not in self.invoices:  # every entry is written in the journal of an invoice it read
                raise LedgerRefused(f"unknown_invoice:{e.kind}")
        after = self._moved(entries)
        after.check()
        return after

    def _moved(self, entries: Iterable[Entry]) -> "Books":
        """Each entry's two legs onto the balances they belong to (the invoice's, the client's, the payment's)."""
        invoices, credit, payments = dict(self.invoices), self.credit, dict(self.payments)
        for e in entries:
            for account, amount in e.legs:
                if account in INVOICE_ACCOUNTS:
                    invoices[e.invoice_id] = invoices.get(e.invoice_id, InvoiceBalances()).moved(account, amount)
                elif account == CREDIT:
                    credit += amount
                if e.payment_id is not None and account not in OBLIGATIONS:
                    payments[e.payment_id] = payments.get(e.payment_id, PaymentBalances()).moved(
                        payment_account(account, e.invoice_id), amount
                    )
        return Books(invoices, credit, payments)

    def check(self) -> None:
        """The invariants every stored balance keeps."""
        for balances in self.invoices.values():
            for name in ("total", "fees", "amount_paid", "amount_pending", "card_fees"):
                if getattr(balances, name) < 0:
                    raise LedgerRefused(f"negative_{name}")
            if balances.amount_paid > balances.total + balances.fees:
                raise LedgerRefused("paid_above_owed")
        if self.credit < 0:
            raise LedgerRefused("negative_credit")
        for payment in self.payments.values():
            for name, cents in payment.accounts.items():
                account = name.partition(":")[0]
                if (account in (LOSSES, PAYER) and cents > 0) or (account not in (LOSSES, PAYER) and cents < 0):
                    raise LedgerRefused(f"payment_{account}_overdrawn")


def fold(entries: Iterable[Entry]) -> Books:
    """What the entries add up to, from nothing (reconciliation compares it with the stored balances). Refuses
    nothing: a fold shows what is there, right or wrong."""
    return Books()._moved(entries)


def opening(total: int, key: str, at: str, invoice_id: str) -> list[Entry]:
    return [entry("invoiced", total, key, at, invoice_id)] if total else []

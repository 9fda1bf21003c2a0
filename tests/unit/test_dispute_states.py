import itertools
from dataclasses import dataclass, field, replace

import pytest

from shared.books.ledger import Books as Ledger
from shared.books.ledger import InvoiceBalances, PaymentBalances, entry
from shared.domain.dispute_states import BalanceTransaction, DisputeReport, PaymentMoney, decide_dispute

OUT, BACK = BalanceTransaction(-4000, "usd"), BalanceTransaction(4000, "usd")


def pairs(change) -> tuple:
    """The change's journal entries as (kind, cents): every one is the payment's one invoice's ("i")."""
    assert all(invoice_id == "i" for _, _, invoice_id in change.moves)
    return tuple((kind, cents) for kind, cents, _ in change.moves)


def report(status, balance_transactions=(), at=0, *, withdrawn=False, reinstated=False, amount=4000, currency="usd"):
    return DisputeReport("dp_1", status, amount, currency, at, tuple(balance_transactions), withdrawn, reinstated)


def paid_by(amount=4000, *, paid=None, credited=0, refunded=0):
    """A payment of `amount` on invoice i (total 10000): what it paid, kept as credit and had refunded."""
    paid = amount - credited - refunded if paid is None else paid
    moves = [("payment_received", paid), ("kept_as_credit", credited + refunded), ("refunded_from_credit", refunded)]
    return Ledger({"i": InvoiceBalances(total=10000)}).post(
        [entry(k, a, "k", "t", "i", payment_id="p") for k, a in moves if a]
    )


@dataclass(frozen=True)
class Books:
    """A payment on an invoice of 10000 and the client's credit, kept by the real ledger as the service does."""

    status: str = "succeeded"
    amount: int = 4000
    ledger: Ledger = field(default_factory=paid_by)
    dispute: object = None
    void: bool = False

    @property
    def paid(self):
        return self.ledger.invoices["i"].amount_paid

    @property
    def credit(self):
        return self.ledger.credit

    @property
    def held(self) -> PaymentBalances:
        return self.ledger.payments.get("p", PaymentBalances())

    def apply(self, event):
        change = decide_dispute(
            self.dispute,
            event,
            PaymentMoney(self.status, "usd", self.amount, self.held, "i"),
            self.ledger.invoices["i"].money,
            void=self.void,
        )
        if change.state is None:
            return self, change
        ledger = self.ledger.post([entry(k, a, "k", "t", i, payment_id="p") for k, a, i in change.moves])
        return replace(self, status=change.payment_status or self.status, ledger=ledger, dispute=change.state), change


def moved(change, *kinds):
    return sum(a for k, a, _ in change.moves if k in kinds)


def replay(events, books=None):
    books = books or Books()
    for event in events:
        books, _ = books.apply(event)
    return books.status, books.paid, books.credit


WON = [
    report("needs_response", at=1),
    report("needs_response", [OUT], at=1, withdrawn=True),
    report("under_review", [OUT], at=2),
    report("won", [OUT, BACK], at=3, reinstated=True),
    report("won", [OUT, BACK], at=3),
]
LOST = [
    report("needs_response", at=1),
    report("needs_response", [OUT], at=1, withdrawn=True),
    report("under_review", [OUT], at=2),
    report("lost", [OUT], at=3),
]
INQUIRY = [report("warning_needs_response", at=1), report("warning_under_review", at=2), report("warning_closed", at=3)]


@pytest.mark.parametrize(
    "story,final", [(WON, ("succeeded", 4000, 0)), (LOST, ("disputed", 0, 0)), (INQUIRY, ("succeeded", 4000, 0))]
)
def test_every_order_and_duplication_of_a_dispute_ends_as_in_order(story, final):
    assert replay(story) == final
    for order in itertools.permutations(story + story[1:2]):
        assert replay(order) == final, order


def test_a_balance_transaction_of_nothing_gives_nothing_back_and_a_win_still_does():
    """Only a positive balance transaction is a reinstatement: an empty one beside the withdrawal is not "0 back"."""
    empty = BalanceTransaction(0, "usd")
    story = WON[:3] + [report("won", [OUT, empty], at=3)]
    assert replay(story) == ("succeeded", 4000, 0)


def test_an_inquiry_never_moves_money_nor_makes_the_payment_disputed():
    books = Books()
    for event in INQUIRY:
        books, change = books.apply(event)
        assert (pairs(change), change.payment_status) == ((), None)
    assert (books.status, books.dispute.status) == ("succeeded", "warning_closed")


def test_money_moves_at_the_withdrawal_and_the_reinstatement_only():
    books, moves = Books(), []
    for event in WON:
        books, change = books.apply(event)
        moves.append((pairs(change), change.payment_status, change.phases))
    assert moves == [
        ((), "disputed", ("opened",)),
        ((("chargeback", 4000),), None, ("withdrawn",)),
        ((), "disputed", ()),
        ((("chargeback_reversed", 4000),), "succeeded", ("reinstated", "won")),
        ((), None, ()),
    ]


def test_the_signal_alone_counts_when_the_object_lists_no_balance_transaction():
    assert replay([report("needs_response", withdrawn=True, at=1)]) == ("disputed", 0, 0)
    assert replay([report("needs_response", withdrawn=True, at=1), report("won", at=2)]) == ("succeeded", 4000, 0)
    # reinstated first, withdrawn later: nothing is ever taken
    assert replay([report("under_review", reinstated=True, at=2), report("needs_response", withdrawn=True, at=1)]) == (
        "disputed",
        4000,
        0,
    )


def test_a_status_that_cannot_be_classified_changes_nothing():
    change = decide_dispute(
        None,
        report("charge_refunded", [OUT], withdrawn=True),
        PaymentMoney("succeeded", "usd", 4000, Books().held, "i"),
        Books().ledger.invoices["i"].money,
        void=False,
    )
    assert (change.state, pairs(change), change.anomaly) == (None, (), "dispute_status_unknown")


def test_a_prevented_dispute_moves_no_money_and_tells_the_merchant():
    books, change = Books().apply(report("prevented", at=1))
    assert (pairs(change), change.payment_status, change.phases, books.paid) == ((), None, ("prevented",), 4000)


@pytest.mark.parametrize(
    "books,event,anomaly",
    [
        (Books(), report("needs_response", [OUT], currency="eur"), "dispute_currency_mismatch"),
        (Books(status="pending", ledger=paid_by(paid=0)), report("needs_response", [OUT]), "dispute_on_unpaid_payment"),
    ],
)
def test_a_dispute_that_does_not_fit_the_payment_changes_nothing(books, event, anomaly):
    after, change = books.apply(event)
    assert (after, change.anomaly) == (books, anomaly)


def test_a_second_dispute_on_the_same_payment_changes_nothing():
    books, _ = Books().apply(report("needs_response", [OUT]))
    other = replace(report("won", [OUT, BACK], at=5), dispute_id="dp_2")
    after, change = books.apply(other)
    assert (after, change.anomaly) == (books, "second_dispute")


def test_a_full_dispute_of_a_partly_refunded_payment_takes_what_it_holds_and_the_rest_is_a_loss():
    refunded = Books(ledger=paid_by(refunded=1000))  # paid 3000 on the invoice, 1000 refunded
    books, change = refunded.apply(report("needs_response", [OUT], at=1))
    assert (books.status, books.paid, moved(change, "chargeback_at_loss"), change.anomaly) == (
        "disputed",
        0,
        1000,
        "chargeback_after_refund",
    )
    # lost: nothing more moves, the loss stays for a person to see
    lost, change = books.apply(report("lost", [OUT], at=2))
    assert (lost.status, lost.paid, lost.held.lost, pairs(change)) == ("disputed", 0, 1000, ())
    # won: the loss is made good first, then the 3000 the payment still held counts again
    won, change = books.apply(report("won", [OUT, BACK], at=2))
    assert (won.status, won.paid, won.held.lost, pairs(change)) == (
        "partially_refunded",
        3000,
        0,
        (("loss_recovered", 1000), ("chargeback_reversed", 3000)),
    )


def test_a_dispute_won_on_a_fully_refunded_payment_leaves_it_refunded():
    books = Books(status="refunded", ledger=paid_by(refunded=4000))
    books, _ = books.apply(report("needs_response", [OUT], at=1))
    books, _ = books.apply(report("won", [OUT, BACK], at=2))
    assert (books.status, books.paid, books.held.lost) == ("refunded", 0, 0)


@pytest.mark.parametrize("refund_first", [True, False])
def test_a_refund_before_or_after_the_withdrawal_ends_in_the_same_books(refund_first):
    """The refund itself is the refund service's: here, as it posts (credit first, then the invoice, then the
    merchant's loss when the payment holds nothing any more)."""

    def refund(books):
        held = books.held
        paid = min(1000, held.paid("i"))
        moves = [("refunded", paid), ("refunded_at_loss", 1000 - paid)]
        return replace(
            books, ledger=books.ledger.post([entry(k, a, "r", "t", "i", payment_id="p") for k, a in moves if a])
        )

    books = Books()
    steps = [refund, lambda b: b.apply(report("needs_response", [OUT], at=1))[0]]
    for step in steps if refund_first else steps[::-1]:
        books = step(books)
    assert (books.paid, books.held.accounts) == (
        0,
        {"payer": -4000, "refunds": 1000, "chargebacks": 4000, "losses": -1000},
    )
    books, _ = books.apply(report("won", [OUT, BACK], at=2))
    assert (books.paid, books.held.accounts) == (3000, {"payer": -4000, "paid:i": 3000, "refunds": 1000})


def test_a_chargeback_takes_the_payments_credit_first_and_gives_back_to_the_invoice_first():
    overpaid = Books(amount=5000, ledger=paid_by(5000, paid=4000, credited=1000))
    out = BalanceTransaction(-5000, "usd")
    books, change = overpaid.apply(report("needs_response", [out], amount=5000, at=1))
    assert (pairs(change), books.credit, books.paid) == ((("chargeback_from_credit", 1000), ("chargeback", 4000)), 0, 0)
    books, change = books.apply(report("won", [out, BalanceTransaction(5000, "usd")], amount=5000, at=2))
    assert (pairs(change), books.paid, books.credit) == ((("chargeback_reversed", 5000),), 5000, 0)


def test_money_won_back_on_a_void_invoice_is_credit():
    books, _ = Books().apply(report("needs_response", [OUT], at=1))
    books, change = replace(books, void=True).apply(report("won", [OUT, BACK], at=2))
    assert (pairs(change), books.paid, books.credit) == ((("chargeback_reversed_to_credit", 4000),), 0, 4000)


def test_a_one_cent_withdrawal_is_told_as_a_withdrawal():
    _, change = Books().apply(report("needs_response", [BalanceTransaction(-1, "usd")], amount=1, at=1))
    assert (pairs(change), change.phases) == ((("chargeback", 1),), ("opened", "withdrawn"))


def test_a_dispute_settled_in_another_currency_counts_the_charges_amount():
    out, back = BalanceTransaction(-3700, "eur"), BalanceTransaction(1850, "eur")  # half of it given back
    books, change = Books().apply(report("needs_response", [out], at=1))
    assert pairs(change) == (("chargeback", 4000),)
    books, change = books.apply(report("lost", [out, back], at=2))
    assert pairs(change) == (("chargeback_reversed", 2000),)


def test_every_step_the_merchant_is_told_of_has_its_email():
    from shared.domain.merchant import Merchant
    from shared.emails.money_back_emails import DisputeFacts, render_dispute

    merchant = Merchant(
        name="Acme", sender_email="b@acme.test", support_email="h@acme.test", support_phone="", portal_url=""
    )
    phases = set()
    for story in (WON, LOST, INQUIRY):
        books = Books()
        for event in story:
            books, change = books.apply(event)
            phases.update(change.phases)
    phases.update(Books().apply(report("prevented", at=1))[1].phases)
    assert phases == {"inquiry", "opened", "withdrawn", "reinstated", "won", "lost", "inquiry_closed", "prevented"}
    for phase in phases:
        email = render_dispute(
            DisputeFacts(
                to="o@acme.test",
                client_name="Ann",
                client_id="c",
                invoice_number="INV-1",
                payment_id="p",
                processor_payment_id="pi",
                dispute_id="dp_1",
                amount=4000,
                currency="usd",
                phase=phase,
            ),
            merchant,
        )
        assert "$40.00" in email.subject and "INV-1" in email.subject and "dp_1" in email.text


@pytest.mark.parametrize(
    "status", ["needs_response", "under_review", "appeal_needs_response", "appeal_under_review", "lost"]
)
def test_every_chargeback_status_makes_the_payment_disputed(status):
    _, change = Books().apply(report(status, [OUT], at=1))
    assert (change.payment_status, pairs(change)) == ("disputed", (("chargeback", 4000),))


@pytest.mark.parametrize("status", ["warning_needs_response", "warning_under_review", "warning_closed"])
def test_every_inquiry_status_leaves_the_payment_as_it_was_and_is_told_once(status):
    books, change = Books().apply(report(status, at=1))
    assert (change.payment_status, pairs(change), change.phases[0]) == (None, (), "inquiry")
    _, again = books.apply(report("warning_under_review", at=2))
    assert "inquiry" not in again.phases


def test_the_same_report_again_is_nothing_new():
    books, _ = Books().apply(report("needs_response", [OUT], at=1))
    _, change = books.apply(report("needs_response", [OUT], at=1))
    assert change == type(change)()  # no state to write, no money, no phase


def test_a_plain_withdrawal_is_no_anomaly():
    _, change = Books().apply(report("needs_response", [OUT], at=1))
    assert change.anomaly is None


def test_a_partial_chargeback_of_an_overpaid_payment_takes_its_credit_then_only_the_rest_from_the_invoice():
    overpaid = Books(amount=5000, ledger=paid_by(5000, paid=4000, credited=1000))
    _, change = overpaid.apply(report("needs_response", [BalanceTransaction(-2000, "usd")], amount=2000, at=1))
    assert pairs(change) == (("chargeback_from_credit", 1000), ("chargeback", 1000))


def test_money_won_back_after_the_invoice_was_paid_again_is_credit():
    books, _ = Books().apply(report("needs_response", [OUT], at=1))
    # another payment paid the invoice in full meanwhile (10000 of 10000)
    other = books.ledger.post([entry("payment_received", 10000, "k2", "t", "i", payment_id="p2")])
    books, change = replace(books, ledger=other).apply(report("won", [OUT, BACK], at=2))
    assert pairs(change) == (("chargeback_reversed_to_credit", 4000),)
    half_paid = books.ledger  # and with room for part of it
    assert half_paid.invoices["i"].amount_paid == 10000


def test_a_reinstatement_in_another_currency_without_the_withdrawal_listed_counts_the_disputed_amount():
    books, _ = Books().apply(report("needs_response", withdrawn=True, at=1))
    _, change = books.apply(report("won", [BalanceTransaction(3700, "eur")], at=2))
    assert pairs(change) == (("chargeback_reversed", 4000),)


def test_a_balance_transaction_of_nothing_is_neither_a_withdrawal_nor_a_reinstatement():
    books, change = Books().apply(report("needs_response", [BalanceTransaction(0, "usd")], at=1))
    assert pairs(change) == () and books.dispute.withdrawn is None
    books, change = books.apply(report("needs_response", [OUT], at=2))  # the real withdrawal still counts
    assert pairs(change) == (("chargeback", 4000),)


def test_a_one_cent_reinstatement_counts():
    books, _ = Books().apply(report("needs_response", [OUT], at=1))
    _, change = books.apply(report("under_review", [OUT, BalanceTransaction(1, "usd")], at=2))
    assert pairs(change) == (("chargeback_reversed", 1),)

import itertools
from dataclasses import dataclass, replace

import pytest

from shared.dispute_states import DisputeReport, LedgerEntry, PaymentMoney, decide_dispute
from shared.invoices import InvoiceMoney

OUT, BACK = LedgerEntry(-4000, "usd"), LedgerEntry(4000, "usd")


def report(status, ledger=(), at=0, *, withdrawn=False, reinstated=False, amount=4000, currency="usd"):
    return DisputeReport("dp_1", status, amount, currency, at, tuple(ledger), withdrawn, reinstated)


@dataclass(frozen=True)
class Books:
    """A payment of 4000 on an invoice of 10000, and the client's credit, as the service would store them."""

    status: str = "succeeded"
    amount: int = 4000
    refunded: int = 0
    credited: int = 0
    paid: int = 4000
    credit: int = 0
    dispute: object = None

    def apply(self, event):
        change = decide_dispute(self.dispute, event, PaymentMoney(self.status, "usd", self.amount, self.refunded,
                                                                  self.credited),
                                InvoiceMoney(10000, 0, self.paid, 0), self.credit)
        if change.state is None:
            return self, change
        return replace(self, status=change.payment_status or self.status, paid=self.paid + change.paid_delta,
                       credit=self.credit + change.credit_delta, credited=self.credited + change.credit_delta,
                       dispute=change.state), change


def replay(events, books=None):
    books = books or Books()
    for event in events:
        books, _ = books.apply(event)
    return books.status, books.paid, books.credit


WON = [report("needs_response", at=1), report("needs_response", [OUT], at=1, withdrawn=True),
       report("under_review", [OUT], at=2), report("won", [OUT, BACK], at=3, reinstated=True),
       report("won", [OUT, BACK], at=3)]
LOST = [report("needs_response", at=1), report("needs_response", [OUT], at=1, withdrawn=True),
        report("under_review", [OUT], at=2), report("lost", [OUT], at=3)]
INQUIRY = [report("warning_needs_response", at=1), report("warning_under_review", at=2),
           report("warning_closed", at=3)]


@pytest.mark.parametrize("story,final", [(WON, ("succeeded", 4000, 0)), (LOST, ("disputed", 0, 0)),
                                         (INQUIRY, ("succeeded", 4000, 0))])
def test_every_order_and_duplication_of_a_dispute_ends_as_in_order(story, final):
    assert replay(story) == final
    for order in itertools.permutations(story + story[1:2]):
        assert replay(order) == final, order


def test_an_inquiry_never_moves_money_nor_makes_the_payment_disputed():
    books = Books()
    for event in INQUIRY:
        books, change = books.apply(event)
        assert (change.paid_delta, change.credit_delta, change.payment_status) == (0, 0, None)
    assert (books.status, books.dispute.status) == ("succeeded", "warning_closed")


def test_money_moves_at_the_withdrawal_and_the_reinstatement_only():
    books, moves = Books(), []
    for event in WON:
        books, change = books.apply(event)
        moves.append((change.paid_delta, change.payment_status, change.phases))
    assert moves == [(0, "disputed", ("opened",)), (-4000, None, ("withdrawn",)), (0, "disputed", ()),
                     (4000, "succeeded", ("reinstated", "won")), (0, None, ())]


def test_the_signal_alone_counts_when_the_object_lists_no_balance_transaction():
    assert replay([report("needs_response", withdrawn=True, at=1)]) == ("disputed", 0, 0)
    assert replay([report("needs_response", withdrawn=True, at=1), report("won", at=2)]) == ("succeeded", 4000, 0)
    # reinstated first, withdrawn later: nothing is ever taken
    assert replay([report("under_review", reinstated=True, at=2), report("needs_response", withdrawn=True, at=1)]) \
        == ("disputed", 4000, 0)


@pytest.mark.parametrize("status,anomaly", [("prevented", "dispute_prevented"),
                                            ("charge_refunded", "dispute_status_unknown")])
def test_statuses_that_cannot_be_classified_change_nothing(status, anomaly):
    change = decide_dispute(None, report(status, [OUT], withdrawn=True), PaymentMoney("succeeded", "usd", 4000, 0, 0),
                            InvoiceMoney(10000, 0, 4000, 0), 0)
    assert (change.state, change.paid_delta, change.anomaly) == (None, 0, anomaly)


@pytest.mark.parametrize("books,event,anomaly", [
    (Books(), report("needs_response", [OUT], currency="eur"), "dispute_currency_mismatch"),
    (Books(status="pending", paid=0), report("needs_response", [OUT]), "dispute_on_unpaid_payment"),
])
def test_a_dispute_that_does_not_fit_the_payment_changes_nothing(books, event, anomaly):
    after, change = books.apply(event)
    assert (after, change.anomaly) == (books, anomaly)


def test_a_second_dispute_on_the_same_payment_changes_nothing():
    books, _ = Books().apply(report("needs_response", [OUT]))
    other = replace(report("won", [OUT, BACK], at=5), dispute_id="dp_2")
    after, change = books.apply(other)
    assert (after, change.anomaly) == (books, "second_dispute")


def test_a_full_dispute_of_a_partly_refunded_payment_counts_the_refund_once():
    refunded = Books(refunded=1000, paid=3000)
    assert replay([report("needs_response", [OUT], at=1)], refunded) == ("disputed", 0, 0)
    # lost, Stripe returning the 1000 refunded before: still nothing of this payment counts
    assert replay([report("needs_response", [OUT], at=1), report("lost", [OUT, LedgerEntry(1000, "usd")], at=2)],
                  refunded) == ("disputed", 0, 0)
    # won: the 3000 the payment still held counts again
    assert replay([report("needs_response", [OUT], at=1), report("won", [OUT, BACK], at=2)], refunded) \
        == ("partially_refunded", 3000, 0)


def test_a_chargeback_takes_the_payments_credit_first_and_gives_back_to_the_invoice_first():
    overpaid = Books(amount=5000, credited=1000, credit=1000, paid=4000)
    out = LedgerEntry(-5000, "usd")
    books, change = overpaid.apply(report("needs_response", [out], amount=5000, at=1))
    assert (change.credit_delta, change.paid_delta, books.credit, books.paid) == (-1000, -4000, 0, 0)
    books, change = books.apply(report("won", [out, LedgerEntry(5000, "usd")], amount=5000, at=2))
    assert (change.paid_delta, change.credit_delta, books.paid, books.credit) == (5000, 0, 5000, 0)


def test_a_dispute_settled_in_another_currency_counts_the_charges_amount():
    out, back = LedgerEntry(-3700, "eur"), LedgerEntry(1850, "eur")  # half of it given back
    books, change = Books().apply(report("needs_response", [out], at=1))
    assert change.paid_delta == -4000
    books, change = books.apply(report("lost", [out, back], at=2))
    assert change.paid_delta == 2000


def test_every_step_the_merchant_is_told_of_has_its_email():
    from shared.merchant import Merchant
    from shared.money_back_emails import DisputeFacts, render_dispute

    merchant = Merchant(name="Acme", sender_email="b@acme.test", support_email="h@acme.test", support_phone="",
                        portal_url="")
    phases = set()
    for story in (WON, LOST, INQUIRY):
        books = Books()
        for event in story:
            books, change = books.apply(event)
            phases.update(change.phases)
    assert phases == {"inquiry", "opened", "withdrawn", "reinstated", "won", "lost", "inquiry_closed"}
    for phase in phases:
        email = render_dispute(DisputeFacts(to="o@acme.test", client_name="Ann", client_id="c", invoice_number="INV-1",
                                            payment_id="p", processor_payment_id="pi", dispute_id="dp_1", amount=4000,
                                            currency="usd", phase=phase), merchant)
        assert "$40.00" in email.subject and "INV-1" in email.subject and "dp_1" in email.text

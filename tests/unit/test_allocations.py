"""How a payment's money is spread over its invoices and taken back (shared/domain/allocations.py), the card fee's
arithmetic (shared/domain/surcharges.py), and the bound that keeps a payment of several invoices in one transaction."""

import pytest

from shared.aws.models import Client, Invoice, LineItem, Payment
from shared.books.ledger import Books, InvoiceBalances, PaymentBalances, entry
from shared.books.memory import MemoryRepository
from shared.books.work import Change, Keys, run
from shared.domain import surcharges
from shared.domain.allocations import Plan, Share, give_back, receive, spread_in_flight, take_back
from shared.domain.payment_states import Effect, Outcome, PaymentUpdate
from shared.domain.spread_outcomes import spread_outcome
from shared.http.request_schemas import MAX_INVOICES
from shared.services import refunds

PLAN = Plan((Share("a", 10000, 300), Share("b", 5000, 150)), 15450, 450)


def held(**accounts) -> PaymentBalances:
    """paid_a=... is the payment's paid:a, card_fees_a its card_fees:a."""

    def name(k: str) -> str:
        for prefix in ("card_fees", "paid"):
            if k.startswith(prefix + "_"):
                return f"{prefix}:{k[len(prefix) + 1 :]}"
        return k

    return PaymentBalances({name(k): v for k, v in accounts.items()})


def test_money_received_pays_each_share_in_order_with_its_fee_only_when_every_share_fits():
    got = receive(PLAN, 15450, {"a": 10000, "b": 5000})
    assert (got.paid, got.card_fees, got.credit) == ((("a", 10000), ("b", 5000)), (("a", 300), ("b", 150)), 0)
    # b was paid meanwhile: no fee is kept at all; what b cannot take (and the fees) is credit
    got = receive(PLAN, 15450, {"a": 10000, "b": 0})
    assert (got.paid, got.card_fees, got.credit) == ((("a", 10000),), (), 5450)
    # a partial capture fills in order
    got = receive(PLAN, 12000, {"a": 10000, "b": 5000})
    assert (got.paid, got.card_fees, got.credit) == ((("a", 10000), ("b", 2000)), (), 0)


def test_money_in_flight_is_spread_by_share():
    assert spread_in_flight(Plan((Share("a", 10000), Share("b", 5000)), 15000), 15000) == (("a", 10000), ("b", 5000))


def test_a_refund_takes_the_fee_in_proportion_then_credit_then_the_last_invoice_first():
    paid = held(payer=-15450, paid_a=10000, paid_b=5000, card_fees_a=300, card_fees_b=150)
    taken = take_back(3090, paid, PLAN)  # a fifth of the payment: a fifth of the fee
    assert (taken.from_credit, taken.parts, taken.at_loss) == (0, (("b", 3000, 90),), 0)
    everything = take_back(15450, paid, PLAN)
    assert (everything.parts, everything.at_loss) == ((("b", 5000, 150), ("a", 10000, 300)), 0)
    assert take_back(16000, paid, PLAN).at_loss == 550  # more than it holds: the merchant's loss


def test_credit_goes_before_the_invoices():
    paid = held(payer=-15450, paid_a=10000, credit=5450)  # b could not take its share: no fee counted
    plan = Plan(PLAN.shares, 15450, 0)
    taken = take_back(6000, paid, plan)
    assert (taken.from_credit, taken.parts) == (5450, (("a", 550, 0),))


def test_successive_refunds_give_back_exactly_the_whole_fee():
    paid = held(payer=-15450, paid_a=10000, paid_b=5000, card_fees_a=300, card_fees_b=150)
    fees = 0
    for _ in range(15):  # fifteen refunds of 1,030 each
        taken = take_back(1030, paid, PLAN)
        fees += taken.from_card_fees
        for invoice_id, p, f in taken.parts:
            paid = paid.moved(f"paid:{invoice_id}", -p).moved(f"card_fees:{invoice_id}", -f).moved("refunds", p + f)
    assert (fees, paid.held) == (450, 0)


def test_a_won_dispute_restores_the_fee_and_the_shares_in_order():
    taken_back = held(payer=-15450, chargebacks=15450)
    given = give_back(15450, taken_back, PLAN, {"a": 10000, "b": 5000})
    assert (given.recovered, given.parts, given.to_credit) == (0, (("a", 10000, 300), ("b", 5000, 150)), 0)
    # a paid meanwhile: its share is credit (never more than a share to an invoice)
    given = give_back(15450, taken_back, PLAN, {"a": 0, "b": 5000})
    assert given.parts == (("a", 0, 300), ("b", 5000, 150)) and given.to_credit == 10000


def test_one_invoice_without_a_fee_is_spread_as_it_always_was():
    plan = Plan((Share("i", 4000),), 4000)
    paid = held(payer=-5000, paid_i=4000, credit=1000, refunds=0)
    taken = take_back(4500, paid, plan)
    assert (taken.from_credit, taken.from_paid, taken.at_loss) == (1000, 3500, 0)
    assert give_back(
        3000, held(payer=-4000, chargebacks=4000, losses=-1000, refunds=1000), plan, {"i": 10000}
    ).parts == (("i", 2000, 0),)


def test_a_payment_records_plan():
    from shared.aws.models import Allocation

    one = Payment(
        "c",
        "p",
        invoice_id="i",
        amount=4000,
        currency="usd",
        method="card",
        status="pending",
        created_at="t",
        processor="stripe",
        request_fingerprint="f",
        created_key="k",
        invoice_key="k",
    )
    assert Plan.of(one) == Plan((Share("i", 4000, 0),), 4000, 0)
    one.allocations = [
        Allocation(invoice_id="a", invoice_number="A", amount=3000),
        Allocation(invoice_id="b", invoice_number="B", amount=1000),
    ]
    assert Plan.of(one) == Plan((Share("a", 3000, 0), Share("b", 1000, 0)), 4000, 0)
    assert (Plan.of(one).invoice_ids, Plan.of(one).first, PLAN.asked) == (("a", "b"), "a", 15450)


def test_money_in_flight_fills_the_shares_in_order_and_anything_beyond_them_is_the_first_invoices():
    plan = Plan((Share("a", 1000, 30), Share("b", 500, 15)), 1545, 45)
    assert spread_in_flight(plan, 1545) == (("a", 1030), ("b", 515))
    assert spread_in_flight(plan, 1200) == (("a", 1030), ("b", 170))
    assert spread_in_flight(plan, 2000) == (("a", 1485), ("b", 515))
    assert spread_in_flight(plan, 700) == (("a", 700),)


def test_an_invoice_without_a_room_takes_nothing():
    got = receive(Plan((Share("a", 1000), Share("b", 500)), 1500), 1500, {"a": 1000})
    assert (got.paid, got.credit) == ((("a", 1000),), 500)
    got = receive(Plan((Share("a", 1000), Share("b", 500)), 1500), 1200, {"b": 500})
    assert (got.paid, got.credit) == ((("b", 500),), 700)


def test_a_full_reinstatement_of_one_invoice_restores_it_whole():
    plan = Plan((Share("i", 4000),), 4000)
    given = give_back(4000, held(payer=-4000, chargebacks=4000), plan, {"i": 4000})
    assert (given.recovered, given.parts, given.to_credit) == (0, (("i", 4000, 0),), 0)


def test_a_partial_chargeback_won_gives_back_the_fee_taken_and_never_beyond_a_share():
    # the chargeback took 3,090 off b (3,000 and 90 of fee); a owes 500 more since (a late fee), b its 3,000
    after = held(payer=-15450, paid_a=10000, paid_b=2000, card_fees_a=300, card_fees_b=60, chargebacks=3090)
    given = give_back(3090, after, PLAN, {"a": 500, "b": 3000})
    assert (given.parts, given.to_credit) == ((("b", 3000, 90),), 0)
    given = give_back(3090, after, PLAN, {"b": 3000})  # a's room unknown: nothing for a
    assert given.parts == (("b", 3000, 90),)


def test_money_a_payment_holds_outside_its_plan_is_never_lost_track_of():
    """States the books never reach (a payment holding money for an invoice not in its plan, a fee its shares cannot
    take): what cannot be placed is the merchant's loss when taken, the client's credit when given."""
    stray = held(payer=-1030, paid_x=1000, card_fees_x=30)
    taken = take_back(1030, stray, Plan((Share("a", 1000, 30),), 1030, 30))
    assert (taken.parts, taken.at_loss) == ((), 1030)
    given = give_back(1030, held(payer=-1030, chargebacks=1030), Plan((Share("a", 1000, 0),), 1030, 30), {"a": 1000})
    assert (given.parts, given.to_credit) == ((("a", 1000, 0),), 30)


def test_the_fee_is_three_percent_at_most_and_only_on_credit_cards(monkeypatch):
    fee = surcharges.CardFee(300)
    assert (fee.on(10000), fee.on(3333), fee.on(33)) == (300, 99, 0)  # rounded down
    assert fee.for_card("credit") is fee
    assert [fee.for_card(f) for f in ("debit", "prepaid", "unknown", None)] == [None] * 4
    for raw, expected in (("300", 300), ("250", 250), ("301", 0), ("3.5", 0), ("-1", 0), ("", 0)):
        monkeypatch.setenv("CARD_FEE_BASIS_POINTS", raw)
        assert surcharges.configured_basis_points() == expected, raw


def test_the_cap_is_the_templates_max_value():
    from infra import template

    parameter = template.load()["Parameters"]["CardFeeBasisPoints"]
    assert (parameter["MaxValue"], parameter["Default"]) == (surcharges.CAP_BASIS_POINTS, 0)


class _Ssm:
    """SSM's GetParameter, counted."""

    def __init__(self, value: str):
        self.value, self.reads = value, 0

    def get_parameter(self, Name):  # botocore's parameter name
        self.reads += 1
        return {"Parameter": {"Name": Name, "Value": self.value}}


def test_the_switch_is_read_once_per_thirty_seconds_and_off_stops_the_fee(monkeypatch):
    ssm, clock = _Ssm(" On "), [1000.0]
    monkeypatch.setattr(surcharges, "_client", lambda: ssm)
    monkeypatch.setattr(surcharges.time, "monotonic", lambda: clock[0])
    monkeypatch.setenv("CARD_FEE_BASIS_POINTS", "250")
    monkeypatch.setenv("CARD_FEE_SWITCH", "/s/card-fee")
    surcharges.forget_switch()
    assert surcharges.current() == surcharges.CardFee(250)
    ssm.value = "off"  # ops-card-fee off
    clock[0] += surcharges.SWITCH_MAX_AGE_SECONDS - 1
    assert (surcharges.current(), ssm.reads) == (surcharges.CardFee(250), 1)  # kept for up to 30 s
    clock[0] += 1
    assert (surcharges.current(), ssm.reads) == (None, 2)
    assert surcharges.SWITCH_MAX_AGE_SECONDS == 30  # what ops-card-fee and the docs promise
    monkeypatch.setenv("CARD_FEE_BASIS_POINTS", "0")
    clock[0] += 100
    assert (surcharges.current(), ssm.reads) == (None, 2)  # no rate: the switch is never read
    with pytest.raises(AttributeError):
        surcharges.CardFee(300).basis_points = 400  # a fee decided is never changed on the way


def test_a_switch_that_cannot_be_read_is_off(monkeypatch):
    class Broken:
        def get_parameter(self, Name):
            raise ConnectionError("no SSM")

    monkeypatch.setenv("CARD_FEE_BASIS_POINTS", "300")
    monkeypatch.setenv("CARD_FEE_SWITCH", "/x/card-fee")
    monkeypatch.setattr(surcharges, "_client", lambda: Broken())
    surcharges.forget_switch()
    assert surcharges.current() is None and surcharges.switch_on() is False
    monkeypatch.delenv("CARD_FEE_SWITCH")
    assert surcharges.current() is None and surcharges.switch_on() is False


# ---- the bound: the largest unit of work of a payment of MAX_INVOICES invoices fits in one transaction --------------


def _items(write) -> int:
    return (
        len(write.updates)
        + len(write.creates)
        + len(write.checks)
        + len(write.entries)
        + bool(write.credit_delta)
        + bool(write.event)
    )


def _world(n: int) -> tuple[MemoryRepository, list[str]]:
    repo, ids = MemoryRepository(), [f"inv-{k:02d}" for k in range(n)]
    repo.put(Client("c", name="C", billing_email="c@example.test", credit_balance=0, stripe_customer_id="cus_c"))
    for k, invoice_id in enumerate(ids):
        run(
            repo,
            Keys("c", invoice_ids=(invoice_id,)),
            lambda ctx, i=invoice_id, k=k: Change(
                creates=[
                    Invoice(
                        "c",
                        i,
                        number=i,
                        total=0,
                        issued_date="2026-11-01",
                        due_date=f"2026-12-{k + 1:02d}",
                        status="open",
                        line_items=[LineItem(description="x", quantity=1, unit_amount=1000, amount=1000)],
                    )
                ],
                entries=[entry("invoiced", 1000, "k", "t", i)],
                invoices={i: {}},
            ),
        )
    return repo, ids


def test_the_largest_changes_of_a_payment_of_the_most_invoices_fit_in_one_transaction():
    """A card payment of MAX_INVOICES invoices with a card fee, overpaid (credit), refunded in good part as a
    correction (credit, fees, invoices), then charged back in full (fees, every invoice, the merchant's loss): every
    write is one TransactWriteItems of at most 100 items (4 per invoice at most: its update and three entries)."""
    from shared.domain.dispute_states import BalanceTransaction, DisputeReport
    from shared.http.multi_payment_requests import PaymentsRequest
    from shared.services import disputes, multi_payments, payment_updates
    from tests.model.books_world import FakeCards, FakeRefunds

    repo, ids = _world(MAX_INVOICES)
    sizes, commit = [], repo.commit
    repo.commit = lambda write: sizes.append(_items(write)) or commit(write)
    fee, cards = surcharges.CardFee(300), FakeCards()
    request = PaymentsRequest(tuple(ids), "card", None, "pm_credit", card_fee=MAX_INVOICES * 30)
    started = multi_payments.start_payments(
        "c",
        "k",
        request,
        cards=lambda: cards,
        ach=None,
        merchant_name="M",
        enqueue=lambda job: None,
        fee=fee,
        repo=repo,
    )
    payment = started.payment
    assert (payment.amount, payment.card_fee) == (MAX_INVOICES * 1030, MAX_INVOICES * 30)
    payment_updates.apply_update(
        PaymentUpdate(
            "stripe",
            "paid",
            "payment_intent.succeeded",
            "c",
            payment.invoice_id,
            payment.payment_id,
            payment.processor_payment_id,
            Outcome("succeeded", payment.amount + 700, 1, currency="usd"),
        ),
        lambda job: None,
        repo=repo,
    )
    refunds.start_refund(
        payment.payment_id,
        "r",
        {"amount": 12000, "reason": "x", "correction": True},
        lambda _: FakeRefunds(),
        lambda job: None,
        repo=repo,
    )
    payment = repo.get(Payment, "c", payment.payment_id)
    disputes.apply_dispute(
        "dp:out",
        "charge.dispute.funds_withdrawn",
        payment,
        DisputeReport(
            "dp_1",
            "needs_response",
            payment.amount,
            "usd",
            2,
            (BalanceTransaction(-payment.amount, "usd"),),
            funds_withdrawn=True,
            funds_reinstated=False,
        ),
        lambda job: None,
        repo=repo,
    )
    kinds = {e.kind for e in repo.client_journal("c")}
    assert {
        "card_fee",
        "kept_as_credit",
        "refunded_from_credit",
        "card_fee_refunded",
        "refunded",
        "correction",
        "card_fee_charged_back",
        "chargeback",
        "chargeback_at_loss",
    } <= kinds, kinds
    print("items per write:", sizes)
    assert max(sizes) <= 100 and max(sizes) >= 3 * MAX_INVOICES, sizes


def test_a_payment_of_several_invoices_is_spread_in_one_change_over_all_of_them():
    repo, ids = _world(3)
    from shared.aws.models import Allocation

    payment = Payment(
        "c",
        "pay",
        invoice_id=ids[0],
        amount=3000,
        currency="usd",
        method="card",
        status="pending",
        created_at="t",
        processor="stripe",
        request_fingerprint="f",
        created_key="t#pay",
        invoice_key=f"{ids[0]}#t#pay",
        version=1,
        allocations=[Allocation(invoice_id=i, invoice_number=i, amount=1000, card_fee=0) for i in ids],
    )
    invoices = {i: repo.get(Invoice, "c", i) for i in ids}
    update = PaymentUpdate(
        "stripe",
        "e",
        "payment_intent.succeeded",
        "c",
        ids[0],
        "pay",
        "pi",
        Outcome("succeeded", 3000, 1, currency="usd"),
    )
    change = spread_outcome(
        Effect("succeeded", False, credit_delta=3000, anomaly="overpayment"), update, payment, invoices, "k", "t"
    )
    assert [(e.kind, e.amount, e.invoice_id) for e in change.entries] == [("payment_received", 1000, i) for i in ids]
    assert (change.effect.credit_delta, change.effect.anomaly) == (0, None)
    books = Books({i: InvoiceBalances(total=1000) for i in ids}).post(
        [entry(e.kind, e.amount, e.key, e.at, e.invoice_id, payment_id="pay") for e in change.entries]
    )
    assert all(b.amount_paid == 1000 for b in books.invoices.values())


@pytest.mark.parametrize("count", [0, 1])
def test_no_link_for_a_payment_of_one_invoice(count):
    from shared.aws.payment_links import link_items

    payment = Payment(
        "c",
        "pay",
        invoice_id="a",
        amount=1,
        currency="usd",
        method="card",
        status="pending",
        created_at="t",
        processor="stripe",
        request_fingerprint="f",
        created_key="t#pay",
        invoice_key="a#t#pay",
    )
    assert link_items(payment) == []
    if count:
        from shared.aws.models import Allocation

        payment.allocations = [Allocation(invoice_id=i, invoice_number=i, amount=1) for i in ("a", "b")]
        [link] = link_items(payment)
        assert (link.payment_id, link.invoice_key) == ("pay#b", "b#t#pay")


def test_an_outcome_for_a_payment_whose_invoice_is_missing_is_refused_not_retried_forever():
    from shared.aws.models import Allocation
    from shared.services import payment_updates

    repo, ids = _world(1)
    repo.put(
        Payment(
            "c",
            "pay",
            invoice_id=ids[0],
            amount=2000,
            currency="usd",
            method="card",
            status="pending",
            created_at="t",
            processor="stripe",
            request_fingerprint="f",
            created_key="t#pay",
            invoice_key=f"{ids[0]}#t#pay",
            version=1,
            allocations=[Allocation(invoice_id=i, invoice_number=i, amount=1000) for i in (ids[0], "gone")],
        )
    )
    before = dict(repo.items)
    result = payment_updates.apply_update(
        PaymentUpdate(
            "stripe", "e", "payment_intent.succeeded", "c", ids[0], "pay", "pi", Outcome("succeeded", 2000, 1)
        ),
        lambda job: None,
        repo=repo,
    )
    assert (result.outcome, result.anomaly) == ("unknown_payment", "invoice_missing")
    assert repo.items == before

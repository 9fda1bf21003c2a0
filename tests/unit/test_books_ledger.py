"""The journal's posting rules: what every change to money goes through (shared/books/ledger.py)."""

import pytest

from shared.books.ledger import (
    CLIENT_VISIBLE,
    DESCRIPTIONS,
    INNER,
    KINDS,
    Books,
    Entry,
    InvoiceBalances,
    LedgerRefused,
    PaymentBalances,
    entry,
    fold,
)

AT = "2026-12-01T00:00:00Z"


def books(total=10000, paid=0, pending=0, fees=0, credit=0, payment=None) -> Books:
    return Books(
        {"i": InvoiceBalances(total, fees, paid, pending)}, credit, {"p": PaymentBalances(payment)} if payment else {}
    )


def e(kind, amount, payment_id="p", **ids):
    return entry(kind, amount, "evt_1", AT, "i", payment_id=payment_id, **ids)


def test_a_payment_kept_partly_as_credit_pays_the_invoice_and_the_client_holds_the_rest():
    after = books().post([e("payment_received", 10000), e("kept_as_credit", 500)])
    assert after.invoices["i"] == InvoiceBalances(total=10000, amount_paid=10000)
    assert after.credit == 500
    assert after.payments["p"].accounts == {"payer": -10500, "paid:i": 10000, "credit": 500}
    assert (after.payments["p"].held, after.payments["p"].received) == (10500, 10500)


def test_money_in_flight_covers_the_rest_then_settles():
    started = books(paid=4000).post([e("transfer_started", 6000)])
    assert started.invoices["i"].amount_pending == 6000
    settled = started.post([e("transfer_finished", 6000), e("payment_received", 6000)])
    assert settled.invoices["i"] == InvoiceBalances(total=10000, amount_paid=10000)
    assert settled.payments["p"].accounts == {"payer": -6000, "paid:i": 6000}


@pytest.mark.parametrize(
    "before,entries,reason",
    [
        (
            books(paid=3000, payment={"payer": -3000, "paid:i": 3000}),
            [e("payment_returned", 4000)],
            "negative_amount_paid",
        ),
        (books(), [e("payment_received", 10001)], "paid_above_owed"),
        (books(credit=100, payment={"payer": -100, "credit": 100}), [e("credit_returned", 200)], "negative_credit"),
        (books(), [e("transfer_finished", 1)], "negative_amount_pending"),
        (books(paid=10000), [e("correction", 1, payment_id=None)], "paid_above_owed"),
        # another payment's money: this payment's own paid account cannot go below zero
        (books(paid=5000, payment={"payer": -100, "paid:i": 100}), [e("refunded", 200)], "payment_paid_overdrawn"),
        (
            books(paid=5000, payment={"payer": -100, "chargebacks": 100}),
            [e("loss_recovered", 1)],
            "payment_losses_overdrawn",
        ),
    ],
)
def test_a_posting_that_would_break_an_invariant_is_refused(before, entries, reason):
    with pytest.raises(LedgerRefused) as refused:
        before.post(entries)
    assert refused.value.reason == reason


def test_paying_in_full_after_a_late_fee_is_paying_total_plus_fees():
    after = books(fees=2500).post([e("payment_received", 12500)])
    assert after.invoices["i"].money.balance == 0 and after.invoices["i"].money.owed == 12500


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_an_amount_that_is_not_a_positive_number_of_cents_is_refused(amount):
    with pytest.raises(LedgerRefused, match="bad_amount"):
        books().post([Entry("payment_received", amount, "k", AT, "i")])


def test_every_entry_balances_and_the_journal_folds_back_to_the_balances():
    journal = [
        e("invoiced", 5000, payment_id=None),
        e("late_fee", 250, payment_id=None),
        e("payment_received", 3000),
        e("kept_as_credit", 100),
        e("refunded_from_credit", 100),
        e("refunded", 500),
        e("refunded_at_loss", 40),
    ]
    for item in journal:
        assert sum(amount for _, amount in item.legs) == 0
    folded = fold(journal)
    assert folded.invoices["i"] == InvoiceBalances(total=5000, fees=250, amount_paid=2500)
    assert folded.credit == 0
    assert sum(folded.payments["p"].accounts.values()) == 0
    assert folded.payments["p"].lost == 40 and folded.payments["p"].refunded == 640


def test_the_client_sees_every_kind_that_moves_its_invoice_or_credit_and_none_of_the_merchants_losses():
    assert {k for k in KINDS if k.endswith("at_loss") or "loss_recovered" in k}.isdisjoint(CLIENT_VISIBLE)
    assert all(KINDS[k][0] in INNER or KINDS[k][1] in INNER for k in CLIENT_VISIBLE)
    signs = {k: entry(k, 7, "k", AT, "i").signed for k in KINDS}
    assert signs["payment_received"] == 7 and signs["refunded"] == -7 and signs["returned_at_loss"] == 0


def test_every_kind_has_words():
    assert set(DESCRIPTIONS) == set(KINDS) and all(w.endswith(".") for w in DESCRIPTIONS.values())


def test_exactly_these_kinds_are_the_clients_to_see():
    assert {
        "invoiced",
        "late_fee",
        "correction",
        "transfer_started",
        "transfer_finished",
        "payment_received",
        "kept_as_credit",
        "payment_returned",
        "credit_returned",
        "chargeback",
        "chargeback_from_credit",
        "chargeback_reversed",
        "chargeback_reversed_to_credit",
        "refunded",
        "refunded_from_credit",
        "refund_returned",
        "card_fee",
        "card_fee_refunded",
        "card_fee_charged_back",
        "card_fee_reversed",
    } == CLIENT_VISIBLE


@pytest.mark.parametrize(
    "before,entries,reason",
    [
        (books(total=100), [e("correction", 101, payment_id=None)], "negative_total"),
        (books(total=100), [e("correction", 100, payment_id=None)], None),
        (books(total=100, fees=0), [Entry("late_fee", 1, "k", AT, "i")], None),
    ],
)
def test_a_total_never_goes_below_zero(before, entries, reason):
    if reason is None:
        before.post(entries)
        return
    with pytest.raises(LedgerRefused) as refused:
        before.post(entries)
    assert refused.value.reason == reason


def test_negative_fees_are_refused():
    from shared.books.ledger import InvoiceBalances

    with pytest.raises(LedgerRefused, match="negative_fees"):
        Books({"i": InvoiceBalances(100, -1, 0, 0)}).check()
    with pytest.raises(LedgerRefused, match="unknown_kind"):
        books().post([Entry("gift", 1, "k", AT, "i")])
    with pytest.raises(LedgerRefused, match="unknown_invoice"):
        books().post([Entry("payment_received", 1, "k", AT, "other", "p")])


def test_a_payments_own_balances_name_each_account():
    held = PaymentBalances(
        {"payer": -10000, "paid:i": 6000, "credit": 1000, "refunds": 2000, "chargebacks": 1500, "losses": -500}
    )
    assert (
        held.received,
        held.paid("i"),
        held.paid("j"),
        held.credit,
        held.refunded,
        held.charged_back,
        held.lost,
        held.held,
        held.paid_invoices(),
    ) == (10000, 6000, 0, 1000, 2000, 1500, 500, 7000, {"i": 6000})
    empty = PaymentBalances()
    assert (empty.received, empty.credit, empty.refunded, empty.charged_back, empty.lost, empty.held) == (0,) * 6


def test_a_card_fee_is_the_invoices_own_account_never_owed_and_per_invoice_in_the_payment():
    after = books(total=10000).post([e("card_fee", 300), e("payment_received", 10000)])
    assert after.invoices["i"] == InvoiceBalances(total=10000, amount_paid=10000, card_fees=300)
    assert after.invoices["i"].money.balance == 0  # the fee is not owed: the invoice is paid
    held = after.payments["p"]
    assert (held.accounts, held.card_fees("i"), held.held, held.held_for("i"), held.held_for("j")) == (
        {"payer": -10300, "paid:i": 10000, "card_fees:i": 300},
        300,
        10300,
        10300,
        0,
    )
    refunded = after.post([e("card_fee_refunded", 90), e("refunded", 3000)])
    assert (refunded.invoices["i"].card_fees, refunded.payments["p"].refunded) == (210, 3090)
    with pytest.raises(LedgerRefused, match="negative_card_fees"):
        after.post([e("card_fee_charged_back", 301)])


def test_an_invoices_opening_entry_bills_its_total_once():
    from shared.books.ledger import opening

    assert opening(12500, "invoice:i", AT, "i") == [Entry("invoiced", 12500, "invoice:i", AT, "i")]
    assert opening(0, "invoice:i", AT, "i") == []


def test_an_entry_of_an_invoice_the_change_did_not_read_is_refused_whatever_it_moves():
    with pytest.raises(LedgerRefused, match="unknown_invoice"):
        books().post([Entry("refunded_at_loss", 1, "k", AT, "other", "p")])


@pytest.mark.parametrize(
    "accounts,reason",
    [
        ({"payer": 1, "paid:i": -1}, "payment_payer_overdrawn"),
        ({"losses": 1, "refunds": -1}, "payment_losses_overdrawn"),
        ({"payer": -1, "paid:i": 1}, None),
        ({"payer": 0, "paid:i": 0, "losses": 0, "refunds": 0}, None),
    ],
)
def test_a_payment_never_gives_back_more_than_it_received_by_a_single_cent(accounts, reason):
    check = Books(payments={"p": PaymentBalances(accounts)}).check
    if reason is None:
        check()
        return
    with pytest.raises(LedgerRefused, match=reason):
        check()

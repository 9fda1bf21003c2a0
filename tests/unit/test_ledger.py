"""The posting rules: what every writer of invoice money goes through."""

import pytest

from shared.ledger import DESCRIPTIONS, KINDS, Books, LedgerRefused, entry, fold, post

AT = "2026-12-01T00:00:00Z"


def test_a_payment_kept_partly_as_credit_posts_to_both_and_pays_the_invoice():
    books = Books(total=10000)
    posting = post(books, [entry("payment_received", 10000, "stripe:evt_1", AT, payment_id="pay_1"),
                           entry("kept_as_credit", 500, "stripe:evt_1", AT, payment_id="pay_1")])
    assert posting.books == Books(total=10000, amount_paid=10000, amount_credited=500)
    assert posting.status == "paid"


def test_money_in_flight_covers_the_rest_then_settles():
    started = post(Books(total=10000, amount_paid=4000), [entry("transfer_started", 6000, "ach-start:p", AT)])
    assert (started.books.amount_pending, started.status) == (6000, "processing")
    settled = post(started.books, [entry("transfer_finished", 6000, "ach:e1", AT),
                                   entry("payment_received", 6000, "ach:e1", AT)])
    assert settled.books == Books(total=10000, amount_paid=10000) and settled.status == "paid"


@pytest.mark.parametrize("books,entries,reason", [
    (Books(total=10000, amount_paid=3000), [entry("payment_returned", 4000, "k", AT)], "negative_amount_paid"),
    (Books(total=10000), [entry("payment_received", 10001, "k", AT)], "paid_above_owed"),
    (Books(total=10000, amount_credited=100), [entry("credit_returned", 200, "k", AT)], "negative_amount_credited"),
    (Books(total=10000), [entry("transfer_finished", 1, "k", AT)], "negative_amount_pending"),
    (Books(total=10000, amount_paid=10000), [entry("correction", 1, "k", AT)], "paid_above_owed"),
])
def test_a_posting_that_would_break_an_invariant_is_refused(books, entries, reason):
    with pytest.raises(LedgerRefused) as refused:
        post(books, entries)
    assert refused.value.reason == reason


def test_the_same_event_never_posts_the_same_kind_twice():
    first = entry("payment_received", 1000, "stripe:evt_1", AT)
    with pytest.raises(LedgerRefused, match="posted_twice"):
        post(Books(total=5000), [first], posted={("stripe:evt_1", "payment_received")})
    with pytest.raises(LedgerRefused, match="posted_twice"):
        post(Books(total=5000), [first, first])


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_an_amount_against_its_kind_or_not_whole_cents_is_refused(amount):
    from shared.ledger import Entry
    with pytest.raises(LedgerRefused, match="bad_amount"):
        post(Books(total=5000), [Entry("payment_received", amount, "k", AT)])


def test_a_void_invoice_stays_void_and_entries_fold_back_to_the_counters():
    entries = [entry("invoiced", 5000, "invoice:i", AT), entry("late_fee", 250, "late-fee:i:d", AT)]
    posting = post(Books(), entries, void=True)
    assert posting.status == "void" and fold(entries) == posting.books == Books(total=5000, fees=250)


def test_every_kind_has_words_for_the_client():
    assert set(DESCRIPTIONS) == set(KINDS) and all(w.endswith(".") for w in DESCRIPTIONS.values())

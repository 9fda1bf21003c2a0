"""The unit of work (shared/books/work.py) on the memory repository: one write per change, every condition it
carries, the balances and statuses only it computes, lost races decided again."""

import pytest

from shared.aws.models import Client, Invoice, JournalItem, Payment, ProcessedEvent
from shared.aws.retries import LostRace
from shared.books.ledger import LedgerRefused, entry
from shared.books.memory import MemoryRepository
from shared.books.work import Change, Keys, run, settle
from shared.http.errors import Conflict

AT = "2026-12-01T00:00:00Z"


@pytest.fixture
def repo():
    repo = MemoryRepository()
    repo.put(Client("c", name="C", billing_email="c@x.test", credit_balance=0))
    run(
        repo,
        Keys("c", invoice_ids=("i",)),
        lambda ctx: Change(
            creates=[
                Invoice(
                    "c",
                    "i",
                    number="1",
                    currency="usd",
                    total=0,
                    issued_date="2026-11-01",
                    due_date="2026-12-01",
                    status="open",
                    line_items=[],
                )
            ],
            entries=[entry("invoiced", 10000, "invoice:i", AT, "i")],
            invoices={"i": {}},
        ),
    )
    repo.put(
        Payment(
            "c",
            "p",
            invoice_id="i",
            amount=12000,
            currency="usd",
            method="card",
            status="pending",
            created_at=AT,
            processor="stripe",
            request_fingerprint="f",
            created_key="k",
            invoice_key="i#k",
            version=1,
        )
    )
    return repo


def pay(ctx, amount=10000, credit=2000):
    return Change(
        result="paid",
        entries=[
            entry("payment_received", amount, "evt", AT, "i", payment_id="p"),
            entry("kept_as_credit", credit, "evt", AT, "i", payment_id="p"),
        ],
        payment={"status": "succeeded"},
        event_type="payment_intent.succeeded",
    )


def test_a_created_invoice_gets_its_balances_status_and_journal_from_its_entries(repo):
    invoice = repo.get(Invoice, "c", "i")
    assert (invoice.total, invoice.status, invoice.status_key, invoice.open_due_date, invoice.entry_count) == (
        10000,
        "open",
        "open#2026-11-01#i",
        "2026-12-01",
        1,
    )
    assert repo.journal("c", "i")[0].kind == "invoiced"


def test_one_change_moves_every_account_it_touches_and_numbers_its_entries(repo):
    assert run(repo, Keys("c", payment_id="p", invoice_ids=("i",), event_key="stripe:evt"), pay) == "paid"
    invoice, payment, client = repo.get(Invoice, "c", "i"), repo.get(Payment, "c", "p"), repo.get(Client, "c")
    assert (invoice.amount_paid, invoice.status, invoice.open_due_date, invoice.entry_count) == (10000, "paid", None, 3)
    assert payment.balance_map() == {"payer": -12000, "paid:i": 10000, "credit": 2000}
    assert (payment.status, payment.version, client.credit_balance) == ("succeeded", 2, 2000)
    assert [e.kind for e in repo.journal("c", "i")] == ["invoiced", "payment_received", "kept_as_credit"]
    assert [e.seq for e in repo.journal("c", "i")] == [0, 1, 2]
    assert repo.get(ProcessedEvent, "stripe:evt").event_type == "payment_intent.succeeded"
    assert repo.get(JournalItem, "c", "i#000000002").amount == 2000


def test_what_was_read_and_not_changed_is_checked_at_its_version(repo):
    ctx = repo.load(Keys("c", payment_id="p", invoice_ids=("i",)))
    write = settle(ctx, Change(payment={"status": "canceled"}))
    assert [u.record.payment_id for u in write.updates] == ["p"] and [c.invoice_id for c in write.checks] == ["i"]
    repo.put(repo.get(Invoice, "c", "i"))  # unchanged content ...
    invoice = repo.get(Invoice, "c", "i")
    invoice.version = 99  # ... but another writer's version
    repo.put(invoice)
    with pytest.raises(LostRace):
        repo.commit(write)
    assert repo.get(Payment, "c", "p").status == "pending"  # all of it or nothing


def test_a_lost_race_is_decided_again_on_fresh_data_then_gives_up_with_409(repo):
    seen = []

    def decide(ctx):
        seen.append(ctx.payment.version)
        other = repo.get(Payment, "c", "p")  # another writer, every time, between the read and the write
        other.version += 1
        repo.put(other)
        return Change(payment={"status": "canceled"})

    with pytest.raises(Conflict) as refused:
        run(repo, Keys("c", payment_id="p"), decide)
    assert refused.value.code == "concurrent_change" and seen == [1, 2, 3, 4, 5]


def test_an_event_already_recorded_loses_the_race_and_the_second_delivery_sees_it(repo):
    keys = Keys("c", payment_id="p", invoice_ids=("i",), event_key="stripe:evt")
    first = repo.load(keys)
    run(repo, keys, pay)
    with pytest.raises(LostRace):
        repo.commit(settle(first, pay(first)))
    assert repo.load(keys).seen and repo.get(Client, "c").credit_balance == 2000


def test_a_posting_that_breaks_the_books_writes_only_the_event_with_the_refusal(repo):
    def overpay(ctx):
        change = pay(ctx, amount=10001, credit=1999)
        change.refused = lambda reason: f"refused:{reason}"
        return change

    before = dict(repo.items)
    assert (
        run(repo, Keys("c", payment_id="p", invoice_ids=("i",), event_key="stripe:e2"), overpay)
        == "refused:paid_above_owed"
    )
    assert {k: v for k, v in repo.items.items() if k[0] != ProcessedEvent.Meta.table_name} == before
    assert repo.get(ProcessedEvent, "stripe:e2") is not None


def test_without_a_refusal_answer_the_posting_error_is_raised(repo):
    with pytest.raises(LedgerRefused):
        run(repo, Keys("c", payment_id="p", invoice_ids=("i",)), lambda ctx: pay(ctx, amount=10001, credit=0))


def test_credit_never_goes_below_zero_even_when_a_decision_says_so(repo):
    ctx = repo.load(Keys("c", payment_id="p", invoice_ids=("i",)))
    write = settle(ctx, pay(ctx))
    write.credit_delta = -1  # a broken decision
    with pytest.raises(LostRace):
        repo.commit(write)


def test_an_entry_about_a_payment_the_change_did_not_read_is_refused(repo):
    ctx = repo.load(Keys("c", invoice_ids=("i",)))
    with pytest.raises(LedgerRefused, match="entry_for_a_payment_not_read"):
        settle(ctx, Change(entries=[entry("payment_received", 100, "k", AT, "i", payment_id="p")]))


def test_voiding_keeps_the_balances_and_takes_the_invoice_out_of_the_due_date_index(repo):
    run(repo, Keys("c", invoice_ids=("i",)), lambda ctx: Change(void=("i",)))
    invoice = repo.get(Invoice, "c", "i")
    assert (invoice.status, invoice.total, invoice.open_due_date, invoice.status_key) == (
        "void",
        10000,
        None,
        "void#2026-11-01#i",
    )


def test_a_new_due_date_moves_the_index_key_with_it(repo):
    run(repo, Keys("c", invoice_ids=("i",)), lambda ctx: Change(invoices={"i": {"due_date": "2026-12-20"}}))
    assert repo.get(Invoice, "c", "i").open_due_date == "2026-12-20"


def test_a_change_about_one_invoice_finds_it_without_naming_it(repo):
    assert repo.load(Keys("c", invoice_ids=("i",))).invoice().invoice_id == "i"
    assert repo.load(Keys("c", payment_id="p")).invoice() is None


def test_a_client_without_a_record_has_no_credit_to_spend(repo):
    assert repo.load(Keys("nobody")).books.credit == 0


def test_a_read_answers_a_copy_that_cannot_change_what_is_stored(repo):
    payment = repo.get(Payment, "c", "p")
    payment.status, payment.balances = "succeeded", {"payer": -1}
    assert repo.get(Payment, "c", "p").status == "pending" and repo.get(Payment, "c", "p").balance_map() == {}


def test_a_change_with_nothing_to_write_commits_nothing(repo):
    commits = repo.commits
    assert run(repo, Keys("c", payment_id="p", invoice_ids=("i",)), lambda ctx: Change(result="same")) == "same"
    assert repo.commits == commits


def test_a_refund_read_and_left_alone_keeps_its_version(repo):
    from shared.aws.models import Refund

    repo.put(
        Refund(
            "c",
            "r",
            payment_id="p",
            invoice_id="i",
            amount=1,
            currency="usd",
            reason="x",
            status="pending",
            created_at=AT,
            request_fingerprint="f",
            payment_key="p#x#r",
            version=1,
        )
    )
    run(repo, Keys("c", payment_id="p", refund_id="r"), lambda ctx: Change(payment={"status": "canceled"}))
    assert repo.get(Refund, "c", "r").version == 1
    run(repo, Keys("c", refund_id="r"), lambda ctx: Change(refund={"status": "failed"}, refund_was="pending"))
    assert (repo.get(Refund, "c", "r").status, repo.get(Refund, "c", "r").version) == ("failed", 2)
    with pytest.raises(Conflict):  # written only over the status it read
        run(repo, Keys("c", refund_id="r"), lambda ctx: Change(refund={"status": "succeeded"}, refund_was="pending"))

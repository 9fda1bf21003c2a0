"""Card disputes through the Stripe webhook: money moves only when Stripe says funds moved, once, whatever
the order or repetition of delivery. Dispute objects are built in the shape of Stripe's API reference
(localstripe has no disputes)."""

import json
import time

import pytest

from shared.aws.models import Invoice, Payment
from tests.drivers.stripe import deliver, post
from tests.helpers import queue_messages, table_snapshot, without_events
from tests.integration.test_refunds import numbers, paid_by_card, refund

T0 = int(time.time()) - 3600


def dispute(payment_id, status, funds=(), *, amount=40000, dispute_id="dp_1", currency="usd"):
    """A Dispute; funds: "out" (the chargeback's withdrawal) and/or "back" (its reinstatement)."""
    entries = {
        "out": {
            "id": "txn_out",
            "object": "balance_transaction",
            "amount": -amount,
            "currency": currency,
            "fee": 1500,
            "net": -amount - 1500,
            "type": "dispute",
            "description": "Chargeback withdrawal for ch_1",
        },
        "back": {
            "id": "txn_back",
            "object": "balance_transaction",
            "amount": amount,
            "currency": currency,
            "fee": 0,
            "net": amount,
            "type": "dispute_reversal",
            "description": "Chargeback reversal for ch_1",
        },
    }
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": currency,
        "charge": "ch_1",
        "payment_intent": Payment.get("client-a", payment_id).processor_payment_id,
        "reason": "fraudulent",
        "status": status,
        "is_charge_refundable": status.startswith("warning_"),
        "livemode": False,
        "balance_transactions": [entries[f] for f in funds],
        "metadata": {},
        "created": T0,
    }


def event(event_type, obj, event_id, created):
    return {"id": event_id, "object": "event", "type": event_type, "created": created, "data": {"object": obj}}


def seen(payment_id):
    """(invoice status, amount_paid, payment status)"""
    invoice = Invoice.get("client-a", "inv-part")
    return invoice.status, invoice.amount_paid, Payment.get("client-a", payment_id).status


# Stripe's events for each story, in the order Stripe sends them: (name, type, status, funds, created).
WON = [
    ("created", "charge.dispute.created", "needs_response", (), T0),
    ("withdrawn", "charge.dispute.funds_withdrawn", "needs_response", ("out",), T0),
    ("updated", "charge.dispute.updated", "under_review", ("out",), T0 + 60),
    ("reinstated", "charge.dispute.funds_reinstated", "won", ("out", "back"), T0 + 120),
    ("closed", "charge.dispute.closed", "won", ("out", "back"), T0 + 120),
]
LOST = [
    ("created", "charge.dispute.created", "needs_response", ("out",), T0),
    ("withdrawn", "charge.dispute.funds_withdrawn", "needs_response", ("out",), T0),
    ("closed", "charge.dispute.closed", "lost", ("out",), T0 + 120),
]
INQUIRY = [
    ("created", "charge.dispute.created", "warning_needs_response", (), T0),
    ("updated", "charge.dispute.updated", "warning_under_review", (), T0 + 60),
    ("closed", "charge.dispute.closed", "warning_closed", (), T0 + 120),
]


def story_events(payment_id, story):
    return {
        name: event(kind, dispute(payment_id, status, funds), f"evt_{name}", created)
        for name, kind, status, funds, created in story
    }


# (story, delivery order, (invoice status, amount_paid, payment status) after each delivery)
CASES = {
    "won in order": (
        WON,
        ["created", "withdrawn", "updated", "reinstated", "closed"],
        [
            ("partially_paid", 40000, "disputed"),
            ("open", 0, "disputed"),
            ("open", 0, "disputed"),
            ("partially_paid", 40000, "succeeded"),
            ("partially_paid", 40000, "succeeded"),
        ],
    ),
    "won, closed first and reversed": (
        WON,
        ["closed", "reinstated", "updated", "withdrawn", "created"],
        [("partially_paid", 40000, "succeeded")] * 5,
    ),
    "won, reinstated before withdrawn": (
        WON,
        ["created", "reinstated", "withdrawn", "updated", "closed"],
        [("partially_paid", 40000, "disputed")] + [("partially_paid", 40000, "succeeded")] * 4,
    ),
    "lost in order": (LOST, ["created", "withdrawn", "closed"], [("open", 0, "disputed")] * 3),
    "lost, closed before created": (LOST, ["closed", "withdrawn", "created"], [("open", 0, "disputed")] * 3),
    "inquiry in order": (INQUIRY, ["created", "updated", "closed"], [("partially_paid", 40000, "succeeded")] * 3),
    "inquiry, closed before created": (
        INQUIRY,
        ["closed", "updated", "created"],
        [("partially_paid", 40000, "succeeded")] * 3,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_story_in_any_order_and_duplicated_moves_money_only_when_funds_move(seeded, case):
    story, order, expected = CASES[case]
    payment_id = paid_by_card(seeded)
    events = story_events(payment_id, story)
    for name, after in zip(order, expected):
        deliver(events[name])
        assert seen(payment_id) == after, name
        before = table_snapshot()
        deliver(events[name])  # Stripe delivers at least once
        assert table_snapshot() == before, f"{name} again"


def test_the_same_step_under_a_new_event_id_counts_nothing_twice(seeded):
    payment_id = paid_by_card(seeded)
    deliver(event("charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response", ("out",)), "evt_a", T0))
    deliver(event("charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response", ("out",)), "evt_b", T0))
    deliver(event("charge.dispute.closed", dispute(payment_id, "lost", ("out",)), "evt_c", T0 + 9))
    deliver(event("charge.dispute.closed", dispute(payment_id, "lost", ("out",)), "evt_d", T0 + 9))
    assert seen(payment_id) == ("open", 0, "disputed")
    assert numbers() == ("open", 100000, 0, 100000)


def test_withdrawn_and_reinstated_events_count_even_when_their_object_lists_no_balance_transaction(seeded):
    payment_id = paid_by_card(seeded)
    deliver(event("charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response"), "evt_w", T0))
    assert seen(payment_id) == ("open", 0, "disputed")
    deliver(event("charge.dispute.funds_reinstated", dispute(payment_id, "under_review"), "evt_r", T0 + 5))
    assert seen(payment_id) == ("partially_paid", 40000, "disputed")  # money back; the bank has not decided
    deliver(event("charge.dispute.closed", dispute(payment_id, "won"), "evt_c", T0 + 9))
    assert seen(payment_id) == ("partially_paid", 40000, "succeeded")


def test_an_inquiry_leaves_the_payment_refundable(seeded):
    payment_id = paid_by_card(seeded)
    deliver(event("charge.dispute.created", dispute(payment_id, "warning_needs_response"), "evt_i", T0))
    assert seen(payment_id) == ("partially_paid", 40000, "succeeded")
    status, body, _ = refund(payment_id, {"amount": 40000, "reason": "Resolving the bank's inquiry"})
    assert (status, body["status"]) == (201, "succeeded")  # what Stripe recommends for an inquiry
    deliver(event("charge.dispute.closed", dispute(payment_id, "warning_closed"), "evt_ic", T0 + 60))
    assert seen(payment_id) == ("open", 0, "refunded")  # the refund reopened it; the inquiry changed nothing
    stored = Payment.get("client-a", payment_id)
    assert (stored.dispute.dispute_id, stored.dispute.status) == ("dp_1", "warning_closed")
    assert "chargebacks" not in stored.balance_map()  # nothing was ever taken


def test_a_chargeback_blocks_refunds_until_it_is_won(seeded):
    payment_id = paid_by_card(seeded)
    deliver(event("charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response", ("out",)), "evt_w", T0))
    before = table_snapshot()
    status, body, _ = refund(payment_id, {"amount": 100, "reason": "x"})
    assert (status, body["error"]["code"]) == (409, "payment_not_refundable")
    assert table_snapshot() == before
    deliver(event("charge.dispute.closed", dispute(payment_id, "won", ("out", "back")), "evt_c", T0 + 9))
    assert refund(payment_id, {"amount": 100, "reason": "x"}, key="r2")[0] == 201


def test_a_full_dispute_of_a_partly_refunded_payment_takes_back_only_what_was_left(seeded):
    """Stripe withdraws the disputed 400.00 and, when it is lost, returns the 100.00 refunded before: the
    invoice counts neither twice."""
    payment_id = paid_by_card(seeded)
    refund(payment_id, {"amount": 10000, "reason": "Discount"})
    assert numbers() == ("partially_paid", 100000, 30000, 70000)
    deliver(event("charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response", ("out",)), "evt_w", T0))
    assert numbers() == ("open", 100000, 0, 100000)
    partly_back = dispute(payment_id, "lost", ("out",))
    partly_back["balance_transactions"].append(
        {
            "id": "txn_part",
            "object": "balance_transaction",
            "amount": 10000,
            "currency": "usd",
            "type": "dispute_reversal",
        }
    )
    deliver(event("charge.dispute.funds_reinstated", partly_back, "evt_r", T0 + 9))
    assert numbers() == ("open", 100000, 0, 100000)
    assert Payment.get("client-a", payment_id).status == "disputed"


@pytest.mark.parametrize("status", ["charge_refunded", "a_status_stripe_adds_later"])
def test_unknown_statuses_change_nothing_and_raise_the_anomaly_alarm(seeded, capsys, status):
    payment_id = paid_by_card(seeded)
    before = table_snapshot()
    evt = event("charge.dispute.closed", dispute(payment_id, status, ("out",)), "evt_x", T0)
    assert deliver(evt, capsys) == 1
    after = table_snapshot()
    assert without_events(after) == without_events(before)
    assert deliver(evt, capsys) == 0  # recorded once: a redelivery raises nothing more
    assert table_snapshot() == after


def test_a_dispute_in_another_currency_changes_nothing_and_raises_the_alarm(seeded, capsys):
    payment_id = paid_by_card(seeded)
    before = table_snapshot()
    evt = event(
        "charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response", ("out",), currency="jpy"), "evt_jpy", T0
    )
    assert deliver(evt, capsys) == 1
    after = table_snapshot()
    assert without_events(after) == without_events(before)


def test_a_card_dispute_naming_an_ach_payment_changes_nothing_and_raises_the_alarm(seeded, capsys):
    from tests.drivers.ach import pay_ach, verified_bank

    _, ach, _ = pay_ach("inv-part", verified_bank(seeded["ach"]), amount=40000)
    obj = dispute(ach["payment_id"], "needs_response", ("out",))
    assert obj["payment_intent"].startswith("http")  # the transfer's URL, the ACH payment's processor id
    before = table_snapshot()
    evt = event("charge.dispute.funds_withdrawn", obj, "evt_ach", T0)
    assert deliver(evt, capsys) == 1
    after = table_snapshot()
    assert without_events(after) == without_events(before)
    assert deliver(evt, capsys) == 0 and table_snapshot() == after


def test_a_dispute_for_an_unknown_charge_is_acknowledged_and_changes_nothing(seeded):
    before = table_snapshot()
    deliver(
        event(
            "charge.dispute.created",
            {
                "id": "dp_x",
                "object": "dispute",
                "amount": 100,
                "currency": "usd",
                "charge": "ch_x",
                "status": "needs_response",
                "payment_intent": "pi_unknown",
                "balance_transactions": [],
            },
            "evt_unknown",
            T0,
        )
    )
    after = table_snapshot()
    assert without_events(after) == without_events(before)


@pytest.mark.parametrize(
    "obj",
    [
        {"id": "dp_1", "object": "dispute", "amount": 100, "currency": "usd", "status": "needs_response"},  # no ledger
        {
            "id": "dp_1",
            "object": "dispute",
            "amount": "100",
            "currency": "usd",
            "status": "needs_response",
            "balance_transactions": [],
        },
        {"id": "dp_1", "object": "dispute", "amount": 100, "status": "needs_response", "balance_transactions": []},
        {
            "id": "dp_1",
            "object": "dispute",
            "amount": 100,
            "currency": "usd",
            "status": "needs_response",
            "balance_transactions": [{"id": "txn_1", "amount": "-100", "currency": "usd"}],
        },
    ],
)
def test_malformed_dispute_events_are_400_and_change_nothing(seeded, obj):
    paid_by_card(seeded)
    before = table_snapshot()
    status, body, _ = post(event("charge.dispute.created", obj, "evt_bad", T0))
    assert (status, body["error"]["code"]) == (400, "invalid_payload")
    assert table_snapshot() == before


def test_the_merchant_is_told_each_step_once(seeded):
    payment_id = paid_by_card(seeded)
    for evt in story_events(payment_id, WON).values():
        deliver(evt)
        deliver(evt)
    jobs = [json.loads(m["Body"]) for m in queue_messages(seeded["receipt_queue"])]
    assert [(j["phase"], j["amount"]) for j in jobs] == [
        ("opened", 40000),
        ("withdrawn", 40000),
        ("reinstated", 40000),
        ("won", 40000),
    ]


def test_refund_receipt_and_dispute_emails_go_out_once(seeded):
    from functions.email_worker import app as notice_app
    from infra.apigw import LambdaContext
    from tests.helpers import sent_emails, sqs_event

    payment_id = paid_by_card(seeded)
    refund(payment_id, {"amount": 10000, "reason": "Goodwill discount"})
    deliver(event("charge.dispute.created", dispute(payment_id, "needs_response", amount=30000), "evt_d", T0))
    messages = queue_messages(seeded["receipt_queue"])
    notice_app.handler(sqs_event(messages), LambdaContext())
    notice_app.handler(sqs_event(messages), LambdaContext())  # redelivered: nothing more
    emails = {e["subject"]: e for e in sent_emails(seeded["moto"])}
    assert len(sent_emails(seeded["moto"])) == 2
    receipt = emails["Refund of $100.00 for invoice INV-1002"]
    assert receipt["destinations"]["ToAddresses"] == ["ann@example.test"]
    for needle in ("5-10 business days", "Balance now due on this invoice: $700.00"):
        assert needle in receipt["body"]
    assert "Goodwill discount" not in receipt["body"]  # the merchant's internal reason is not the client's to read
    notice = emails["Dispute opened: $300.00 on invoice INV-1002"]  # the disputed amount
    assert notice["destinations"]["ToAddresses"] == ["office@acme.test"]
    assert payment_id in notice["body"] and "dp_1" in notice["body"]

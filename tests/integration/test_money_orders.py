"""Money that moves in any order, or outside this system, through the handlers on the emulators: the order in
which a refund and a chargeback, a late fee and an extension, a void and a dispute arrive never changes the
numbers; refunds made in Stripe's Dashboard or by Stripe count as the portal's do; early fraud warnings; a void
invoice never holds money. Races are provoked with tests/races.py (the competing request runs whole between
the code's read and its write). The memory model (tests/model/test_books_model.py) interleaves every pair."""

import json
import time

import pytest
import requests

from shared.aws.models import Payment, Refund
from shared.books.dynamo import DynamoRepository
from shared.processors.refunds import RefundResult, StripeRefunds
from shared.services import due_date_job
from tests.conftest import STRIPE_API_KEY
from tests.drivers.stripe import deliver, deliver_new, post
from tests.helpers import books_hold, call, queue_messages, table_snapshot
from tests.integration.test_disputes import dispute, event
from tests.integration.test_refunds import ADMIN, paid_by_card, refund
from tests.races import competing

AUTH = (STRIPE_API_KEY, "")
T0 = int(time.time()) - 600


def withdrawn(payment_id, event_id="evt_w"):
    return event("charge.dispute.funds_withdrawn", dispute(payment_id, "needs_response", ("out",)), event_id, T0)


def closed(payment_id, status, funds):
    return event("charge.dispute.closed", dispute(payment_id, status, funds), f"evt_{status}", T0 + 60)


def refund_succeeded(refund_id):
    stored = Refund.get("client-a", refund_id)
    return {
        "id": stored.processor_refund_id,
        "object": "refund",
        "amount": stored.amount,
        "currency": "usd",
        "status": "succeeded",
        "payment_intent": Payment.get("client-a", stored.payment_id).processor_payment_id,
        "metadata": {"client_id": "client-a", "refund_id": refund_id, "payment_id": stored.payment_id},
    }


def held(payment_id):
    return Payment.get("client-a", payment_id, consistent_read=True).balance_map()


@pytest.fixture
def pending_card_refunds(monkeypatch):
    """Stripe answers a card refund `pending` (as it does for some cards): its outcome comes later, by event."""
    real = StripeRefunds.refund

    def pending(self, **kwargs):
        result = real(self, **kwargs)
        return RefundResult(result.processor_refund_id, "pending")

    monkeypatch.setattr(StripeRefunds, "refund", pending)


@pytest.mark.parametrize("order", ["refund first", "withdrawal first", "withdrawal inside the refund's write"])
def test_a_refund_and_a_chargeback_end_in_the_same_books_in_any_order(
    seeded, pending_card_refunds, monkeypatch, capsys, order
):
    """The merchant refunds 300.00 of a 400.00 card payment; the cardholder's bank withdraws all 400.00. Both
    happen at Stripe: 700.00 left the merchant for 400.00 received. Whatever the order of their events, the
    invoice is owed again in full, the refund counts in full and 300.00 is the merchant's loss (alarmed)."""
    payment_id = paid_by_card(seeded)
    status, body, _ = refund(payment_id, {"amount": 30000, "reason": "Partly delivered"})
    assert (status, body["status"]) == (201, "pending")
    succeeded = refund_succeeded(body["refund_id"])
    capsys.readouterr()
    if order == "refund first":
        deliver_new("refund.updated", succeeded)
        deliver(withdrawn(payment_id))
    elif order == "withdrawal first":
        deliver(withdrawn(payment_id))
        deliver_new("refund.updated", succeeded)
    else:
        competing(monkeypatch, DynamoRepository, "load", lambda: deliver(withdrawn(payment_id)))
        deliver_new("refund.updated", succeeded)
    anomalies = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert sum(sum(doc.get("PaymentAnomaly", [])) for doc in anomalies) == 1
    assert books_hold("client-a", "inv-part") == ("open", 0, 0, 0)
    assert held(payment_id) == {"payer": -40000, "refunds": 30000, "chargebacks": 40000, "losses": -30000}
    deliver(closed(payment_id, "lost", ("out",)))  # once recomputed from amount - refunded: +300.00 back
    assert books_hold("client-a", "inv-part") == ("open", 0, 0, 0)
    deliver(closed(payment_id, "won", ("out", "back")))  # won after all: the loss made good first
    assert books_hold("client-a", "inv-part") == ("partially_paid", 10000, 0, 0)
    assert held(payment_id) == {"payer": -40000, "paid:inv-part": 10000, "refunds": 30000}


def test_two_partial_refunds_around_a_withdrawal_count_in_full(seeded, pending_card_refunds):
    payment_id = paid_by_card(seeded)
    first = refund(payment_id, {"amount": 10000, "reason": "a"}, key="r1")[1]["refund_id"]
    second = refund(payment_id, {"amount": 5000, "reason": "b"}, key="r2")[1]["refund_id"]
    deliver_new("refund.updated", refund_succeeded(first))
    deliver(withdrawn(payment_id))
    deliver_new("refund.updated", refund_succeeded(second))
    assert books_hold("client-a", "inv-part") == ("open", 0, 0, 0)
    assert held(payment_id) == {"payer": -40000, "refunds": 15000, "chargebacks": 40000, "losses": -15000}


def test_a_late_fee_is_decided_on_the_due_date_the_fee_is_written_against(seeded, monkeypatch):
    """The job reads the invoice as overdue; an extension is approved before it writes the fee: no fee (once
    charged for a date that had not come), and none twice later."""
    from infra.seed import days_from_today, put_invoice
    from shared.domain.due_dates import parse_policy

    invoice = put_invoice(
        "client-a",
        "inv-late",
        number="INV-9",
        total=50000,
        due_date=days_from_today(-2),
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    extension = call(
        "RequestExtensionFunction",
        path_parameters={"invoice_id": "inv-late"},
        body={"requested_due_date": days_from_today(20), "reason": "Waiting on our client"},
    )[1]

    def approve():
        return call(
            "AdminExtensionDecisionFunction",
            claims=ADMIN,
            path_suffix="approve",
            path_parameters={"extension_request_id": extension["extension_request_id"]},
        )

    competing(monkeypatch, DynamoRepository, "load", approve)
    assert due_date_job.apply_late_fee(invoice, parse_policy({"kind": "flat", "amount": 2500})) == 0
    assert books_hold("client-a", "inv-late")[:2] == ("open", 0)
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-late"})
    assert (body["fees"], body["due_date"], [a["kind"] for a in body["activity"]]) == (
        0,
        days_from_today(20),
        ["invoiced"],
    )


def void(invoice_id="inv-part"):
    return call(
        "AdminInvoicesFunction",
        claims=ADMIN,
        method="POST",
        path_suffix="void",
        path_parameters={"client_id": "client-a", "invoice_id": invoice_id},
    )


def test_a_void_invoice_never_holds_money(seeded):
    """Paid, charged back (the invoice is owed again): voiding is refused while the dispute may still bring the
    money back; once lost, it may be voided, and money that reaches it later is the client's credit."""
    payment_id = paid_by_card(seeded)
    deliver(withdrawn(payment_id))
    before = table_snapshot()
    status, body, _ = void()
    assert (status, body["error"]["code"]) == (409, "payment_disputed")
    assert table_snapshot() == before
    deliver(closed(payment_id, "lost", ("out",)))
    status, body, _ = void()
    assert (status, body.get("status"), body.get("amount_paid")) == (200, "void", 0), body
    # The bank reverses its decision after all (an appeal won): Stripe gives the money back.
    deliver(event("charge.dispute.funds_reinstated", dispute(payment_id, "won", ("out", "back")), "evt_r", T0 + 90))
    assert books_hold("client-a", "inv-part") == ("void", 0, 0, 40000)
    _, account, _ = call("AccountFunction", method="GET")
    assert account["credit_balance"] == 40000
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})
    assert [(a["kind"], a["amount"]) for a in invoice["activity"]][-1] == ("chargeback_reversed_to_credit", 40000)


# ---- refunds made outside the portal -------------------------------------------------------------------------


def stripe_refund(seeded, payment_id, amount):
    """A refund made in Stripe's Dashboard: no metadata of ours."""
    intent = Payment.get("client-a", payment_id).processor_payment_id
    made = requests.post(
        f"{seeded['stripe'].url}/v1/refunds", data={"payment_intent": intent, "amount": amount}, auth=AUTH
    )
    assert made.status_code == 200, made.text
    return made.json() | {"reason": "requested_by_customer"}


@pytest.mark.parametrize(
    "events",
    [
        ["refund.created"],
        ["charge.refunded"],
        ["refund.created", "charge.refunded", "refund.updated"],
        ["charge.refunded", "refund.created", "refund.created", "charge.refunded"],
    ],
)
def test_a_dashboard_refund_counts_like_a_portal_refund_whatever_events_arrive(seeded, events):
    payment_id = paid_by_card(seeded)
    made = stripe_refund(seeded, payment_id, 15000)
    for event_type in events:
        obj = (
            made
            if event_type.startswith("refund.")
            else {"id": made["charge"], "object": "charge", "payment_intent": made["payment_intent"]}
        )
        deliver_new(event_type, obj)
    assert books_hold("client-a", "inv-part") == ("partially_paid", 25000, 0, 0)
    _, payment, _ = call("GetPaymentFunction", path_parameters={"payment_id": payment_id})
    assert (payment["status"], [(r["amount"], r["status"]) for r in payment["refunds"]]) == (
        "partially_refunded",
        [(15000, "succeeded")],
    )
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})
    assert [(a["kind"], a["amount"]) for a in invoice["activity"]][-1] == ("refunded", -15000)
    jobs = [json.loads(m["Body"])["kind"] for m in queue_messages(seeded["receipt_queue"])]
    assert sorted(jobs) == ["outside_refund", "refund_receipt"]  # the merchant is told; the client's receipt


def test_a_dashboard_refund_pending_then_succeeded_then_a_portal_refund_of_the_rest(seeded):
    payment_id = paid_by_card(seeded)
    made = stripe_refund(seeded, payment_id, 40000)
    deliver_new("refund.created", made | {"status": "pending"})
    assert books_hold("client-a", "inv-part") == ("partially_paid", 40000, 0, 0)  # pending: nothing moved yet
    status, body, _ = refund(payment_id, {"amount": 1, "reason": "x"})
    assert (status, body["error"]["code"]) == (422, "amount_exceeds_refundable")  # it is reserved
    deliver_new("refund.updated", made)
    assert books_hold("client-a", "inv-part") == ("open", 0, 0, 0)
    assert Payment.get("client-a", payment_id).status == "refunded"


def test_a_dashboard_refund_before_the_payments_own_event_syncs_the_payment_first(seeded):
    """Stripe delivers the refund's event before the payment's success: the webhook asks Stripe about the
    intent first, so the refund is counted against money that is counted."""
    _, created, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "early"},
    )
    intent = Payment.get("client-a", created["payment_id"]).processor_payment_id
    base = seeded["stripe"].url
    requests.post(f"{base}/v1/payment_intents/{intent}", data={"payment_method": "pm_card_visa"}, auth=AUTH)
    requests.post(f"{base}/v1/payment_intents/{intent}/confirm", auth=AUTH)
    deliver_new("refund.created", stripe_refund(seeded, created["payment_id"], 10000))
    assert books_hold("client-a", "inv-part") == ("partially_paid", 30000, 0, 0)
    assert Payment.get("client-a", created["payment_id"]).status == "partially_refunded"


def test_a_prevented_dispute_is_counted_through_stripes_refund(seeded):
    payment_id = paid_by_card(seeded)
    stripe_refund(seeded, payment_id, 40000)  # Visa RDR: Stripe refunds the cardholder
    deliver(event("charge.dispute.closed", dispute(payment_id, "prevented"), "evt_p", T0))
    assert books_hold("client-a", "inv-part") == ("open", 0, 0, 0)
    payment = Payment.get("client-a", payment_id)
    assert (payment.status, payment.dispute.status, payment.balance_map().get("chargebacks")) == (
        "refunded",
        "prevented",
        None,
    )
    jobs = [json.loads(m["Body"]) for m in queue_messages(seeded["receipt_queue"])]
    assert {(j["kind"], j.get("phase")) for j in jobs} >= {("dispute", "prevented"), ("outside_refund", None)}


# ---- early fraud warnings -------------------------------------------------------------------------------------


def warning(payment_id, actionable=True, warning_id="issfr_1"):
    return {
        "id": warning_id,
        "object": "radar.early_fraud_warning",
        "actionable": actionable,
        "charge": "ch_1",
        "created": T0,
        "fraud_type": "unauthorized_use_of_card",
        "livemode": False,
        "payment_intent": Payment.get("client-a", payment_id).processor_payment_id,
    }


def test_an_early_fraud_warning_tells_the_merchant_once_and_moves_nothing_by_default(seeded):
    payment_id = paid_by_card(seeded)
    before = table_snapshot()
    deliver_new("radar.early_fraud_warning.created", warning(payment_id))
    deliver_new("radar.early_fraud_warning.updated", warning(payment_id, actionable=False))
    after = table_snapshot()
    assert {k: v for k, v in after.items() if not k.endswith("events")} == {
        k: v for k, v in before.items() if not k.endswith("events")
    }
    from functions.email_worker import app as notice_app
    from infra.apigw import LambdaContext
    from tests.helpers import sent_emails, sqs_event

    messages = queue_messages(seeded["receipt_queue"])
    notice_app.handler(sqs_event(messages), LambdaContext())
    subjects = [e["subject"] for e in sent_emails(seeded["moto"])]
    assert subjects == ["Early fraud warning: $400.00 on invoice INV-1002"]


def test_with_refund_on_early_fraud_warning_the_rest_is_refunded_once_as_fraudulent(seeded, monkeypatch):
    monkeypatch.setenv("REFUND_ON_EARLY_FRAUD_WARNING", "true")
    payment_id = paid_by_card(seeded)
    refund(payment_id, {"amount": 10000, "reason": "Discount"})
    deliver_new("radar.early_fraud_warning.created", warning(payment_id))
    deliver_new("radar.early_fraud_warning.created", warning(payment_id))  # delivered again
    deliver_new("radar.early_fraud_warning.updated", warning(payment_id))
    assert books_hold("client-a", "inv-part") == ("open", 0, 0, 0)
    refunds = sorted((r.amount, r.reason) for r in Refund.query("client-a"))
    assert refunds == [(10000, "Discount"), (30000, "Refunded after an early fraud warning, to avoid a dispute")]
    sent = [
        r
        for r in requests.get(f"{seeded['stripe'].url}/_config/shim/requests").json()
        if r["path"] == "/v1/refunds" and r["method"] == "POST"
    ]
    assert [r["params"].get("reason") for r in sent] == [None, "fraudulent"]


@pytest.mark.parametrize(
    "obj",
    [
        {"object": "radar.early_fraud_warning", "actionable": True, "fraud_type": "misc"},  # no id
        {"id": "issfr_x", "object": "radar.early_fraud_warning", "actionable": "yes", "fraud_type": "misc"},
        {
            "id": "issfr_x",
            "object": "radar.early_fraud_warning",
            "actionable": True,
            "fraud_type": "misc",
            "payment_intent": 5,
        },
    ],
)
def test_a_malformed_early_fraud_warning_is_400_and_changes_nothing(seeded, obj):
    before = table_snapshot()
    status, body, _ = post(
        {
            "id": "evt_bad",
            "object": "event",
            "type": "radar.early_fraud_warning.created",
            "created": T0,
            "data": {"object": obj},
        }
    )
    assert (status, body["error"]["code"]) == (400, "invalid_payload")
    assert table_snapshot() == before

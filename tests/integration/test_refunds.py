"""Refunds (admin, Stripe and ACH): money back exactly once, the invoice reopened or kept paid."""

import json

import pytest
import requests

from shared.aws.models import Client, Invoice, Payment, Refund
from shared.aws.store import money_of
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import deliver_and_apply as deliver_ach
from tests.drivers.ach import envelope, pay_ach, simulate, verified_bank
from tests.drivers.stripe import deliver_new
from tests.helpers import books_hold, call, intent_event, queue_messages, table_snapshot

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
AUTH = (STRIPE_API_KEY, "")


def paid_by_card(seeded, invoice_id="inv-part", amount=40000, key="pay"):
    body = {"method": "card"} | ({"amount": amount} if amount else {})
    _, created, _ = call(
        "CreatePaymentFunction", path_parameters={"invoice_id": invoice_id}, body=body, headers={"Idempotency-Key": key}
    )
    payment = Payment.get("client-a", created["payment_id"])
    base = seeded["stripe"].url
    requests.post(
        f"{base}/v1/payment_intents/{payment.processor_payment_id}", data={"payment_method": "pm_card_visa"}, auth=AUTH
    )
    requests.post(f"{base}/v1/payment_intents/{payment.processor_payment_id}/confirm", auth=AUTH)
    deliver_new(
        "payment_intent.succeeded",
        intent_event(
            "payment_intent.succeeded",
            intent_id=payment.processor_payment_id,
            amount=payment.amount,
            client_id="client-a",
            invoice_id=invoice_id,
            payment_id=payment.payment_id,
            event_id=f"evt_paid_{payment.payment_id}",
        )["data"]["object"],
    )
    queue_messages(seeded["receipt_queue"])
    return payment.payment_id


def refund(payment_id, body, key="r1", claims=ADMIN):
    return call(
        "AdminRefundsFunction",
        path_parameters={"payment_id": payment_id},
        body=body,
        headers={"Idempotency-Key": key} if key else {},
        claims=claims,
    )


def numbers(invoice_id="inv-part"):
    books_hold("client-a", invoice_id)  # every account agrees with the journal
    invoice = Invoice.get("client-a", invoice_id)
    return invoice.status, invoice.total, invoice.amount_paid, money_of(invoice).balance


def test_full_card_refund_reopens_the_invoice_and_shows_as_its_own_line(seeded):
    payment_id = paid_by_card(seeded)
    assert numbers() == ("partially_paid", 100000, 40000, 60000)
    status, body, _ = refund(payment_id, {"amount": 40000, "reason": "Service cancelled"})
    assert status == 201 and body["status"] == "succeeded"  # Stripe (localstripe) refunds at once
    assert numbers() == ("open", 100000, 0, 100000)
    _, payment, _ = call("GetPaymentFunction", path_parameters={"payment_id": payment_id})
    assert payment["status"] == "refunded"
    assert [(r["amount"], r["status"]) for r in payment["refunds"]] == [(40000, "succeeded")]
    jobs = [json.loads(m["Body"]) for m in queue_messages(seeded["receipt_queue"])]
    assert [j["kind"] for j in jobs] == ["refund_receipt"]


def test_partial_refunds_never_exceed_what_was_paid(seeded):
    payment_id = paid_by_card(seeded)
    assert refund(payment_id, {"amount": 10000, "reason": "Discount"}, key="a")[1]["status"] == "succeeded"
    assert Payment.get("client-a", payment_id).status == "partially_refunded"
    before = table_snapshot()
    status, body, _ = refund(payment_id, {"amount": 30001, "reason": "Too much"}, key="b")
    assert (status, body["error"]["code"]) == (422, "amount_exceeds_refundable")
    assert "$300.00" in body["error"]["message"]
    assert table_snapshot() == before
    assert refund(payment_id, {"amount": 30000, "reason": "The rest"}, key="c")[1]["status"] == "succeeded"
    assert Payment.get("client-a", payment_id).status == "refunded"
    assert numbers() == ("open", 100000, 0, 100000)


def test_an_overcharge_correction_keeps_the_invoice_paid(seeded):
    payment_id = paid_by_card(seeded, invoice_id="inv-full", amount=None)
    status, body, _ = refund(payment_id, {"amount": 5000, "reason": "Billed an hour twice", "correction": True})
    assert status == 201
    assert numbers("inv-full") == ("paid", 120000, 120000, 0)
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-full"})
    assert invoice["line_items"][-1] == {
        "description": "Corrections (overcharges refunded)",
        "quantity": 1,
        "unit_amount": -5000,
        "amount": -5000,
    }
    assert sum(line["amount"] for line in invoice["line_items"]) == invoice["total"] + invoice["fees"]
    assert len(Invoice.get("client-a", "inv-full").line_items) == 1  # the item itself never grows


def test_the_same_key_returns_the_same_refund_and_refunds_once(seeded):
    payment_id = paid_by_card(seeded)
    _, first, _ = refund(payment_id, {"amount": 1000, "reason": "x"}, key="same")
    _, again, _ = refund(payment_id, {"amount": 1000, "reason": "x"}, key="same")
    assert again["refund_id"] == first["refund_id"]
    refunds_at_stripe = [
        r for r in requests.get(f"{seeded['stripe'].url}/_config/shim/requests").json() if r["path"] == "/v1/refunds"
    ]
    assert len(refunds_at_stripe) == 1 and refunds_at_stripe[0]["idempotency_key"] == f"refund:{first['refund_id']}"
    status, body, _ = refund(payment_id, {"amount": 2000, "reason": "x"}, key="same")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")
    assert Invoice.get("client-a", "inv-part").amount_paid == 39000


@pytest.mark.parametrize(
    "body,key,claims,status,code",
    [
        ({"amount": 0, "reason": "x"}, "k", ADMIN, 422, "invalid_amount"),
        ({"amount": 10.5, "reason": "x"}, "k", ADMIN, 422, "invalid_amount"),
        ({"amount": "100", "reason": "x"}, "k", ADMIN, 422, "invalid_amount"),
        ({"amount": 100}, "k", ADMIN, 422, "invalid_reason"),
        ({"amount": 100, "reason": "x", "correction": "yes"}, "k", ADMIN, 422, "invalid_field"),
        ({"amount": 100, "reason": "x", "to": "elsewhere"}, "k", ADMIN, 422, "unknown_field"),
        ({"amount": 100, "reason": "x"}, None, ADMIN, 400, "idempotency_key_required"),
        ({"amount": 100, "reason": "x"}, "k", {"sub": "u", "custom:client_id": "client-a"}, 403, "forbidden"),
    ],
)
def test_bad_refund_requests_change_nothing(seeded, body, key, claims, status, code):
    payment_id = paid_by_card(seeded)
    before = table_snapshot()
    got_status, got, _ = refund(payment_id, body, key=key, claims=claims)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert table_snapshot() == before


def test_refunds_of_unknown_pending_or_failed_payments_are_refused(seeded):
    assert refund("pay_unknown", {"amount": 100, "reason": "x"})[1]["error"]["code"] == "payment_not_found"
    _, pending, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "p"},
    )
    before = table_snapshot()
    status, body, _ = refund(pending["payment_id"], {"amount": 100, "reason": "x"})
    assert (status, body["error"]["code"]) == (409, "payment_not_refundable")
    assert table_snapshot() == before


def test_refund_webhooks_after_the_fact_count_nothing_twice(seeded):
    payment_id = paid_by_card(seeded)
    _, body, _ = refund(payment_id, {"amount": 10000, "reason": "x"})
    stored = Refund.get("client-a", body["refund_id"])
    obj = {
        "id": stored.processor_refund_id,
        "object": "refund",
        "amount": 10000,
        "currency": "usd",
        "status": "succeeded",
        "payment_intent": Payment.get("client-a", payment_id).processor_payment_id,
        "metadata": {"client_id": "client-a", "refund_id": body["refund_id"], "payment_id": payment_id},
    }
    before = table_snapshot()
    deliver_new("refund.updated", obj)
    deliver_new("charge.refunded", {"id": "ch_x", "object": "charge", "payment_intent": obj["payment_intent"]})
    after = table_snapshot()
    assert {k: v for k, v in after.items() if not k.endswith("events")} == {
        k: v for k, v in before.items() if not k.endswith("events")
    }
    assert numbers() == ("partially_paid", 100000, 30000, 70000)
    # Stripe: "After the refund fails, [failure_balance_transaction] reverses the initial balance transaction"
    # (stripe-python 16.1.0, _refund.py): a succeeded refund can still fail. The money is the client's again.
    deliver_new("refund.failed", obj | {"status": "failed", "failure_reason": "lost_or_stolen_card"})
    deliver_new("refund.failed", obj | {"status": "failed", "failure_reason": "lost_or_stolen_card"})
    assert Refund.get("client-a", body["refund_id"]).status == "failed"
    assert numbers() == ("partially_paid", 100000, 30000, 70000)
    assert Client.get("client-a").credit_balance == 10000  # owed to the client again, kept as credit
    assert Payment.get("client-a", payment_id).refunded_amount == 0


def test_ach_refund_is_final_when_the_credit_transfer_settles(seeded):
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    url = Payment.get("client-a", payment["payment_id"]).processor_payment_id
    simulate(seeded["ach"])
    deliver_ach(envelope("customer_transfer_completed", url))
    assert numbers() == ("partially_paid", 100000, 40000, 60000)

    status, body, _ = refund(payment["payment_id"], {"amount": 15000, "reason": "Partial credit"})
    assert status == 201 and body["status"] == "pending"  # a bank credit takes days
    assert numbers() == ("partially_paid", 100000, 40000, 60000)
    credit = Refund.get("client-a", body["refund_id"]).processor_refund_id
    simulate(seeded["ach"])
    completed = envelope("customer_transfer_completed", credit)
    deliver_ach(completed)
    deliver_ach(completed)  # duplicate
    assert Refund.get("client-a", body["refund_id"]).status == "succeeded"
    assert numbers() == ("partially_paid", 100000, 25000, 75000)
    assert Payment.get("client-a", payment["payment_id"]).status == "partially_refunded"


def test_refunding_an_overpayment_takes_it_from_the_client_credit(seeded):
    _, created, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "over"},
    )
    payment = Payment.get("client-a", created["payment_id"])
    requests.post(
        f"{seeded['stripe'].url}/v1/payment_intents/{payment.processor_payment_id}",
        data={"payment_method": "pm_card_visa"},
        auth=AUTH,
    )
    requests.post(f"{seeded['stripe'].url}/v1/payment_intents/{payment.processor_payment_id}/confirm", auth=AUTH)
    event = intent_event(
        "payment_intent.succeeded",
        intent_id=payment.processor_payment_id,
        amount=125000,
        client_id="client-a",
        invoice_id="inv-full",
        payment_id=payment.payment_id,
        event_id="evt_over",
    )
    event["data"]["object"]["amount_received"] = 130000  # the processor took more than was owed
    deliver_new("payment_intent.succeeded", event["data"]["object"])
    assert Client.get("client-a").credit_balance == 5000
    from functions.email_worker import app as notice_app
    from infra.apigw import LambdaContext
    from tests.helpers import sent_emails, sqs_event

    notice_app.handler(sqs_event(queue_messages(seeded["receipt_queue"])), LambdaContext())
    flags = [e for e in sent_emails(seeded["moto"]) if e["subject"].startswith("Overpayment of $50.00")]
    assert len(flags) == 1 and flags[0]["destinations"]["ToAddresses"] == ["office@acme.test"]
    _, account, _ = call("AccountFunction", method="GET")
    assert account["credit_balance"] == 5000
    assert refund(payment.payment_id, {"amount": 5000, "reason": "Overpayment"})[1]["status"] == "succeeded"
    assert Client.get("client-a").credit_balance == 0
    assert numbers("inv-full") == ("paid", 125000, 125000, 0)  # the invoice keeps what it was owed

"""The money edge cases the ledger closes, end to end through the handlers: returns of money kept as credit,
returns and refunds in either order, a refund's transfer returned, and every invoice's activity re-folding
to its counters."""

import json

import requests

from shared.aws.models import Client, Payment, Refund
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import deliver_and_apply, envelope, pay_ach, simulate, transfer_url, verified_bank
from tests.drivers.stripe import deliver
from tests.helpers import books_hold, call, intent_event

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
LATE_R01 = "123456781001"  # the sandbox settles a debit from this account, then returns it (R01)


def anomalies(capsys) -> int:
    """PaymentAnomaly metrics the handlers emitted since the last call (their EMF lines on stdout)."""
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return sum(sum(doc.get("PaymentAnomaly", [])) for doc in docs)


def books(invoice_id="inv-part"):
    """(status, amount_paid, amount_pending, the client's credit), every account checked against the journal."""
    return books_hold("client-a", invoice_id)


def card_paid(seeded, invoice_id, received, key="card"):
    """A card payment of the invoice's balance for which Stripe reports `received` cents collected."""
    _, created, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": invoice_id},
        body={"method": "card"},
        headers={"Idempotency-Key": key},
    )
    payment = Payment.get("client-a", created["payment_id"])
    base, auth = seeded["stripe"].url, (STRIPE_API_KEY, "")
    requests.post(
        f"{base}/v1/payment_intents/{payment.processor_payment_id}", data={"payment_method": "pm_card_visa"}, auth=auth
    )
    requests.post(f"{base}/v1/payment_intents/{payment.processor_payment_id}/confirm", auth=auth)
    event = intent_event(
        "payment_intent.succeeded",
        intent_id=payment.processor_payment_id,
        amount=payment.amount,
        client_id="client-a",
        invoice_id=invoice_id,
        payment_id=payment.payment_id,
        event_id=f"evt_{key}",
    )
    event["data"]["object"]["amount_received"] = received
    deliver(event)
    return payment.payment_id


def refund(payment_id, amount, key="r1"):
    status, body, _ = call(
        "AdminRefundsFunction",
        path_parameters={"payment_id": payment_id},
        body={"amount": amount, "reason": "Goodwill"},
        headers={"Idempotency-Key": key},
        claims=ADMIN,
    )
    assert status == 201, body
    return body["refund_id"]


def settled_ach(seeded, amount, account=LATE_R01):
    """An ACH payment of inv-part from an account the sandbox returns late; returns (payment id, debit url)."""
    method_id = verified_bank(seeded["ach"], account_number=account)
    status, payment, _ = pay_ach("inv-part", method_id, amount=amount)
    assert status == 201, payment
    url = transfer_url("client-a", payment["payment_id"])
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", url))
    return payment["payment_id"], url


def test_a_return_of_money_kept_as_credit_takes_it_from_the_credit(seeded, capsys):
    method_id = verified_bank(seeded["ach"], account_number=LATE_R01)
    _, ach, _ = pay_ach("inv-part", method_id, amount=40000)
    debit = transfer_url("client-a", ach["payment_id"])
    card_paid(seeded, "inv-part", received=100000)  # Stripe collected the whole invoice meanwhile
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", debit))  # nothing left owed: all of it is credit
    assert books() == ("paid", 100000, 0, 40000)
    assert Client.get("client-a").credit_balance == 40000
    simulate(seeded["ach"])  # the late return (R01)
    deliver_and_apply(envelope("customer_transfer_failed", debit))
    assert Payment.get("client-a", ach["payment_id"]).status == "failed"
    assert books() == ("paid", 100000, 0, 0)  # the card's money still pays the invoice
    assert Client.get("client-a").credit_balance == 0


def test_a_return_after_a_refund_takes_back_what_is_left_and_raises_the_anomaly_once(seeded, capsys):
    payment_id, debit = settled_ach(seeded, 60000)
    refund_id = refund(payment_id, 40000)
    assert books() == ("partially_paid", 60000, 0, 0)
    simulate(seeded["ach"])  # the refund's credit settles, and the debit is returned (R01)
    capsys.readouterr()
    deliver_and_apply(envelope("customer_transfer_completed", Refund.get("client-a", refund_id).processor_refund_id))
    assert books() == ("partially_paid", 20000, 0, 0)
    assert anomalies(capsys) == 0
    deliver_and_apply(envelope("customer_transfer_failed", debit))
    assert books() == ("open", 0, 0, 0)  # only the 20000 still held came off: the 40000 was already refunded
    payment = Payment.get("client-a", payment_id)
    assert (payment.status, payment.refunded_amount) == ("failed", 40000)
    assert payment.balance_map()["losses"] == -40000  # the bank took back what had been sent back: a loss
    assert anomalies(capsys) == 1  # the refund sent for money that never arrived: a person must see it


def test_a_refund_completing_after_the_return_counts_nothing_twice_and_raises_the_anomaly_once(seeded, capsys):
    payment_id, debit = settled_ach(seeded, 60000)
    refund_id = refund(payment_id, 40000)
    simulate(seeded["ach"])
    capsys.readouterr()
    deliver_and_apply(envelope("customer_transfer_failed", debit))  # the return first
    assert books() == ("open", 0, 0, 0)
    assert anomalies(capsys) == 0  # the refund may still fail: no loss yet
    credit = Refund.get("client-a", refund_id).processor_refund_id
    deliver_and_apply(envelope("customer_transfer_completed", credit))
    deliver_and_apply(envelope("customer_transfer_completed", credit))  # and again
    assert books() == ("open", 0, 0, 0)  # not taken off a second time
    assert Refund.get("client-a", refund_id).status == "succeeded"
    assert Payment.get("client-a", payment_id).status == "failed"
    assert anomalies(capsys) == 1


def test_a_refund_is_refused_on_a_returned_payment(seeded):
    payment_id, debit = settled_ach(seeded, 60000)
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_failed", debit))
    status, body, _ = call(
        "AdminRefundsFunction",
        path_parameters={"payment_id": payment_id},
        body={"amount": 1000, "reason": "Goodwill"},
        headers={"Idempotency-Key": "late"},
        claims=ADMIN,
    )
    assert (status, body["error"]["code"]) == (409, "payment_not_refundable")
    assert list(Refund.query("client-a")) == []


def test_a_returned_refund_transfer_fails_the_refund_and_owes_the_money_again(seeded, capsys):
    payment_id, _ = settled_ach(seeded, 60000)
    refund_id = refund(payment_id, 40000)  # credited to the same account, which the sandbox returns late too
    credit = Refund.get("client-a", refund_id).processor_refund_id
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", credit))
    assert books() == ("partially_paid", 20000, 0, 0)
    simulate(seeded["ach"])  # the bank returns the credit (the debit's own return is not delivered here)
    capsys.readouterr()
    deliver_and_apply(envelope("customer_transfer_failed", credit))
    deliver_and_apply(envelope("customer_transfer_failed", credit))  # and again
    assert Refund.get("client-a", refund_id).status == "failed"
    payment = Payment.get("client-a", payment_id)
    assert (payment.status, payment.refunded_amount, payment.credited_amount) == ("succeeded", 0, 40000)
    assert books() == ("partially_paid", 20000, 0, 40000)  # owed to the client again, as credit
    assert Client.get("client-a").credit_balance == 40000
    assert anomalies(capsys) == 1
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})
    assert [(a["kind"], a["amount"]) for a in invoice["activity"]] == [
        ("invoiced", 100000),
        ("transfer_started", 60000),
        ("transfer_finished", -60000),
        ("payment_received", 60000),
        ("refunded", -40000),
        ("refund_returned", 40000),
    ]

"""The whole card story with localstripe's own PaymentIntent and its own webhook event."""

import requests

from functions.email_worker import app as receipt_app
from infra.apigw import LambdaContext
from tests.drivers.stripe import forward_localstripe_events
from tests.helpers import call, queue_messages, sent_emails, sqs_event

AUTH = ("sk_test_portal", "")


def confirm_like_stripe_js(base, client_secret, payment_method):
    # localstripe 1.15 answers 500 to confirm(payment_method=...): attach the method first, then confirm.
    intent_id = client_secret.split("_secret_")[0]
    requests.post(f"{base}/v1/payment_intents/{intent_id}", data={"payment_method": payment_method}, auth=AUTH)
    return requests.post(f"{base}/v1/payment_intents/{intent_id}/confirm", auth=AUTH, timeout=5).json()


def test_client_pays_in_two_parts_and_gets_two_receipts(seeded):
    base = seeded["stripe"].url
    for amount, key in ((30000, "first"), (70000, "second")):
        status, payment, _ = call(
            "CreatePaymentFunction",
            path_parameters={"invoice_id": "inv-part"},
            body={"method": "card", "amount": amount},
            headers={"Idempotency-Key": key},
        )
        assert status == 201
        assert confirm_like_stripe_js(base, payment["client_secret"], "pm_card_visa")["status"] == "succeeded"
        assert "payment_intent.succeeded" in forward_localstripe_events(
            base, payment["client_secret"].split("_secret_")[0]
        )
        receipt_app.handler(sqs_event(queue_messages(seeded["receipt_queue"])), LambdaContext())

    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})
    assert (invoice["status"], invoice["amount_paid"], invoice["balance"], invoice["payable"]) == (
        "paid",
        100000,
        0,
        False,
    )
    assert [p["status"] for p in invoice["payments"]] == ["succeeded", "succeeded"]
    _, history, _ = call("ListPaymentsFunction", query={"invoice_id": "inv-part"})
    assert {p["amount"] for p in history["payments"]} == {30000, 70000}
    subjects = sorted(e["subject"] for e in sent_emails(seeded["moto"]))
    assert subjects == ["Receipt: $300.00 paid on invoice INV-1002", "Receipt: $700.00 paid on invoice INV-1002"]


def test_declined_card_then_another_card_on_the_same_payment(seeded):
    base = seeded["stripe"].url
    _, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "decline"},
    )
    declining = requests.post(
        f"{base}/v1/payment_methods",
        auth=AUTH,
        data={
            "type": "card",
            "card[number]": "4000000000000341",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    ).json()
    intent_id = payment["client_secret"].split("_secret_")[0]
    requests.post(f"{base}/v1/payment_intents/{intent_id}", data={"payment_method": declining["id"]}, auth=AUTH)
    requests.post(f"{base}/v1/payment_intents/{intent_id}/confirm", auth=AUTH, timeout=5)
    assert "payment_intent.payment_failed" in forward_localstripe_events(base, intent_id)
    _, failed, _ = call("GetPaymentFunction", path_parameters={"payment_id": payment["payment_id"]})
    assert failed["status"] == "failed" and failed["failure"]["message"]
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-full"})
    assert (invoice["status"], invoice["balance"], invoice["payable"]) == ("open", 125000, True)

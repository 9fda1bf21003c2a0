"""ACH end to end through the handlers: link and verify a bank account, pay, settle, fail, return.
The processor is the ACH sandbox (Dwolla's API); webhooks name a resource that the handler fetches."""

import json
import logging

import pytest
import requests

from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from shared.aws.models import Client, Payment, SavedPaymentMethod
from tests.drivers.ach import (
    accepted_authorization,
    api,
    deliver,
    deliver_and_apply,
    deposits,
    envelope,
    invoice_numbers,
    link,
    pay_ach,
    simulate,
    stale,
    transfer_url,
    verified_bank,
)
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot


def jobs(seeded):
    return [json.loads(m["Body"])["kind"] for m in queue_messages(seeded["receipt_queue"])]


def transfers_at_sandbox(seeded):
    """Every transfer the processor created, from its event log."""
    return [
        e
        for e in api(seeded["ach"], "GET", "/events").json()["_embedded"]["events"]
        if e["topic"] == "transfer_created"
    ]


# ---- linking and verifying ---------------------------------------------------------------------------------


def test_linking_keeps_only_bank_name_type_and_last4(seeded, caplog):
    caplog.set_level(logging.DEBUG)
    status, method, _ = link("987654321234")
    assert status == 201
    assert method["type"] == "bank_account" and method["card"] is None
    assert method["bank"] == {
        "bank_name": method["bank"]["bank_name"],
        "account_type": "checking",
        "last4": "1234",
        "status": "verification_pending",
        "verification_attempts_remaining": 3,
        "verify_again": False,
    }
    assert method["bank"]["bank_name"]
    snapshot = json.dumps(table_snapshot())
    assert "987654321234" not in snapshot and "011000015" not in snapshot
    assert "987654321234" not in caplog.text and "011000015" not in caplog.text
    listed = call("ListPaymentMethodsFunction")[1]["payment_methods"]
    assert [m["payment_method_id"] for m in listed] == [method["payment_method_id"]]


@pytest.mark.parametrize(
    "body,code",
    [
        (
            {
                "routing_number": "011000016",
                "account_number": "12345678",
                "account_type": "checking",
                "holder_name": "A",
            },
            "invalid_routing_number",
        ),  # checksum
        (
            {
                "routing_number": "01100001",
                "account_number": "12345678",
                "account_type": "checking",
                "holder_name": "A",
            },
            "invalid_routing_number",
        ),
        (
            {
                "routing_number": "01100001a",
                "account_number": "12345678",
                "account_type": "checking",
                "holder_name": "A",
            },
            "invalid_routing_number",
        ),
        (
            {"routing_number": 11000015, "account_number": "12345678", "account_type": "checking", "holder_name": "A"},
            "invalid_routing_number",
        ),
        (
            {"routing_number": "011000015", "account_number": "123", "account_type": "checking", "holder_name": "A"},
            "invalid_account_number",
        ),
        (
            {"routing_number": "011000015", "account_number": "1" * 18, "account_type": "checking", "holder_name": "A"},
            "invalid_account_number",
        ),
        (
            {
                "routing_number": "011000015",
                "account_number": "1234-5678",
                "account_type": "checking",
                "holder_name": "A",
            },
            "invalid_account_number",
        ),
        (
            {
                "routing_number": "011000015",
                "account_number": "12345678",
                "account_type": "brokerage",
                "holder_name": "A",
            },
            "invalid_account_type",
        ),
        (
            {"routing_number": "011000015", "account_number": "12345678", "account_type": "checking"},
            "invalid_holder_name",
        ),
        (
            {
                "routing_number": "011000015",
                "account_number": "12345678",
                "account_type": "checking",
                "holder_name": "A",
                "iban": "x",
            },
            "unknown_field",
        ),
    ],
)
def test_bad_bank_details_are_refused_before_anything_is_sent(seeded, body, code):
    before = table_snapshot()
    status, got, _ = call("AddBankAccountFunction", body=body)
    assert (status, got["error"]["code"]) == (422, code)
    assert table_snapshot() == before
    events = api(seeded["ach"], "GET", "/events").json()["_embedded"]["events"]
    assert events == []  # not even a customer was created at the processor


def test_a_billing_email_another_client_uses_for_ach_is_409_and_changes_nothing(seeded):
    """The processor keeps one customer per email: client-b's bank never goes under client-a's customer."""
    assert link("555566667777")[0] == 201  # client-a's customer has ann@example.test
    Client("client-b").update(actions=[Client.billing_email.set("Ann@example.test")])
    customers = len(seeded["ach"].customers)
    before = table_snapshot()
    status, body, _ = link("888899990000", client_id="client-b", holder="Bob Baker")
    assert (status, body["error"]["code"]) == (409, "billing_email_in_use")
    assert "account page" in body["error"]["message"]
    assert table_snapshot() == before  # client-b still has no ACH customer and no bank account
    [ann] = [c for c in seeded["ach"].customers.values() if c["email"].lower() == "ann@example.test"]
    assert len(seeded["ach"].customers) == customers  # none made for client-b
    banks = api(seeded["ach"], "GET", f"/customers/{ann['id']}/funding-sources").json()["_embedded"]
    assert len(banks["funding-sources"]) == 1  # client-a's own bank only


def test_a_customer_the_processor_refuses_is_422_and_changes_nothing(seeded):
    """Dwolla refusing the customer itself (here its email) is the client's answer, not a 500."""
    Client("client-b").update(actions=[Client.billing_email.set("bob@localhost")])
    before = table_snapshot()
    status, body, _ = link("888899990000", client_id="client-b", holder="Bob Baker")
    assert (status, body["error"]["code"]) == (422, "bank_account_rejected")
    assert "Email invalid" in body["error"]["message"]
    assert table_snapshot() == before


def test_linking_the_same_account_twice_is_409(seeded):
    link("555566667777")
    before = table_snapshot()
    status, body, _ = link("555566667777")
    assert (status, body["error"]["code"]) == (409, "bank_account_exists")
    assert table_snapshot() == before


def test_verification_with_the_micro_deposits(seeded):
    _, method, _ = link()
    method_id = method["payment_method_id"]
    verify = lambda amounts, client_id="client-a": call(  # noqa: E731
        "VerifyBankAccountFunction",
        client_id=client_id,
        path_parameters={"payment_method_id": method_id},
        body={"amounts": amounts},
    )
    status, body, _ = verify([3, 9])
    assert (status, body["error"]["code"]) == (409, "micro_deposits_pending")  # not arrived yet
    simulate(seeded["ach"])
    _, listed, _ = call("ListPaymentMethodsFunction")
    assert listed["payment_methods"][0]["bank"]["verification_attempts_remaining"] == 3
    status, body, _ = verify([1, 2])
    assert (status, body["error"]["code"], body["error"]["attempts_remaining"]) == (422, "incorrect_amounts", 2)
    _, listed, _ = call("ListPaymentMethodsFunction")
    assert listed["payment_methods"][0]["bank"]["verification_attempts_remaining"] == 2
    before = table_snapshot()
    for bad in ([3], [3, 9, 1], [0, 9], [3, 100], [3.0, 9], "3,9"):
        assert verify(bad)[1]["error"]["code"] == "invalid_amounts"
    assert verify(deposits(seeded["ach"], method_id), client_id="client-b")[0] == 404
    assert table_snapshot() == before
    status, body, _ = verify(deposits(seeded["ach"], method_id))
    assert status == 200 and body["bank"]["status"] == "verified" and body["default"] is True
    status, body, _ = verify(deposits(seeded["ach"], method_id))
    assert (status, body["error"]["code"]) == (409, "bank_account_already_verified")


def test_too_many_wrong_attempts_fail_the_account(seeded):
    _, method, _ = link()
    simulate(seeded["ach"])
    path = {"payment_method_id": method["payment_method_id"]}
    errors = [
        call("VerifyBankAccountFunction", path_parameters=path, body={"amounts": [1, 2]})[1]["error"] for _ in range(3)
    ]
    assert [e["code"] for e in errors] == ["incorrect_amounts", "incorrect_amounts", "verification_attempts_exceeded"]
    # What the portal shows after each wrong answer: how many tries are left, in the error and on the method.
    assert [e.get("attempts_remaining") for e in errors[:2]] == [2, 1]
    assert "1 attempt left" in errors[1]["message"]
    _, listed, _ = call("ListPaymentMethodsFunction")
    assert listed["payment_methods"][0]["bank"]["verification_attempts_remaining"] == 0
    assert SavedPaymentMethod.get("client-a", method["payment_method_id"]).bank_status == "verification_failed"
    status, body, _ = call("VerifyBankAccountFunction", path_parameters=path, body={"amounts": [3, 9]})
    assert (status, body["error"]["code"]) == (409, "verification_failed")


# ---- paying ------------------------------------------------------------------------------------------------


def test_ach_payment_holds_the_money_as_pending_then_settles(seeded):
    method_id = verified_bank(seeded["ach"])
    status, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    assert status == 201
    assert (payment["status"], payment["method"], payment["bank"]["last4"]) == ("processing", "ach", "0000")
    assert "client_secret" not in payment
    assert invoice_numbers() == ("partially_paid", 0, 40000, 60000)
    assert jobs(seeded) == ["ach_initiated"]

    url = transfer_url("client-a", payment["payment_id"])
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", url))
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert Payment.get("client-a", payment["payment_id"]).status == "succeeded"
    assert jobs(seeded) == ["receipt"]


def test_paying_the_whole_balance_by_ach_shows_processing(seeded):
    method_id = verified_bank(seeded["ach"])
    pay_ach("inv-full", method_id)
    assert invoice_numbers("inv-full") == ("processing", 0, 125000, 0)
    status, body, _ = pay_ach("inv-full", method_id, key="again")
    assert (status, body["error"]["code"]) == (409, "payment_in_progress")  # no second payment for it
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-full"})
    assert (invoice["status"], invoice["payable"], invoice["amount_pending"]) == ("processing", False, 125000)


def test_a_failed_transfer_returns_the_money_and_tells_the_client(seeded):
    method_id = verified_bank(seeded["ach"], account_number="123456780001")  # R01
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    queue_messages(seeded["receipt_queue"])
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_failed", transfer_url("client-a", payment["payment_id"])))
    _, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": payment["payment_id"]})
    assert body["status"] == "failed" and body["failure"]["code"] == "R01"
    assert "insufficient funds" in body["failure"]["message"] and "by card" in body["failure"]["message"]
    assert invoice_numbers() == ("open", 0, 0, 100000)
    messages = queue_messages(seeded["receipt_queue"])
    assert [json.loads(m["Body"])["kind"] for m in messages] == ["payment_failed"]
    notice_app.handler(sqs_event(messages), LambdaContext())
    [email] = sent_emails(seeded["moto"])
    assert email["subject"] == "Bank payment of $400.00 for invoice INV-1002 did not go through"
    assert "Return code" in email["body"] and "R01" in email["body"] and "ending in 0001" in email["body"]


def test_a_return_after_success_reverses_the_payment(seeded):
    method_id = verified_bank(seeded["ach"], account_number="123456781003")  # completes, then R03
    _, payment, _ = pay_ach("inv-full", method_id)
    url = transfer_url("client-a", payment["payment_id"])
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", url))
    assert invoice_numbers("inv-full") == ("paid", 125000, 0, 0)
    simulate(seeded["ach"])  # the late return
    deliver_and_apply(envelope("customer_transfer_failed", url))
    assert invoice_numbers("inv-full") == ("open", 0, 0, 125000)
    payment_now = Payment.get("client-a", payment["payment_id"])
    assert (payment_now.status, payment_now.failure_code) == ("failed", "R03")


def test_duplicate_and_out_of_order_events_end_in_the_right_state(seeded):
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    url = transfer_url("client-a", payment["payment_id"])
    simulate(seeded["ach"])
    completed = envelope("customer_transfer_completed", url)
    deliver_and_apply(completed)
    deliver_and_apply(completed)  # duplicate
    deliver_and_apply(envelope("transfer_completed", url))  # Dwolla's second topic for the same step
    deliver_and_apply(envelope("customer_transfer_created", url))  # late "created"
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_completed_before_the_payment_knew_its_transfer(seeded):
    """The processor created the transfer but its answer was lost (after_commit fault): the webhook still
    finds the payment through the transfer's metadata and records the transfer id."""
    method_id = verified_bank(seeded["ach"])
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={"path_prefix": "/transfers", "method": "POST", "status": 503, "count": 5, "after_commit": True},
    )
    status, body, _ = pay_ach("inv-part", method_id, amount=40000)
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    [recorded] = list(Payment.query("client-a"))
    assert (recorded.status, recorded.processor_payment_id) == ("processing", None)
    assert invoice_numbers() == ("partially_paid", 0, 40000, 60000)  # still reserved: money may be moving
    requests.delete(f"{seeded['ach'].url}/sandbox/faults", timeout=5)
    status, again, _ = pay_ach("inv-part", method_id, amount=40000)  # the same request again
    assert status == 201 and again["payment_id"] == recorded.payment_id
    assert len(transfers_at_sandbox(seeded)) == 1  # one transfer, whatever the retries did
    url = transfer_url("client-a", recorded.payment_id)
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", url))
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_same_key_returns_the_same_payment_and_transfer(seeded):
    method_id = verified_bank(seeded["ach"])
    _, first, _ = pay_ach("inv-part", method_id, amount=10000, key="same")
    status, second, _ = pay_ach("inv-part", method_id, amount=10000, key="same")
    assert status == 201 and second["payment_id"] == first["payment_id"]
    assert len(transfers_at_sandbox(seeded)) == 1
    assert pay_ach("inv-part", method_id, amount=20000, key="same")[1]["error"]["code"] == "idempotency_key_reused"


def test_refusals_for_ach_payments_change_nothing(seeded):
    _, unverified, _ = link("111122223333")
    b_bank = verified_bank(seeded["ach"], account_number="444455556666", client_id="client-b")
    before = table_snapshot()
    cases = [
        (pay_ach("inv-part", unverified["payment_method_id"], amount=10000), 422, "bank_account_not_verified"),
        (pay_ach("inv-part", b_bank, amount=10000), 404, "payment_method_not_found"),
        (pay_ach("inv-part", "ba_unknown", amount=10000), 404, "payment_method_not_found"),
        (
            call(
                "CreatePaymentFunction",
                path_parameters={"invoice_id": "inv-part"},
                headers={"Idempotency-Key": "n"},
                body={"method": "ach", "amount": 10000, "ach_authorization": accepted_authorization()},
            ),
            422,
            "payment_method_required",
        ),
        (
            call(
                "CreatePaymentFunction",
                path_parameters={"invoice_id": "inv-part"},
                headers={"Idempotency-Key": "s"},
                body={
                    "method": "ach",
                    "amount": 10000,
                    "payment_method_id": b_bank,
                    "save_payment_method": True,
                    "ach_authorization": accepted_authorization(),
                },
            ),
            422,
            "invalid_field",
        ),
    ]
    for (status, body, _), want_status, code in cases:
        assert (status, body["error"]["code"]) == (want_status, code)
    assert table_snapshot() == before


def test_notice_emails_for_an_ach_payment(seeded):
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", transfer_url("client-a", payment["payment_id"])))
    notice_app.handler(sqs_event(queue_messages(seeded["receipt_queue"])), LambdaContext())
    emails = {e["subject"]: e["body"] for e in sent_emails(seeded["moto"])}
    started = emails["Bank payment of $400.00 started for invoice INV-1002"]
    assert "ending in 0000" in started and "3-5 business days" in started
    # NACHA: the client gets a copy of the debit authorization it accepted.
    assert "The debit authorization you accepted, for your records" in started
    assert "to make a one-time electronic debit (ACH) from the bank account and for the amount shown above" in started
    receipt = emails["Receipt: $400.00 paid on invoice INV-1002"]
    assert "account ending in 0000" in receipt and "$600.00 is still due on this invoice." in receipt


# ---- the webhook's bad input -------------------------------------------------------------------------------


def test_webhook_signature_and_payload_checks(seeded):
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    url = transfer_url("client-a", payment["payment_id"])
    simulate(seeded["ach"])
    before = table_snapshot()
    good = envelope("customer_transfer_completed", url)
    cases = [
        (deliver(good, secret="wrong-secret"), "invalid_signature"),
        (deliver(good, signature=""), "invalid_signature"),
        (deliver(good, signature="00" * 32), "invalid_signature"),
        (deliver(None, raw=b"{not json"), "invalid_payload"),
        (deliver(None, raw=b"[]"), "invalid_payload"),
        (deliver({"id": "e", "topic": "customer_transfer_completed"}), "invalid_payload"),
        (
            deliver(envelope("customer_transfer_completed", url, timestamp=stale()) | {"timestamp": "yesterday"}),
            "invalid_payload",
        ),
    ]
    for (status, body, _), code in cases:
        assert (status, body["error"]["code"]) == (400, code)
    assert table_snapshot() == before
    assert queue_messages(seeded["ach_event_queue"]) == []  # nothing queued for the worker either


def test_a_signed_event_of_any_age_is_applied_once(seeded):
    """Dwolla's recovery re-sends old events (a paused subscription unpaused, "retry failed webhooks"): a signed one
    is applied whatever its age, from the transfer read again now, and a duplicate still counts once."""
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    url = transfer_url("client-a", payment["payment_id"])
    simulate(seeded["ach"])
    old = envelope("customer_transfer_completed", url, timestamp=stale(hours=24 * 30))
    assert deliver_and_apply(old) == (1, 0)
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    before = table_snapshot()
    assert deliver_and_apply(old) == (1, 0)  # the same event again, weeks late
    assert deliver_and_apply(envelope("customer_transfer_completed", url, timestamp=stale(hours=24 * 60))) == (1, 0)
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)
    assert without_event_records(table_snapshot()) == without_event_records(before)


def without_event_records(snapshot: dict) -> dict:
    return {name: items for name, items in snapshot.items() if not name.endswith("events")}


def test_unknown_topics_and_foreign_transfers_are_acknowledged_and_change_nothing(seeded):
    before = table_snapshot()
    assert deliver(envelope("customer_verification_document_needed", f"{seeded['ach'].url}/customers/x"))[0] == 200
    assert queue_messages(seeded["ach_event_queue"]) == []  # not even queued
    assert table_snapshot() == before
    method_id = verified_bank(seeded["ach"])
    fs_url = SavedPaymentMethod.get("client-a", method_id).processor_method_id
    merchant = api(seeded["ach"], "GET", "/").json()["_links"]["account"]["href"]
    merchant_fs = [
        f
        for f in api(seeded["ach"], "GET", f"{merchant}/funding-sources").json()["_embedded"]["funding-sources"]
        if f["type"] == "bank"
    ][0]["_links"]["self"]["href"]
    foreign = api(
        seeded["ach"],
        "POST",
        "/transfers",
        json={
            "_links": {"source": {"href": fs_url}, "destination": {"href": merchant_fs}},
            "amount": {"currency": "USD", "value": "1.00"},
        },
    ).headers["Location"]
    before = table_snapshot()
    assert deliver_and_apply(envelope("customer_transfer_created", foreign)) == (1, 0)  # done, not retried
    assert table_snapshot() == before


def test_deleting_a_bank_account_removes_it_at_the_processor(seeded):
    method_id = verified_bank(seeded["ach"])
    fs_url = SavedPaymentMethod.get("client-a", method_id).processor_method_id
    assert call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": method_id})[0] == 204
    assert api(seeded["ach"], "GET", fs_url).json()["removed"] is True
    assert call("ListPaymentMethodsFunction")[1]["payment_methods"] == []


def test_bounced_micro_deposits_fail_the_verification_clearly(seeded):
    _, method, _ = link("123456789003")  # the sandbox's micro-deposits to this account bounce (R03)
    simulate(seeded["ach"])
    status, body, _ = call(
        "VerifyBankAccountFunction",
        path_parameters={"payment_method_id": method["payment_method_id"]},
        body={"amounts": [3, 9]},
    )
    assert (status, body["error"]["code"]) == (409, "verification_failed")
    assert SavedPaymentMethod.get("client-a", method["payment_method_id"]).bank_status == "verification_failed"


def test_a_retry_after_the_processors_idempotency_window_never_debits_twice(seeded, monkeypatch):
    from datetime import timedelta

    from shared.domain import clock

    method_id = verified_bank(seeded["ach"])
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={"path_prefix": "/transfers", "method": "POST", "status": 503, "count": 5, "after_commit": True},
    )
    assert pay_ach("inv-part", method_id, amount=40000)[0] == 503  # the transfer exists; its answer was lost
    requests.delete(f"{seeded['ach'].url}/sandbox/faults", timeout=5)
    later = clock.now() + timedelta(hours=25)
    monkeypatch.setattr(clock, "now", lambda: later)
    status, payment, _ = pay_ach("inv-part", method_id, amount=40000)  # the client retries a day later
    assert status == 201 and payment["status"] == "processing"
    assert len(transfers_at_sandbox(seeded)) == 1  # no second debit: the key may be forgotten by now
    assert invoice_numbers() == ("partially_paid", 0, 40000, 60000)

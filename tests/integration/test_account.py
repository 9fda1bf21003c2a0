"""GET /account and PATCH /account."""

import pytest

from functions.send_receipt import app as receipt_app
from infra.apigw import LambdaContext
from tests.conftest import WEBHOOK_SECRET
from tests.helpers import call, intent_event, queue_messages, sent_emails, signed_webhook, sqs_event, table_snapshot


def account(client_id="client-a"):
    return call("AccountFunction", method="GET", client_id=client_id)


def patch(body, client_id="client-a"):
    return call("AccountFunction", method="PATCH", body=body, client_id=client_id)


def test_get_account_shows_the_defaults(seeded):
    status, body, _ = account()
    assert status == 200
    assert body == {"client_id": "client-a", "name": "Ann Archer", "billing_email": "ann@example.test",
                    "due_date_reminders": True, "reminder_days_before": [7, 1], "payment_receipts": True,
                    "credit_balance": 0, "autopay": None}


def test_patch_changes_only_what_was_sent_and_receipts_go_to_the_new_email(seeded):
    status, body, _ = patch({"billing_email": "accounts@ann.test", "reminder_days_before": [1, 14],
                             "due_date_reminders": False})
    assert status == 200
    assert body | {} == account()[1]
    assert (body["billing_email"], body["reminder_days_before"], body["due_date_reminders"], body["name"]) == \
        ("accounts@ann.test", [14, 1], False, "Ann Archer")
    assert account("client-b")[1]["billing_email"] == "bob@example.test"
    # the next payment's receipt goes to the new address
    _, payment, _ = call("CreatePaymentFunction", path_parameters={"invoice_id": "inv-full"}, body={"method": "card"},
                         headers={"Idempotency-Key": "after-patch"})
    event = intent_event("payment_intent.succeeded", intent_id=payment["client_secret"].split("_secret_")[0],
                         amount=payment["amount"], client_id="client-a", invoice_id="inv-full",
                         payment_id=payment["payment_id"], event_id="evt_after_patch")
    payload, headers = signed_webhook(event, WEBHOOK_SECRET)
    assert call("StripeWebhookFunction", body=payload, headers=headers, client_id=None)[0] == 200
    receipt_app.handler(sqs_event(queue_messages(seeded["receipt_queue"])), LambdaContext("SendReceiptFunction"))
    [email] = sent_emails(seeded["moto"])
    assert email["destinations"]["ToAddresses"] == ["accounts@ann.test"]


def test_payment_receipts_true_is_accepted(seeded):
    assert patch({"payment_receipts": True})[0] == 200


@pytest.mark.parametrize("body,code,words", [
    ({"nickname": "x", "theme": "dark"}, "unknown_field", "nickname, theme"),
    ({"billing_email": "not-an-email"}, "invalid_email", "valid email"),
    ({"billing_email": "a@b"}, "invalid_email", "valid email"),
    ({"billing_email": 5}, "invalid_email", "valid email"),
    ({"reminder_days_before": [0]}, "invalid_reminder_days", "1 to 30"),
    ({"reminder_days_before": [31]}, "invalid_reminder_days", "1 to 30"),
    ({"reminder_days_before": [1, 2, 3, 4]}, "invalid_reminder_days", "at most 3"),
    ({"reminder_days_before": [7, 7]}, "invalid_reminder_days", "different"),
    ({"reminder_days_before": [1.5]}, "invalid_reminder_days", "whole numbers"),
    ({"reminder_days_before": "7"}, "invalid_reminder_days", "at most 3"),
    ({"due_date_reminders": "no"}, "invalid_field", "true or false"),
    ({"payment_receipts": False}, "receipts_required", "can't be turned off"),
    ({"name": ""}, "invalid_field", "1-200"),
])
def test_bad_patches_are_422_and_change_nothing(seeded, body, code, words):
    before = table_snapshot()
    status, got, _ = patch(body)
    assert (status, got["error"]["code"]) == (422, code)
    assert words in got["error"]["message"]
    assert table_snapshot() == before


def test_malformed_json_and_missing_identity(seeded):
    before = table_snapshot()
    assert patch("{oops")[1]["error"]["code"] == "invalid_json"
    assert patch([1])[1]["error"]["code"] == "invalid_json"
    status, body, _ = call("AccountFunction", method="PATCH", body={"name": "X"}, claims={"sub": "x"})
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert table_snapshot() == before


def test_an_identity_without_an_account_is_404(seeded):
    status, body, _ = account("client-zzz")
    assert (status, body["error"]["code"]) == (404, "account_not_found")
    before = table_snapshot()
    status, body, _ = patch({"name": "Ghost"}, client_id="client-zzz")
    assert (status, body["error"]["code"]) == (404, "account_not_found")
    assert table_snapshot() == before

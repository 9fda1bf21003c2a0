"""GET /account, PATCH /account and POST /account/billing-email/confirm: a new billing email waits for the new
address to confirm it."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from functions.email_worker import app as receipt_app
from infra.apigw import LambdaContext
from shared.domain import clock
from shared.services import client_accounts
from tests.drivers.stripe import post
from tests.helpers import call, intent_event, queue_messages, sent_emails, sqs_event, table_snapshot
from tests.races import competing

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def at(monkeypatch):
    """Set the wall clock to T0 + `minutes`."""

    def move(minutes: float = 0):
        monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(minutes=minutes))

    move()
    return move


def account(client_id="client-a"):
    return call("AccountFunction", method="GET", client_id=client_id)


def patch(body, client_id="client-a"):
    return call("AccountFunction", method="PATCH", body=body, client_id=client_id)


def confirm(body, client_id="client-a"):
    return call("AccountFunction", method="POST", body=body, client_id=client_id)


def deliver(aws) -> list[dict]:
    """Run the notice worker on what is queued; the jobs it ran."""
    messages = queue_messages(aws["receipt_queue"])
    receipt_app.handler(sqs_event(messages), LambdaContext("EmailWorkerFunction"))
    return [json.loads(m["Body"]) for m in messages]


def emails_to(aws, address: str) -> list[dict]:
    return [e for e in sent_emails(aws["moto"]) if e["destinations"]["ToAddresses"] == [address]]


def token_in(email: dict) -> str:
    [token] = set(re.findall(r"/account#confirm_email=([A-Za-z0-9_-]+)", email["body"]))
    return token


def pay_and_receipt(aws, key: str) -> dict:
    """Pay inv-full by card (the webhook says it succeeded) and send the receipt: the email sent."""
    before = len(sent_emails(aws["moto"]))
    _, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": key},
    )
    event = intent_event(
        "payment_intent.succeeded",
        intent_id=payment["client_secret"].split("_secret_")[0],
        amount=payment["amount"],
        client_id="client-a",
        invoice_id="inv-full",
        payment_id=payment["payment_id"],
        event_id=f"evt_{key}",
    )
    assert post(event)[0] == 200
    deliver(aws)
    [receipt] = sent_emails(aws["moto"])[before:]
    return receipt


def test_get_account_shows_the_defaults(seeded):
    status, body, _ = account()
    assert status == 200
    assert body == {
        "client_id": "client-a",
        "name": "Ann Archer",
        "billing_email": "ann@example.test",
        "pending_billing_email": None,
        "due_date_reminders": True,
        "reminder_days_before": [7, 1],
        "payment_receipts": True,
        "credit_balance": 0,
        "bank_payments": "available",
        "autopay": None,
    }


def test_patch_changes_only_what_was_sent(seeded):
    status, body, _ = patch({"reminder_days_before": [1, 14], "due_date_reminders": False, "name": "Ann Archer LLC"})
    assert status == 200 and body == account()[1]
    assert (body["reminder_days_before"], body["due_date_reminders"], body["name"], body["billing_email"]) == (
        [14, 1],
        False,
        "Ann Archer LLC",
        "ann@example.test",
    )
    assert queue_messages(seeded["receipt_queue"]) == []  # no email change, no email


def test_a_new_billing_email_waits_for_its_link_and_receipts_keep_going_to_the_old_one(seeded, at):
    status, body, _ = patch({"billing_email": "accounts@ann.test", "due_date_reminders": False})
    assert status == 200
    assert (body["billing_email"], body["pending_billing_email"], body["due_date_reminders"]) == (
        "ann@example.test",
        "accounts@ann.test",
        False,
    )
    assert account()[1] == body
    assert account("client-b")[1]["billing_email"] == "bob@example.test"
    assert sorted(j["kind"] for j in deliver(seeded)) == [
        "billing_email_change_requested",
        "billing_email_confirmation",
    ]

    [link_email] = emails_to(seeded, "accounts@ann.test")
    assert link_email["subject"] == "Confirm your billing email for Acme Bookkeeping"
    assert "https://portal.acme.test/account#confirm_email=" in link_email["body"]
    assert "Ann Archer" not in link_email["body"]  # nothing the client typed goes to the address they chose
    [told] = emails_to(seeded, "ann@example.test")
    assert told["subject"] == "Your billing email is about to change"
    assert "accounts@ann.test" in told["body"] and "until then they keep coming here" in told["body"]

    # Until the new address confirms, receipts go where they went.
    assert pay_and_receipt(seeded, "before-confirm")["destinations"]["ToAddresses"] == ["ann@example.test"]

    at(60 * 23)  # within the 24 hours
    status, body, _ = confirm({"token": token_in(link_email)})
    assert status == 200
    assert (body["billing_email"], body["pending_billing_email"]) == ("accounts@ann.test", None)
    assert [j["kind"] for j in deliver(seeded)] == ["billing_email_changed"]
    changed = emails_to(seeded, "ann@example.test")[-1]
    assert changed["subject"] == "Your billing email was changed" and "accounts@ann.test" in changed["body"]


def test_the_link_works_once(seeded, at):
    patch({"billing_email": "accounts@ann.test"})
    deliver(seeded)
    token = token_in(emails_to(seeded, "accounts@ann.test")[0])
    assert confirm({"token": token})[0] == 200
    deliver(seeded)
    before = table_snapshot()
    status, body, _ = confirm({"token": token})
    assert (status, body["error"]["code"]) == (422, "confirmation_invalid")
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []


def test_two_confirmations_at_once_change_the_email_once(seeded, at, monkeypatch):
    """The second confirmation runs whole between the first's read and its conditional write: one 200, one 422,
    one notice to the old address."""
    patch({"billing_email": "accounts@ann.test"})
    deliver(seeded)
    token = token_in(emails_to(seeded, "accounts@ann.test")[0])
    other = competing(monkeypatch, client_accounts, "get_account", lambda: confirm({"token": token}))
    status, body, _ = confirm({"token": token})
    assert other.ran
    assert sorted([status, other.result[0]]) == [200, 422]
    loser = body if status == 422 else other.result[1]
    assert loser["error"]["code"] == "confirmation_invalid"
    assert account()[1]["billing_email"] == "accounts@ann.test"
    assert [j["kind"] for j in deliver(seeded)] == ["billing_email_changed"]


def test_an_expired_link_changes_nothing(seeded, at):
    patch({"billing_email": "accounts@ann.test"})
    deliver(seeded)
    token = token_in(emails_to(seeded, "accounts@ann.test")[0])
    at(60 * 24 + 1)
    assert account()[1]["pending_billing_email"] is None  # no longer waiting
    before = table_snapshot()
    status, body, _ = confirm({"token": token})
    assert (status, body["error"]["code"]) == (422, "confirmation_expired")
    assert table_snapshot() == before and account()[1]["billing_email"] == "ann@example.test"


def test_another_clients_session_cannot_use_the_link(seeded, at):
    patch({"billing_email": "accounts@ann.test"})
    deliver(seeded)
    token = token_in(emails_to(seeded, "accounts@ann.test")[0])
    before = table_snapshot()
    status, body, _ = confirm({"token": token}, client_id="client-b")
    assert (status, body["error"]["code"]) == (422, "confirmation_invalid")
    assert table_snapshot() == before


def test_a_newer_change_replaces_the_first_and_only_once_a_minute(seeded, at):
    patch({"billing_email": "first@ann.test"})
    deliver(seeded)
    first = token_in(emails_to(seeded, "first@ann.test")[0])
    at(0.5)
    before = table_snapshot()
    status, body, headers = patch({"billing_email": "second@ann.test", "name": "Renamed"})
    assert (status, body["error"]["code"], body["error"]["retry_after_seconds"], headers["Retry-After"]) == (
        429,
        "billing_email_change_too_soon",
        30,
        "30",
    )
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []  # the name did not change
    # The same address again, or the current one: nothing to ask, nothing sent, no 429.
    assert patch({"billing_email": "first@ann.test"})[1]["pending_billing_email"] == "first@ann.test"
    assert patch({"billing_email": "ann@example.test"})[1]["pending_billing_email"] == "first@ann.test"
    assert queue_messages(seeded["receipt_queue"]) == []

    at(1)
    assert patch({"billing_email": "second@ann.test"})[1]["pending_billing_email"] == "second@ann.test"
    deliver(seeded)
    status, body, _ = confirm({"token": first})  # the first link no longer works
    assert (status, body["error"]["code"]) == (422, "confirmation_invalid")
    assert (
        confirm({"token": token_in(emails_to(seeded, "second@ann.test")[0])})[1]["billing_email"] == "second@ann.test"
    )


def test_a_job_for_a_replaced_change_sends_nothing(seeded, at):
    patch({"billing_email": "first@ann.test"})
    stale = queue_messages(seeded["receipt_queue"])  # not delivered yet
    at(1)
    patch({"billing_email": "second@ann.test"})
    receipt_app.handler(sqs_event(stale), LambdaContext("EmailWorkerFunction"))
    assert emails_to(seeded, "first@ann.test") == [] and emails_to(seeded, "ann@example.test") == []


def test_payment_receipts_true_is_accepted(seeded):
    assert patch({"payment_receipts": True})[0] == 200


@pytest.mark.parametrize(
    "body,code,words",
    [
        ({"nickname": "x", "theme": "dark"}, "unknown_field", "nickname, theme"),
        ({"billing_email": "not-an-email"}, "invalid_email", "just an email address"),
        ({"billing_email": "a@b"}, "invalid_email", "just an email address"),
        ({"billing_email": 5}, "invalid_email", "just an email address"),
        ({"billing_email": '"ana"<attacker@evil.test>'}, "invalid_email", "no name or brackets"),
        ({"billing_email": "Ana <ana@acme.test>"}, "invalid_email", "no name or brackets"),
        ({"billing_email": "<ana@acme.test>"}, "invalid_email", "no name or brackets"),
        ({"billing_email": "ana@acme.test, ben@birch.test"}, "invalid_email", "just an email address"),
        ({"billing_email": "ana@acme.test\r\nBcc: x@evil.test"}, "invalid_email", "just an email address"),
        ({"billing_email": "anä@acme.test"}, "invalid_email", "just an email address"),  # SES: 7-bit ASCII only
        ({"reminder_days_before": [0]}, "invalid_reminder_days", "1 to 30"),
        ({"reminder_days_before": [31]}, "invalid_reminder_days", "1 to 30"),
        ({"reminder_days_before": [1, 2, 3, 4]}, "invalid_reminder_days", "at most 3"),
        ({"reminder_days_before": [7, 7]}, "invalid_reminder_days", "different"),
        ({"reminder_days_before": [1.5]}, "invalid_reminder_days", "whole numbers"),
        ({"reminder_days_before": "7"}, "invalid_reminder_days", "at most 3"),
        ({"due_date_reminders": "no"}, "invalid_field", "true or false"),
        ({"payment_receipts": False}, "receipts_required", "can't be turned off"),
        ({"name": ""}, "invalid_field", "must not be empty"),
        ({"name": "Ann\r\nArcher"}, "invalid_field", "line breaks"),
        ({"name": "Ann\nBcc: x@evil.test"}, "invalid_field", "line breaks"),
        ({"name": "Ann\x00"}, "invalid_field", "control characters"),
        ({"name": "Ann\tArcher"}, "invalid_field", "control characters"),
        ({"name": "Ann \u202eremmargorp"}, "invalid_field", "direction"),
        ({"name": "Ann \u2066Archer\u2069"}, "invalid_field", "direction"),
        ({"name": "\u00e9" * 101}, "invalid_field", "at most 200 bytes"),  # 101 characters, 202 bytes
        ({"name": "x" * 201}, "invalid_field", "at most 200 bytes"),
        # A refused field refuses the whole request: the valid change beside it is not made either.
        ({"name": "Ann\r\n", "billing_email": "accounts@ann.test"}, "invalid_field", "line breaks"),
    ],
)
def test_bad_patches_are_422_and_change_nothing(seeded, body, code, words):
    before = table_snapshot()
    status, got, _ = patch(body)
    assert (status, got["error"]["code"]) == (422, code)
    assert words in got["error"]["message"]
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []


def test_a_name_at_its_limit_in_bytes_is_kept(seeded):
    assert patch({"name": "\u00e9" * 100})[1]["name"] == "\u00e9" * 100  # 200 bytes
    assert patch({"name": "\u4e2d" * 66})[1]["name"] == "\u4e2d" * 66  # 198 bytes


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({}, 422, "confirmation_invalid"),
        ({"token": ""}, 422, "confirmation_invalid"),
        ({"token": "not a token!"}, 422, "confirmation_invalid"),
        ({"token": "x" * 129}, 422, "confirmation_invalid"),
        ({"token": 12345}, 422, "confirmation_invalid"),
        ({"token": "A" * 43}, 422, "confirmation_invalid"),  # well formed, but no change is waiting for it
        ({"token": "A" * 43, "email": "x@evil.test"}, 422, "unknown_field"),
        ("{oops", 400, "invalid_json"),
    ],
)
def test_bad_confirmations_change_nothing(seeded, at, body, status, code):
    patch({"billing_email": "accounts@ann.test"})
    queue_messages(seeded["receipt_queue"])
    before = table_snapshot()
    got_status, got, _ = confirm(body)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert table_snapshot() == before and queue_messages(seeded["receipt_queue"]) == []


def test_malformed_json_and_missing_identity(seeded):
    before = table_snapshot()
    assert patch("{oops")[1]["error"]["code"] == "invalid_json"
    assert patch([1])[1]["error"]["code"] == "invalid_json"
    status, body, _ = call("AccountFunction", method="PATCH", body={"name": "X"}, claims={"sub": "x"})
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    status, body, _ = call("AccountFunction", method="POST", body={"token": "A" * 43}, claims={"sub": "x"})
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert table_snapshot() == before


def test_an_identity_without_an_account_is_404(seeded):
    status, body, _ = account("client-zzz")
    assert (status, body["error"]["code"]) == (404, "account_not_found")
    before = table_snapshot()
    for body in ({"name": "Ghost"}, {"billing_email": "ghost@example.test"}):
        status, got, _ = patch(body, client_id="client-zzz")
        assert (status, got["error"]["code"]) == (404, "account_not_found")
    status, got, _ = confirm({"token": "A" * 43}, client_id="client-zzz")
    assert (status, got["error"]["code"]) == (404, "account_not_found")
    assert table_snapshot() == before

"""Email jobs: one typed record per kind (shared/emails/jobs.py) and one registry from kind to record and sender (the email
worker's SENDERS). Every message the services queue today reads as its record and goes back on the queue the same,
so messages in flight across a deploy are still sent."""

import json
import logging

import pytest

from functions.email_worker import app as worker
from shared.emails import jobs

# One message of each kind, as the services build them (shared/services/*, shared/emails/jobs.py's helpers).
QUEUED = [
    {"client_id": "c1", "payment_id": "p1", "kind": "receipt"},
    {"client_id": "c1", "payment_id": "p1", "kind": "ach_initiated"},
    {"client_id": "c1", "payment_id": "p1", "kind": "payment_failed"},
    {"client_id": "c1", "payment_id": "p1", "kind": "overpayment"},
    {"kind": "autopay_failed", "client_id": "c1", "payment_id": "p1"},
    {"kind": "receipt_resend", "client_id": "c1", "payment_id": "p1", "resend_at": 1767225600},
    {"kind": "reminder", "client_id": "c1", "invoice_id": "i1", "on": "2026-01-05"},
    {"kind": "overdue", "client_id": "c1", "invoice_id": "i1", "due_date": "2026-01-01"},
    {"kind": "extension_requested", "client_id": "c1", "invoice_id": "i1", "extension_request_id": "x1"},
    {"kind": "extension_decided", "client_id": "c1", "invoice_id": "i1", "extension_request_id": "x1"},
    {"kind": "problem_report", "client_id": "c1", "payment_id": "p1", "problem_report_id": "r1"},
    {"kind": "refund_receipt", "client_id": "c1", "refund_id": "f1", "invoice_id": "i1"},
    {"kind": "outside_refund", "client_id": "c1", "refund_id": "f1"},
    {
        "kind": "dispute",
        "client_id": "c1",
        "payment_id": "p1",
        "invoice_id": "i1",
        "dispute_id": "d1",
        "phase": "opened",
        "amount": 5000,
    },
    {
        "kind": "early_fraud_warning",
        "client_id": "c1",
        "payment_id": "p1",
        "warning_id": "w1",
        "fraud_type": "made_with_stolen_card",
        "actionable": True,
        "refund_id": "f1",
    },
    {"client_id": "c1", "kind": "micro_deposits_arrived", "event_key": "e1", "payment_method_id": "m1"},
    {"client_id": "c1", "kind": "bank_unverified", "event_key": "e1", "payment_method_id": "m1"},
    {"client_id": "c1", "kind": "ach_status", "event_key": "e1", "status": "suspended", "was": "active"},
    {"kind": "billing_email_confirmation", "client_id": "c1", "token": "t1"},
    {"kind": "billing_email_change_requested", "client_id": "c1", "change": "h1"},
    {"kind": "billing_email_changed", "client_id": "c1", "previous": "old@example.com", "change": "h1"},
    {"kind": "autopay_authorized", "client_id": "c1", "authorized_at": "2026-01-01T00:00:00Z"},
    {
        "kind": "autopay_off",
        "client_id": "c1",
        "authorized_at": "2026-01-01T00:00:00Z",
        "reason": "card_expired",
        "method": "Visa ending in 4242",
    },
    {"kind": "autopay_notice", "client_id": "c1", "invoice_id": "i1", "due_date": "2026-01-10"},
    {"kind": "autopay_too_late", "client_id": "c1", "invoice_id": "i1", "due_date": "2026-01-10"},
]


def _records(cls: type) -> list[type]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _records(sub))]


def _sqs(message: dict):
    return worker.SQSRecord({"messageId": "m1", "body": json.dumps(message)})


def test_every_kind_has_one_record_and_one_sender():
    kinds = [kind for cls in _records(jobs.Job)[1:] for kind in cls.KINDS]
    assert len(kinds) == len(set(kinds))  # a kind belongs to one record type
    assert set(worker.SENDERS) == set(kinds) == {m["kind"] for m in QUEUED}
    assert all(kind in record_type.KINDS for kind, (record_type, _) in worker.SENDERS.items())


@pytest.mark.parametrize("message", QUEUED, ids=[m["kind"] for m in QUEUED])
def test_a_queued_message_reads_as_its_record_and_queues_the_same(message):
    record_type, _ = worker.SENDERS[message["kind"]]
    job = record_type.from_message(message)
    assert job.message() == message
    assert json.loads(json.dumps(job.message())) == message


def test_the_helpers_queue_the_messages_they_always_did():
    assert jobs.payment_job("c1", "p1", "receipt") == {"client_id": "c1", "payment_id": "p1", "kind": "receipt"}
    assert jobs.account_job("c1", "ach_status", "e1", status="suspended", was="active") == {
        "client_id": "c1",
        "kind": "ach_status",
        "event_key": "e1",
        "status": "suspended",
        "was": "active",
    }
    assert "status" not in jobs.account_job("c1", "bank_unverified", "e1", payment_method_id="m1")


def test_a_record_refuses_a_kind_not_its_own_and_a_missing_field():
    with pytest.raises(ValueError, match="reminder"):
        jobs.PaymentEmail(kind="reminder", client_id="c1", payment_id="p1")
    with pytest.raises(TypeError, match="payment_id"):
        jobs.PaymentEmail.from_message({"kind": "receipt", "client_id": "c1"})


def test_the_worker_hands_each_job_to_its_kinds_sender(monkeypatch):
    seen = []
    fake = lambda job, shop, merchant_email: seen.append(job) or "sent"  # noqa: E731
    monkeypatch.setitem(worker.SENDERS, "reminder", (jobs.Reminder, fake))
    monkeypatch.setitem(worker.SENDERS, "receipt", (jobs.PaymentEmail, fake))
    worker.send_job_email(
        _sqs({"kind": "reminder", "client_id": "c1", "invoice_id": "i1", "on": "2026-01-05", "added_later": 1})
    )
    worker.send_job_email(_sqs({"client_id": "c1", "payment_id": "p1"}))  # no kind: a receipt, as always
    assert seen == [
        jobs.Reminder(kind="reminder", client_id="c1", invoice_id="i1", on="2026-01-05"),
        jobs.PaymentEmail(kind="receipt", client_id="c1", payment_id="p1"),
    ]


def test_an_unknown_kind_is_logged_and_dropped_and_a_broken_job_is_retried(monkeypatch, caplog):
    monkeypatch.setattr(worker, "SENDERS", {})
    with caplog.at_level(logging.ERROR):
        worker.send_job_email(_sqs({"kind": "fax", "client_id": "c1"}))  # acknowledged: nothing to retry
    assert "unknown email job kind" in caplog.text
    monkeypatch.undo()
    with pytest.raises(TypeError):  # a failed record: SQS delivers it again, then the DLQ keeps it
        worker.send_job_email(_sqs({"kind": "overdue", "client_id": "c1", "invoice_id": "i1"}))

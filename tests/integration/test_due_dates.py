"""Reminders, overdue notices, late fees and extension requests, on fixed dates with a frozen clock."""

import json
from datetime import date

import pytest

from functions.due_date_job.app import handler as due_date_job
from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from infra.seed import put_client, put_invoice
from shared.aws.models import Client, Invoice
from shared.aws.store import money_of
from shared.domain.due_dates import FeePolicy
from shared.services import due_date_job as job
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot
from tests.races import competing

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}


@pytest.fixture
def book(aws):
    put_client("c1", name="Cora", billing_email="cora@example.test")
    put_client("c2", name="Dan", billing_email="dan@example.test")
    return aws


def run_job():
    return due_date_job({}, LambdaContext(function_name="DueDateJobFunction"))


def deliver_jobs(aws):
    messages = queue_messages(aws["receipt_queue"])
    notice_app.handler(sqs_event(messages), LambdaContext())
    return [json.loads(m["Body"]) for m in messages]


def subjects(aws):
    return sorted(e["subject"] for e in sent_emails(aws["moto"]))


def test_reminders_go_out_on_the_clients_days_once(book, frozen):
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10")
    frozen("2026-12-03")  # 7 days before
    assert run_job()["reminders"] == 1
    assert run_job()["reminders"] == 1  # the job ran twice today
    deliver_jobs(book)
    assert subjects(book) == ["Reminder: invoice INV-1 is due in 7 days"]
    [email] = sent_emails(book["moto"])
    for needle in ("INV-1", "$500.00", "December 10, 2026", "https://portal.acme.test/invoices/i1", "help@acme.test"):
        assert needle in email["body"]
    frozen("2026-12-04")
    assert run_job()["reminders"] == 0
    frozen("2026-12-09")
    run_job()
    deliver_jobs(book)
    assert "Reminder: invoice INV-1 is due tomorrow" in subjects(book)


def test_no_reminders_when_off_paid_void_or_covered_by_a_processing_payment(book, frozen):
    Client("c2").update(actions=[Client.due_date_reminders.set(False)])
    put_invoice("c2", "off", number="INV-OFF", total=1000, due_date="2026-12-10")
    put_invoice("c1", "paid", number="INV-PAID", total=1000, amount_paid=1000, due_date="2026-12-10")
    put_invoice("c1", "void", number="INV-VOID", total=1000, void=True, due_date="2026-12-10")
    covered = put_invoice("c1", "covered", number="INV-ACH", total=1000, due_date="2026-12-10")
    covered.update(actions=[Invoice.amount_pending.set(1000), Invoice.status.set("processing")])
    frozen("2026-12-03")
    report = run_job()
    assert report["reminders"] == 0
    assert report["items_read"] == 2  # paid and void invoices are not even in the index


def test_overdue_notice_and_flat_fee_once(book, frozen):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2026-12-10")
    assert run_job()["fees_applied"] == []  # due today: not overdue yet
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert body["overdue"] is False
    frozen("2026-12-11")
    assert run_job()["fees_applied"] == [("i1", 2500)]  # the first run charges it
    assert run_job()["fees_applied"] == []  # a second run the same day does not
    frozen("2026-12-12")
    assert run_job()["fees_applied"] == []  # nor the next day
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert (body["overdue"], body["fees"], body["balance"]) == (True, 2500, 52500)
    assert body["line_items"][-1] == {
        "description": "Late fee ($25.00)",
        "quantity": 1,
        "unit_amount": 2500,
        "amount": 2500,
    }
    deliver_jobs(book)
    assert subjects(book).count("Invoice INV-1 is overdue") == 1


def test_grace_period_and_merchant_default_policy(book, frozen, monkeypatch):
    monkeypatch.setenv("DEFAULT_LATE_FEE_POLICY", '{"kind": "flat", "amount": 1000, "grace_days": 3}')
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10")
    for day in ("2026-12-11", "2026-12-12", "2026-12-13"):
        frozen(day)
        assert run_job()["fees_applied"] == []
    frozen("2026-12-14")
    assert run_job()["fees_applied"] == [("i1", 1000)]


def test_percentage_fee_is_on_the_unpaid_part_only(book, frozen):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=100000,
        amount_paid=40000,
        due_date="2026-12-10",
        allow_partial=True,
        late_fee={"kind": "percent", "basis_points": 1000, "grace_days": 0},
    )
    frozen("2026-12-11")
    assert run_job()["fees_applied"] == [("i1", 6000)]  # 10% of the unpaid 60,000
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert (body["fees"], body["status"], body["line_items"][-1]["description"]) == (
        6000,
        "partially_paid",
        "Late fee (10.00% of the unpaid balance, at most $100.00)",
    )
    assert Invoice.get("c1", "i1").line_items[-1].description == "Professional services"  # the item never grows


def test_no_fee_on_paid_void_or_ach_covered_invoices(book, frozen):
    policy = {"kind": "flat", "amount": 500, "grace_days": 0}
    put_invoice("c1", "paid", number="P", total=1000, amount_paid=1000, due_date="2026-12-10", late_fee=policy)
    put_invoice("c1", "void", number="V", total=1000, void=True, due_date="2026-12-10", late_fee=policy)
    covered = put_invoice("c1", "ach", number="A", total=1000, due_date="2026-12-10", late_fee=policy)
    covered.update(actions=[Invoice.amount_pending.set(1000), Invoice.status.set("processing")])
    frozen("2026-12-11")
    before = table_snapshot()
    assert run_job()["fees_applied"] == []
    assert table_snapshot() == before


def test_concurrent_runs_charge_the_fee_once(book, frozen, monkeypatch):
    """Two runs at once (a scheduler retry): the other run charges the fee between this run's read of the
    invoice and its write."""
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2026-12-11")
    other = competing(monkeypatch, job, "apply_late_fee", run_job, before=True)
    report = run_job()
    assert (other.result["fees_applied"], report["fees_applied"]) == ([("i1", 2500)], [])
    invoice = Invoice.get("c1", "i1")
    assert (invoice.fees, money_of(invoice).balance) == (2500, 52500)
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert [(a["kind"], a["amount"]) for a in body["activity"]] == [("invoiced", 50000), ("late_fee", 2500)]


def test_a_crash_half_way_then_a_rerun_sends_each_email_once(book, frozen):
    for n in range(4):
        put_invoice("c1", f"i{n}", number=f"INV-{n}", total=1000, due_date="2026-12-10")
    frozen("2026-12-09")
    sent = []

    def enqueue_then_crash(payload):
        if len(sent) == 2:
            raise RuntimeError("the job died here")
        sent.append(payload)
        from shared.aws.notify import enqueue_job

        enqueue_job(payload)

    with pytest.raises(RuntimeError):
        job.run(date(2026, 12, 9), enqueue_then_crash, FeePolicy("none"))
    run_job()  # the scheduler's retry
    deliver_jobs(book)
    assert subjects(book) == [f"Reminder: invoice INV-{n} is due tomorrow" for n in range(4)]


def test_due_dates_are_the_merchants_calendar_days(book, frozen):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2026-12-11", hour_utc=3)  # still Dec 10, 22:00 in New York
    assert run_job()["fees_applied"] == []
    frozen("2026-12-11", hour_utc=6)  # Dec 11, 01:00 in New York
    assert run_job()["fees_applied"] == [("i1", 2500)]


# ---- extension requests --------------------------------------------------------------------------------------


def ask(invoice_id, body, client_id="c1"):
    return call("RequestExtensionFunction", path_parameters={"invoice_id": invoice_id}, body=body, client_id=client_id)


def _decide(ext_id, verdict, claims):
    """The admin function serves two routes; pick the one for the verdict."""
    status, body, _ = call(
        "AdminExtensionDecisionFunction",
        path_parameters={"extension_request_id": ext_id},
        claims=claims,
        path_suffix=verdict,
    )
    return status, body


def test_extension_request_approved_moves_the_due_date_and_stops_fees(book, frozen):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2026-12-05")
    status, ext, _ = ask("i1", {"requested_due_date": "2027-01-10", "reason": "Waiting on a client payment."})
    assert status == 201 and ext["status"] == "pending"
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert invoice["extension_request"] == {
        "extension_request_id": ext["extension_request_id"],
        "requested_due_date": "2027-01-10",
        "reason": "Waiting on a client payment.",
        "status": "pending",
        "note": None,
    }
    status, body, _ = ask("i1", {"requested_due_date": "2027-01-11", "reason": "again"})
    assert (status, body["error"]["code"]) == (409, "extension_request_pending")

    status, decided = _decide(ext["extension_request_id"], "approve", ADMIN)
    assert status == 200 and (decided["status"], decided["due_date"]) == ("approved", "2027-01-10")
    status, body = _decide(ext["extension_request_id"], "decline", ADMIN)
    assert (status, body["error"]["code"]) == (409, "extension_request_decided")

    frozen("2026-12-11")
    assert run_job()["fees_applied"] == []  # the old due date passed, but it is no longer the due date
    deliver_jobs(book)
    emails = {e["subject"]: e for e in sent_emails(book["moto"])}
    to_merchant = emails["Extension requested for invoice INV-1"]
    assert to_merchant["destinations"]["ToAddresses"] == ["office@acme.test"]
    assert "Waiting on a client payment." in to_merchant["body"] and "January 10, 2027" in to_merchant["body"]
    assert emails["Extension approved: invoice INV-1 is now due January 10, 2027"]["destinations"]["ToAddresses"] == [
        "cora@example.test"
    ]


def test_declined_extension_keeps_the_due_date(book, frozen):
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10")
    frozen("2026-12-05")
    _, ext, _ = ask("i1", {"requested_due_date": "2026-12-20", "reason": "Cash flow."})
    status, decided = _decide(ext["extension_request_id"], "decline", ADMIN)
    assert (status, decided["status"], decided["due_date"]) == (200, "declined", "2026-12-10")
    status, again, _ = ask("i1", {"requested_due_date": "2026-12-21", "reason": "Please reconsider."})
    assert status == 201  # a decided request no longer blocks a new one


@pytest.mark.parametrize(
    "invoice_id,body,status,code",
    [
        ("i1", {"requested_due_date": "2026-12-09", "reason": "x"}, 422, "date_not_after_due_date"),
        ("i1", {"requested_due_date": "2026-12-10", "reason": "x"}, 422, "date_not_after_due_date"),
        ("i1", {"requested_due_date": "2027-03-11", "reason": "x"}, 422, "date_too_far"),
        ("i1", {"requested_due_date": "12/20/2026", "reason": "x"}, 422, "invalid_date"),
        ("i1", {"requested_due_date": 20261220, "reason": "x"}, 422, "invalid_date"),
        ("i1", {"requested_due_date": "2026-12-20"}, 422, "invalid_reason"),
        ("i1", {"requested_due_date": "2026-12-20", "reason": "x" * 1001}, 422, "invalid_reason"),
        ("i1", {"requested_due_date": "2026-12-20", "reason": "x", "urgent": True}, 422, "unknown_field"),
        ("i1", "nope", 400, "invalid_json"),
        ("paid", {"requested_due_date": "2026-12-20", "reason": "x"}, 409, "invoice_paid"),
        ("void", {"requested_due_date": "2026-12-20", "reason": "x"}, 409, "invoice_void"),
        ("theirs", {"requested_due_date": "2026-12-20", "reason": "x"}, 404, "invoice_not_found"),
    ],
)
def test_bad_extension_requests_change_nothing(book, frozen, invoice_id, body, status, code):
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10")
    put_invoice("c1", "paid", number="P", total=1000, amount_paid=1000, due_date="2026-12-10")
    put_invoice("c1", "void", number="V", total=1000, void=True, due_date="2026-12-10")
    put_invoice("c2", "theirs", number="T", total=1000, due_date="2026-12-10")
    frozen("2026-12-05")
    before = table_snapshot()
    got_status, got, _ = ask(invoice_id, body)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert table_snapshot() == before
    assert queue_messages(book["receipt_queue"]) == []


def test_only_admins_decide_and_unknown_ids_are_404(book, frozen):
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10")
    frozen("2026-12-05")
    _, ext, _ = ask("i1", {"requested_due_date": "2026-12-20", "reason": "x"})
    before = table_snapshot()
    client_claims = {"sub": "u", "custom:client_id": "c1"}
    status, body = _decide(ext["extension_request_id"], "approve", client_claims)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = _decide("ext_unknown", "approve", ADMIN)
    assert (status, body["error"]["code"]) == (404, "extension_request_not_found")
    assert table_snapshot() == before


# ---------- the cap on every fee (MaxLateFeeCents) ----------


def test_no_fee_the_job_charges_is_above_the_cap(book, frozen, monkeypatch):
    """Policies stored before POST /admin/invoices refused them (the issue's 10,000,000,000.00 typo on a 70.00
    invoice), and the merchant's default: the job charges at most MaxLateFeeCents (100.00 unless set)."""
    put_invoice(
        "c1",
        "typo",
        number="INV-1",
        total=7000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 1_000_000_000_000, "grace_days": 0},
    )
    put_invoice(
        "c1",
        "whole",
        number="INV-2",
        total=7000,
        due_date="2026-12-10",
        late_fee={"kind": "percent", "basis_points": 10000, "grace_days": 0},
    )
    put_invoice("c2", "default", number="INV-3", total=900000, due_date="2026-12-10")
    monkeypatch.setenv("DEFAULT_LATE_FEE_POLICY", '{"kind": "percent", "basis_points": 2500}')
    frozen("2026-12-11")
    _, shown, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "typo"}, client_id="c1")
    assert shown["late_fee_policy"]["fee_on_balance"] == 10000  # what the portal announces is what is charged
    assert sorted(run_job()["fees_applied"]) == [("default", 10000), ("typo", 10000), ("whole", 7000)]
    typo = Invoice.get("c1", "typo")
    assert (typo.fees, money_of(typo).balance) == (10000, 17000)
    _, shown, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "typo"}, client_id="c1")
    assert shown["line_items"][-1]["description"] == "Late fee ($100.00)"

    monkeypatch.setenv("MAX_LATE_FEE_CENTS", "2500")  # the merchant lowers the cap
    put_invoice(
        "c1",
        "later",
        number="INV-4",
        total=50000,
        due_date="2026-12-11",
        late_fee={"kind": "flat", "amount": 5000, "grace_days": 0},
    )
    frozen("2026-12-12")
    assert run_job()["fees_applied"] == [("later", 2500)]


def test_a_cap_that_is_not_whole_cents_stops_the_job_before_any_fee(book, frozen, monkeypatch):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    monkeypatch.setenv("MAX_LATE_FEE_CENTS", "25.00")
    frozen("2026-12-11")
    before = table_snapshot()
    with pytest.raises(ValueError, match="MAX_LATE_FEE_CENTS"):
        run_job()
    assert table_snapshot() == before


# ---------- an extension answered after its date ----------


def test_an_extension_approved_after_its_date_is_refused_and_no_second_fee_follows(book, frozen):
    """The issue's case: the fee for the first due date is charged, the client asks for a later date, the merchant
    answers after that date has passed. Approving is refused (409, nothing changed); declining still works; the
    next run charges nothing more."""
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2026-12-11")
    assert run_job()["fees_applied"] == [("i1", 2500)]
    _, ext, _ = ask("i1", {"requested_due_date": "2026-12-15", "reason": "Paid on the 15th."})
    frozen("2026-12-16")  # the requested date has passed before the merchant answers
    before = table_snapshot()
    status, body = _decide(ext["extension_request_id"], "approve", ADMIN)
    assert (status, body["error"]["code"]) == (409, "extension_request_expired")
    assert "2026-12-15" in body["error"]["message"] and "Decline it" in body["error"]["message"]
    assert table_snapshot() == before
    assert run_job()["fees_applied"] == []
    invoice = Invoice.get("c1", "i1")
    assert (invoice.fees, invoice.due_date) == (2500, "2026-12-10")
    status, decided = _decide(ext["extension_request_id"], "decline", ADMIN)
    assert (status, decided["status"], decided["due_date"]) == (200, "declined", "2026-12-10")
    assert run_job()["fees_applied"] == [] and Invoice.get("c1", "i1").fees == 2500


def test_an_extension_approved_on_its_own_date_still_moves_the_due_date(book, frozen):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2026-12-05")
    _, ext, _ = ask("i1", {"requested_due_date": "2026-12-15", "reason": "Paid on the 15th."})
    frozen("2026-12-15")
    status, decided = _decide(ext["extension_request_id"], "approve", ADMIN)
    assert (status, decided["due_date"]) == (200, "2026-12-15")
    assert run_job()["fees_applied"] == []  # due today: not late yet


@pytest.mark.parametrize("reason", ["Paid\r\non the 15th", "Paid\x00", "Paid \u202eht51", "\u00e9" * 501])
def test_extension_reasons_refuse_control_characters_and_too_many_bytes(book, frozen, reason):
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10")
    frozen("2026-12-05")
    before = table_snapshot()
    status, body, _ = ask("i1", {"requested_due_date": "2026-12-20", "reason": reason})
    assert (status, body["error"]["code"]) == (422, "invalid_reason")
    assert table_snapshot() == before and queue_messages(book["receipt_queue"]) == []

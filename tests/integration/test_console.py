"""The merchant's console reads (GET /admin/clients, a client's invoice, GET /admin/attention) and answering an
extension request with a note the client receives, through the handlers on the emulators."""

import pytest

from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from infra.seed import put_client, put_invoice
from shared.aws.models import Client, Payment
from shared.domain.payment_states import SUCCEEDED, Outcome, PaymentUpdate
from shared.services.payment_updates import apply_update
from shared.services.refunds import OutsideRefund, record_outside_refund
from tests.drivers.ach import pay_ach, verified_bank
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
CLIENT = {"sub": "u", "custom:client_id": "c1"}


@pytest.fixture
def book(aws, frozen):
    put_client("c1", name="Cora Diaz", billing_email="cora@example.test")
    put_client("c2", name="Ann Archer", billing_email="ann@example.test")
    put_client("c3", name="bob baker", billing_email="bob@example.test")
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2027-02-10", issued_date="2027-01-01")
    frozen("2027-02-01")
    return aws


def console(suffix, claims=ADMIN, query=None, path_parameters=None):
    return call(
        "AdminConsoleFunction",
        method="GET",
        path_suffix=suffix,
        claims=claims,
        query=query,
        path_parameters=path_parameters,
    )


def test_the_console_lists_clients_by_name_a_page_at_a_time(book):
    status, body, _ = console("/admin/clients")
    assert status == 200 and body["next_cursor"] is None
    assert [c["name"] for c in body["clients"]] == ["Ann Archer", "bob baker", "Cora Diaz"]
    assert body["clients"][0] == {
        "client_id": "c2",
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
    seen, cursor = [], None
    while True:
        _, page, _ = console("/admin/clients", query={"limit": "1", **({"cursor": cursor} if cursor else {})})
        seen += [c["client_id"] for c in page["clients"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["c1", "c2", "c3"]


@pytest.mark.parametrize(
    "suffix,claims,query,path,status,code",
    [
        ("/admin/clients", CLIENT, None, None, 403, "forbidden"),
        ("/admin/clients", ADMIN, {"limit": "0"}, None, 400, "invalid_limit"),
        ("/admin/clients", ADMIN, {"cursor": "not-a-cursor"}, None, 400, "invalid_cursor"),
        ("/admin/clients", ADMIN, {"page": "2"}, None, 400, "unknown_parameter"),
        ("/admin/attention", ADMIN, {"all": "true"}, None, 400, "unknown_parameter"),
        ("/admin/attention", CLIENT, None, None, 403, "forbidden"),
        ("/invoices/{invoice_id}", CLIENT, None, {"client_id": "c1", "invoice_id": "i1"}, 403, "forbidden"),
        ("/invoices/{invoice_id}", ADMIN, None, {"client_id": "c2", "invoice_id": "i1"}, 404, "invoice_not_found"),
    ],
)
def test_what_the_console_may_not_read_is_refused(book, suffix, claims, query, path, status, code):
    got, body, _ = console(suffix, claims=claims, query=query, path_parameters=path)
    assert (got, body["error"]["code"]) == (status, code)


def test_the_console_reads_any_clients_invoice_as_the_client_does(book):
    status, body, _ = console("/invoices/{invoice_id}", path_parameters={"client_id": "c1", "invoice_id": "i1"})
    _, seen, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert status == 200 and body == seen | {"client_id": "c1"}


def deliver(aws) -> None:
    messages = queue_messages(aws["receipt_queue"])
    if messages:
        notice_app.handler(sqs_event(messages), LambdaContext())


def test_what_needs_a_person_is_listed_and_leaves_the_list_once_handled(book, frozen):
    # An overpayment kept as credit (a duplicate charge at the processor).
    status, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "i1"},
        client_id="c1",
        body={"method": "card"},
        headers={"Idempotency-Key": "k1"},
    )
    intent = Payment.get("c1", payment["payment_id"]).processor_payment_id
    apply_update(
        PaymentUpdate(
            source="stripe",
            event_id="evt-over",
            event_type="payment_intent.succeeded",
            client_id="c1",
            invoice_id="i1",
            payment_id=payment["payment_id"],
            processor_payment_id=intent,
            outcome=Outcome(SUCCEEDED, 50700, 1),
        ),
        lambda job: None,
    )
    # A bank payment that has been processing for 11 days.
    put_invoice("c2", "i2", number="INV-2", total=30000, due_date="2027-02-10")
    bank = verified_bank(book["ach"], client_id="c2")
    assert pay_ach("i2", bank, client_id="c2")[0] == 201
    # An extension request waiting for an answer, and a problem report.
    put_invoice("c3", "i3", number="INV-3", total=10000, due_date="2027-02-10")
    _, ext, _ = call(
        "RequestExtensionFunction",
        path_parameters={"invoice_id": "i3"},
        client_id="c3",
        body={"requested_due_date": "2027-03-01", "reason": "Waiting on payroll."},
    )
    _, report, _ = call(
        "ProblemReportsFunction",
        path_parameters={"payment_id": payment["payment_id"]},
        client_id="c1",
        body={"kind": "double_charge", "message": "Charged twice?"},
    )
    frozen("2027-02-12")

    status, body, _ = console("/admin/attention")
    assert status == 200
    assert [(p["reason"], p["client_name"], p["payment_id"]) for p in body["payments"]] == [
        ("credit", "Cora Diaz", payment["payment_id"]),
        (
            "stuck",
            "Ann Archer",
            Payment.by_invoice.query("c2", Payment.invoice_key.startswith("i2#")).next().payment_id,
        ),
    ]
    assert [(e["client_name"], e["invoice_number"], e["expired"]) for e in body["extension_requests"]] == [
        ("bob baker", "INV-3", False)
    ]
    assert [(r["client_name"], r["kind"]) for r in body["problem_reports"]] == [("Cora Diaz", "double_charge")]

    # Handled: the credit refunded (in Stripe's Dashboard, as its event reports), the request answered, the report
    # resolved.
    record_outside_refund(
        Payment.get("c1", payment["payment_id"]),
        OutsideRefund("re_dash_1", 700, "usd", "succeeded", "duplicate"),
        lambda job: None,
    )
    call(
        "AdminExtensionDecisionFunction",
        claims=ADMIN,
        path_suffix="decline",
        path_parameters={"extension_request_id": ext["extension_request_id"]},
    )
    call(
        "AdminProblemReportsFunction",
        claims=ADMIN,
        body={"resolution": "Refunded the duplicate."},
        path_parameters={"problem_report_id": report["problem_report_id"]},
    )
    _, after, _ = console("/admin/attention")
    assert [p["reason"] for p in after["payments"]] == ["stuck"]
    assert (after["extension_requests"], after["problem_reports"]) == ([], [])
    assert Client.get("c1").credit_balance == 0


# ---- answering an extension request with a note ---------------------------------------------------------------


def ask(body, invoice_id="i1", client_id="c1"):
    return call("RequestExtensionFunction", path_parameters={"invoice_id": invoice_id}, body=body, client_id=client_id)


def decide(ext_id, verdict, body=None):
    return call(
        "AdminExtensionDecisionFunction",
        path_parameters={"extension_request_id": ext_id},
        claims=ADMIN,
        path_suffix=verdict,
        body=body,
    )


@pytest.mark.parametrize("verdict", ["approve", "decline"])
def test_the_merchants_note_reaches_the_client_with_either_answer(book, verdict):
    _, ext, _ = ask({"requested_due_date": "2027-02-20", "reason": "Waiting on payroll."})
    status, decided, _ = decide(ext["extension_request_id"], verdict, {"note": "  We can do the 20th this once.  "})
    assert status == 200 and decided["note"] == "We can do the 20th this once."
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"}, client_id="c1")
    assert invoice["extension_request"]["note"] == "We can do the 20th this once."
    deliver(book)
    [answer] = [
        e for e in sent_emails(book["moto"]) if e["subject"].startswith("Extension") and "requested" not in e["subject"]
    ]
    assert "Our note: We can do the 20th this once." in answer["body"]
    assert answer["destinations"]["ToAddresses"] == ["cora@example.test"]


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"note": ""}, 422, "invalid_note"),
        ({"note": "x" * 1001}, 422, "invalid_note"),
        ({"note": "é" * 501}, 422, "invalid_note"),  # 501 characters, 1,002 bytes: the limit is in bytes
        ({"note": "Yes.\r\nBcc: x@evil.test"}, 422, "invalid_note"),  # one line: it goes into an email
        ({"note": "Approved \u202eetad"}, 422, "invalid_note"),  # no direction override
        ({"note": 7}, 422, "invalid_note"),
        ({"memo": "x"}, 422, "unknown_field"),
        ("{", 400, "invalid_json"),
    ],
)
def test_a_bad_note_is_refused_and_changes_nothing(book, body, status, code):
    _, ext, _ = ask({"requested_due_date": "2027-02-20", "reason": "Waiting on payroll."})
    before = table_snapshot()
    got, answer, _ = decide(ext["extension_request_id"], "decline", body)
    assert (got, answer["error"]["code"]) == (status, code)
    assert table_snapshot() == before


def test_a_request_whose_date_has_passed_can_only_be_declined(book, frozen):
    _, ext, _ = ask({"requested_due_date": "2027-02-20", "reason": "Waiting on payroll."})
    frozen("2027-02-21")  # nobody answered in time
    _, attention, _ = console("/admin/attention")
    assert [e["expired"] for e in attention["extension_requests"]] == [True]
    before = table_snapshot()
    status, body, _ = decide(ext["extension_request_id"], "approve")
    assert (status, body["error"]["code"]) == (409, "extension_request_expired")
    assert table_snapshot() == before
    status, body, _ = decide(ext["extension_request_id"], "decline", {"note": "Please pay now; call us."})
    assert (status, body["status"], body["due_date"]) == (200, "declined", "2027-02-10")


def test_an_invoice_on_a_payment_plan_takes_no_extension_request(book):
    call(
        "AdminPaymentPlanFunction",
        claims=ADMIN,
        headers={"Idempotency-Key": "p"},
        path_parameters={"client_id": "c1", "invoice_id": "i1"},
        body={
            "installments": [{"amount": 25000, "due_date": "2027-02-10"}, {"amount": 25000, "due_date": "2027-03-10"}]
        },
    )
    before = table_snapshot()
    status, body, _ = ask({"requested_due_date": "2027-02-20", "reason": "x"})
    assert (status, body["error"]["code"]) == (409, "payment_plan_active")
    assert table_snapshot() == before

"""Problem reports: a client reports a payment, the merchant is emailed once and resolves the report."""

import json

import pytest

from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from shared.aws.models import Payment, ProblemReport
from shared.domain import merchant
from shared.emails.email_layout import local_time
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot
from tests.races import competing

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
REPORT_FIELDS = {"problem_report_id", "payment_id", "kind", "message", "status", "created_at"}


@pytest.fixture
def payment(seeded):
    """A 40,000-cent card payment of client-a on INV-1002 (a PaymentIntent at localstripe); its queue is empty."""
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": "pr-1"},
    )
    assert status == 201
    queue_messages(seeded["receipt_queue"])
    return Payment.get("client-a", body["payment_id"])


def report(payment_id: str, body, client_id: str | None = "client-a"):
    return call("ProblemReportsFunction", path_parameters={"payment_id": payment_id}, body=body, client_id=client_id)


def resolve(report_id: str, body, claims: dict | None = ADMIN):
    return call(
        "AdminProblemReportsFunction",
        path_parameters={"problem_report_id": report_id},
        body=body,
        client_id=None,
        claims=claims,
    )


def get_payment(payment_id: str) -> dict:
    status, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": payment_id})
    assert status == 200
    return body


def jobs(aws) -> list[dict]:
    return queue_messages(aws["receipt_queue"])


def run_worker(messages):
    return notice_app.handler(sqs_event(messages), LambdaContext(function_name="EmailWorkerFunction"))


def test_a_report_is_stored_shown_on_the_payment_and_emailed_to_the_merchant_once(payment, seeded):
    status, body, _ = report(
        payment.payment_id, {"kind": "double_charge", "message": "  I was charged twice for this invoice.  "}
    )
    assert status == 201
    assert set(body) == REPORT_FIELDS
    assert body["problem_report_id"].startswith("pr_")
    assert body | {"problem_report_id": "x", "created_at": "t"} == {
        "problem_report_id": "x",
        "payment_id": payment.payment_id,
        "kind": "double_charge",
        "message": "I was charged twice for this invoice.",
        "status": "open",
        "created_at": "t",
    }

    stored = ProblemReport.get("client-a", body["problem_report_id"])
    assert stored.payment_key == f"{payment.payment_id}#{stored.created_at}#{stored.problem_report_id}"
    assert stored.created_at == body["created_at"]
    assert get_payment(payment.payment_id)["problem_reports"] == [
        {
            "problem_report_id": body["problem_report_id"],
            "kind": "double_charge",
            "status": "open",
            "created_at": body["created_at"],
        }
    ]
    assert Payment.get("client-a", payment.payment_id).open_report_kinds == ["double_charge"]

    messages = jobs(seeded)
    assert [json.loads(m["Body"]) for m in messages] == [
        {
            "kind": "problem_report",
            "client_id": "client-a",
            "payment_id": payment.payment_id,
            "problem_report_id": body["problem_report_id"],
        }
    ]
    assert run_worker(messages) == {"batchItemFailures": []}
    [email] = sent_emails(seeded["moto"])
    assert email["destinations"]["ToAddresses"] == ["office@acme.test"]
    assert email["source"] == "billing@acme.test"
    assert email["subject"] == f"Problem report: double charge on payment {payment.payment_id} (INV-1002)"
    for needle in (
        "double_charge",
        "I was charged twice for this invoice.",
        "Ann Archer",
        "client-a",
        "INV-1002",
        "$400.00",
        "stripe",
        payment.processor_payment_id,
        payment.payment_id,
        local_time(body["created_at"], merchant.from_environment()),
        f"POST /admin/problem-reports/{body['problem_report_id']}/resolve",
    ):
        assert needle in email["body"], needle
    assert payment.processor_payment_id.startswith("pi_")

    # The same job delivered again (SQS is at-least-once), even twice in one batch: no second email.
    assert run_worker(messages + messages) == {"batchItemFailures": []}
    assert len(sent_emails(seeded["moto"])) == 1


def test_one_open_report_per_kind_but_other_kinds_are_fine(payment, seeded):
    assert report(payment.payment_id, {"kind": "wrong_amount", "message": "Should be $350."})[0] == 201
    jobs(seeded)
    before = table_snapshot()
    status, body, _ = report(payment.payment_id, {"kind": "wrong_amount", "message": "Again: should be $350."})
    assert status == 409 and body["error"]["code"] == "problem_report_open"
    assert table_snapshot() == before

    status, other, _ = report(payment.payment_id, {"kind": "other", "message": "Also the receipt is missing."})
    assert status == 201 and other["kind"] == "other"
    summaries = get_payment(payment.payment_id)["problem_reports"]
    assert [(s["kind"], s["status"]) for s in summaries] == [("wrong_amount", "open"), ("other", "open")]
    assert Payment.get("client-a", payment.payment_id).open_report_kinds == ["wrong_amount", "other"]


def test_a_refused_duplicate_requeues_the_open_reports_email_which_still_goes_out_once(payment, seeded):
    """If the first request died after its commit but before queueing the email, the client's retry (409)
    still gets the merchant told; the ledger keeps it to one email."""
    status, first, _ = report(payment.payment_id, {"kind": "not_recognized", "message": "What is this?"})
    assert status == 201
    jobs(seeded)  # the first job is lost
    assert report(payment.payment_id, {"kind": "not_recognized", "message": "Hello?"})[0] == 409
    messages = jobs(seeded)
    assert [json.loads(m["Body"])["problem_report_id"] for m in messages] == [first["problem_report_id"]]
    run_worker(messages)
    assert report(payment.payment_id, {"kind": "not_recognized", "message": "Hello??"})[0] == 409
    run_worker(jobs(seeded))
    assert len(sent_emails(seeded["moto"])) == 1


def test_two_submissions_at_once_create_exactly_one_report(payment, seeded, monkeypatch):
    """The other submission commits between this one's read of the payment and its write: the database
    condition, not the read, refuses a second open report of the kind."""
    from shared.services import problem_reports

    after_other = []

    def other_submission():
        result = report(payment.payment_id, {"kind": "double_charge", "message": "First."})
        after_other.append(table_snapshot())
        return result

    other = competing(monkeypatch, problem_reports, "get_payment", other_submission)
    status, body, _ = report(payment.payment_id, {"kind": "double_charge", "message": "Second."})
    assert other.result[0] == 201
    assert (status, body["error"]["code"]) == (409, "problem_report_open")
    assert table_snapshot() == after_other[0]  # the refused submission changed nothing
    [stored] = ProblemReport.query("client-a")
    assert (stored.problem_report_id, stored.message) == (other.result[1]["problem_report_id"], "First.")
    updated = Payment.get("client-a", payment.payment_id, consistent_read=True)
    assert updated.open_report_kinds == ["double_charge"]
    assert [s.problem_report_id for s in updated.problem_reports] == [stored.problem_report_id]
    # the refused one queues the open report's email again; the worker's ledger sends it once
    assert {json.loads(m["Body"])["problem_report_id"] for m in jobs(seeded)} == {stored.problem_report_id}


def test_a_webhook_bumping_the_payment_version_does_not_block_a_report(payment, seeded, monkeypatch):
    """The report's payment update is conditional on the open kinds, not on the version read."""
    from shared.services import problem_reports

    real_get = problem_reports.Payment.get

    def get_then_bump(*args, **kwargs):
        item = real_get(*args, **kwargs)
        fresh = real_get(*args, **kwargs)
        fresh.update(actions=[Payment.failure_at.set(1)])  # another writer, after our read
        return item

    monkeypatch.setattr(problem_reports.Payment, "get", get_then_bump)
    status, body, _ = report(payment.payment_id, {"kind": "other", "message": "Something is off."})
    monkeypatch.undo()
    assert status == 201
    stored = Payment.get("client-a", payment.payment_id)
    assert stored.open_report_kinds == ["other"] and stored.failure_at == 1


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"kind": "refund_please", "message": "x"}, 422, "invalid_kind"),
        ({"message": "no kind"}, 422, "invalid_kind"),
        ({"kind": ["double_charge"], "message": "x"}, 422, "invalid_kind"),
        ({"kind": "double_charge"}, 422, "invalid_message"),
        ({"kind": "double_charge", "message": 42}, 422, "invalid_message"),
        ({"kind": "double_charge", "message": ""}, 422, "invalid_message"),
        ({"kind": "double_charge", "message": "   \n "}, 422, "invalid_message"),
        ({"kind": "double_charge", "message": "x" * 2001}, 422, "invalid_message"),
        ({"kind": "double_charge", "message": "x", "amount": 5}, 422, "unknown_field"),
        ("{not json", 400, "invalid_json"),
        ('["double_charge"]', 400, "invalid_json"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(payment, seeded, body, status, code):
    before = table_snapshot()
    got_status, got, _ = report(payment.payment_id, body)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert got["error"]["message"]
    assert table_snapshot() == before
    assert jobs(seeded) == []


def test_the_longest_message_is_accepted(payment):
    status, body, _ = report(payment.payment_id, {"kind": "other", "message": "y" * 2000})
    assert status == 201 and len(body["message"]) == 2000


def test_another_clients_or_an_unknown_payment_is_404_and_no_identity_is_401(payment, seeded):
    before = table_snapshot()
    body = {"kind": "double_charge", "message": "Not mine."}
    for payment_id, client_id in ((payment.payment_id, "client-b"), ("pay_unknown", "client-a")):
        status, got, _ = report(payment_id, body, client_id=client_id)
        assert (status, got["error"]["code"]) == (404, "payment_not_found")
    status, got, _ = report(payment.payment_id, body, client_id=None)
    assert (status, got["error"]["code"]) == (401, "unauthorized")
    assert table_snapshot() == before
    assert jobs(seeded) == []


def test_the_merchant_resolves_a_report_and_a_new_one_of_that_kind_can_follow(payment, seeded):
    _, opened, _ = report(payment.payment_id, {"kind": "double_charge", "message": "Charged twice."})
    _, other, _ = report(payment.payment_id, {"kind": "other", "message": "And another thing."})
    status, body, _ = resolve(opened["problem_report_id"], {"resolution": "Refunded the duplicate charge."})
    assert status == 200
    assert body["status"] == "resolved" and body["resolution"] == "Refunded the duplicate charge."
    assert body["resolved_at"] and {k: body[k] for k in REPORT_FIELDS - {"status"}} == {
        k: opened[k] for k in REPORT_FIELDS - {"status"}
    }

    stored = ProblemReport.get("client-a", opened["problem_report_id"])
    assert (stored.status, stored.resolution, stored.resolved_at) == (
        "resolved",
        body["resolution"],
        body["resolved_at"],
    )
    shown = {s["problem_report_id"]: s["status"] for s in get_payment(payment.payment_id)["problem_reports"]}
    assert shown == {opened["problem_report_id"]: "resolved", other["problem_report_id"]: "open"}
    assert Payment.get("client-a", payment.payment_id).open_report_kinds == ["other"]

    status, again, _ = report(payment.payment_id, {"kind": "double_charge", "message": "It happened again."})
    assert status == 201 and again["problem_report_id"] != opened["problem_report_id"]
    summaries = get_payment(payment.payment_id)["problem_reports"]
    assert [(s["kind"], s["status"]) for s in summaries] == [
        ("double_charge", "resolved"),
        ("other", "open"),
        ("double_charge", "open"),
    ]


def test_a_report_resolved_before_its_email_went_out_is_not_announced(payment, seeded):
    _, opened, _ = report(payment.payment_id, {"kind": "wrong_amount", "message": "Too much."})
    assert resolve(opened["problem_report_id"], {"resolution": "Explained by phone."})[0] == 200
    assert run_worker(jobs(seeded)) == {"batchItemFailures": []}
    assert sent_emails(seeded["moto"]) == []


def test_resolving_twice_is_409_and_changes_nothing(payment):
    _, opened, _ = report(payment.payment_id, {"kind": "double_charge", "message": "Charged twice."})
    assert resolve(opened["problem_report_id"], {"resolution": "Refunded."})[0] == 200
    before = table_snapshot()
    status, body, _ = resolve(opened["problem_report_id"], {"resolution": "Refunded again?"})
    assert (status, body["error"]["code"]) == (409, "problem_report_resolved")
    assert table_snapshot() == before


def test_two_resolves_at_once_resolve_once_and_the_other_is_told_it_was_resolved(payment, monkeypatch):
    """The other resolve commits between this one's read of the payment and its write: this one's conditional
    write loses, it decides again on the report as it is now, and answers 409 without changing anything."""
    from shared.services import problem_reports

    _, opened, _ = report(payment.payment_id, {"kind": "double_charge", "message": "Charged twice."})
    after_other = []

    def other_resolve():
        result = resolve(opened["problem_report_id"], {"resolution": "Refunded by the first admin."})
        after_other.append(table_snapshot())
        return result

    other = competing(monkeypatch, problem_reports.Payment, "get", other_resolve)
    status, body, _ = resolve(opened["problem_report_id"], {"resolution": "Refunded by the second admin."})
    assert other.ran and other.result[0] == 200
    assert (status, body["error"]["code"]) == (409, "problem_report_resolved")
    assert table_snapshot() == after_other[0]
    assert ProblemReport.get("client-a", opened["problem_report_id"]).resolution == "Refunded by the first admin."


def test_resolving_needs_the_admin_group_and_a_known_report_and_a_resolution(payment):
    _, opened, _ = report(payment.payment_id, {"kind": "double_charge", "message": "Charged twice."})
    report_id = opened["problem_report_id"]
    before = table_snapshot()
    client_claims = {"sub": "user-client-a", "custom:client_id": "client-a", "token_use": "id"}
    other_group = {"sub": "u", "cognito:groups": "[accountants]"}
    cases = [
        (resolve(report_id, {"resolution": "ok"}, claims=client_claims), 403, "forbidden"),
        (resolve(report_id, {"resolution": "ok"}, claims=other_group), 403, "forbidden"),
        (resolve("pr_unknown", {"resolution": "ok"}), 404, "problem_report_not_found"),
        (resolve(report_id, {}), 422, "invalid_resolution"),
        (resolve(report_id, {"resolution": ""}), 422, "invalid_resolution"),
        (resolve(report_id, {"resolution": "  "}), 422, "invalid_resolution"),
        (resolve(report_id, {"resolution": 7}), 422, "invalid_resolution"),
        (resolve(report_id, {"resolution": "z" * 2001}), 422, "invalid_resolution"),
        (resolve(report_id, {"resolution": "ok", "status": "resolved"}), 422, "unknown_field"),
        (resolve(report_id, "{oops"), 400, "invalid_json"),
    ]
    for (status, body, _), want_status, want_code in cases:
        assert (status, body["error"]["code"]) == (want_status, want_code)
    assert table_snapshot() == before
    assert get_payment(payment.payment_id)["problem_reports"][0]["status"] == "open"

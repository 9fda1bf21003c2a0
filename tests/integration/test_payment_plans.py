"""Payment plans through the handlers on the emulators: the merchant splits a balance into installments (POST
/admin/clients/{client_id}/invoices/{invoice_id}/payment-plan), the client sees the schedule and may pay the next
installment (even where partial payments are not allowed), a larger payment covers the next ones in order, and the
daily job reminds and charges late fees per installment."""

import json

import pytest

from functions.due_date_job.app import handler as due_date_job
from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from infra.seed import put_client, put_invoice
from shared.aws.models import Invoice, Payment
from shared.domain.payment_states import SUCCEEDED, Outcome, PaymentUpdate
from shared.services.payment_updates import apply_update
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
PLAN = {
    "installments": [
        {"amount": 30000, "due_date": "2027-01-15"},
        {"amount": 30000, "due_date": "2027-02-15"},
        {"amount": 30000, "due_date": "2027-03-15"},
    ]
}


@pytest.fixture
def owed(aws, frozen):
    """Cora owes 900.00, due 2027-01-31, full payment only, a flat late fee; today is 2027-01-05."""
    put_client("c1", name="Cora", billing_email="cora@example.test")
    put_client("c2", name="Dan", billing_email="dan@example.test")
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=90000,
        due_date="2027-01-31",
        issued_date="2027-01-01",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 0},
    )
    frozen("2027-01-05")
    return aws


def set_plan(body=PLAN, key="plan-1", invoice_id="i1", client_id="c1", claims=ADMIN, headers=None):
    return call(
        "AdminPaymentPlanFunction",
        body=body,
        claims=claims,
        headers={"Idempotency-Key": key} if headers is None else headers,
        path_parameters={"client_id": client_id, "invoice_id": invoice_id},
    )


def client_invoice(invoice_id="i1"):
    return call("GetInvoiceFunction", path_parameters={"invoice_id": invoice_id}, client_id="c1")[1]


def schedule(invoice) -> list[tuple]:
    return [(i["amount"], i["due_date"], i["status"], i["amount_due"]) for i in invoice["payment_plan"]["installments"]]


def received(amount: int, key: str) -> None:
    """A card payment of `amount` started by the client and reported succeeded by Stripe."""
    status, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "i1"},
        client_id="c1",
        body={"method": "card", "amount": amount},
        headers={"Idempotency-Key": key},
    )
    assert status == 201, payment
    intent = Payment.get("c1", payment["payment_id"]).processor_payment_id
    apply_update(
        PaymentUpdate(
            source="stripe",
            event_id=f"evt-{key}",
            event_type="payment_intent.succeeded",
            client_id="c1",
            invoice_id="i1",
            payment_id=payment["payment_id"],
            processor_payment_id=intent,
            outcome=Outcome(SUCCEEDED, amount, 1),
        ),
        lambda job: None,
    )


def run_job():
    return due_date_job({}, LambdaContext(function_name="DueDateJobFunction"))


def test_the_merchant_splits_the_balance_and_the_client_sees_each_installment(owed):
    status, body, headers = set_plan()
    assert status == 201 and headers["Idempotent-Replayed"] == "false" and body["client_id"] == "c1"
    assert schedule(body) == [
        (30000, "2027-01-15", "due", 30000),
        (30000, "2027-02-15", "due", 30000),
        (30000, "2027-03-15", "due", 30000),
    ]
    assert (body["due_date"], body["allow_partial"], body["minimum_payment"]) == ("2027-03-15", True, 30000)
    seen = client_invoice()
    assert seen == {k: v for k, v in body.items() if k != "client_id"}
    assert Invoice.get("c1", "i1").open_due_date == "2027-01-15"  # the job files it under the next installment
    # The same key and body: the same answer, nothing new; another body with that key: refused, nothing changed.
    before = table_snapshot()
    status, again, headers = set_plan()
    assert (status, headers["Idempotent-Replayed"], again) == (201, "true", body)
    other = {"installments": [{"amount": 45000, "due_date": "2027-01-20"}, {"amount": 45000, "due_date": "2027-02-20"}]}
    status, error, _ = set_plan(other)
    assert (status, error["error"]["code"]) == (422, "idempotency_key_reused")
    assert table_snapshot() == before
    # A new key replaces the plan.
    status, replaced, _ = set_plan(other, key="plan-2")
    assert status == 201 and [i["due_date"] for i in replaced["payment_plan"]["installments"]] == [
        "2027-01-20",
        "2027-02-20",
    ]


@pytest.mark.parametrize(
    "body,headers,claims,invoice_id,status,code",
    [
        (
            {
                "installments": [
                    {"amount": 30000, "due_date": "2027-01-15"},
                    {"amount": 50000, "due_date": "2027-02-15"},
                ]
            },
            None,
            ADMIN,
            "i1",
            422,
            "installments_do_not_sum",
        ),
        (
            {
                "installments": [
                    {"amount": 45000, "due_date": "2027-02-15"},
                    {"amount": 45000, "due_date": "2027-01-15"},
                ]
            },
            None,
            ADMIN,
            "i1",
            422,
            "installment_dates_not_ascending",
        ),
        (
            {
                "installments": [
                    {"amount": 45000, "due_date": "2027-01-04"},
                    {"amount": 45000, "due_date": "2027-02-15"},
                ]
            },
            None,
            ADMIN,
            "i1",
            422,
            "installment_before_today",
        ),
        (
            {"installments": [{"amount": 90000, "due_date": "2027-01-15"}]},
            None,
            ADMIN,
            "i1",
            422,
            "invalid_installments",
        ),
        (
            {
                "installments": [
                    {"amount": "450.00", "due_date": "2027-01-15"},
                    {"amount": 45000, "due_date": "2027-02-15"},
                ]
            },
            None,
            ADMIN,
            "i1",
            422,
            "invalid_amount",
        ),
        ({**PLAN, "autopay": True}, None, ADMIN, "i1", 422, "unknown_field"),
        ("not json", None, ADMIN, "i1", 400, "invalid_json"),
        (PLAN, {}, ADMIN, "i1", 400, "idempotency_key_required"),
        (PLAN, None, {"sub": "u", "custom:client_id": "c1"}, "i1", 403, "forbidden"),
        (PLAN, None, ADMIN, "nope", 404, "invoice_not_found"),
        (PLAN, None, ADMIN, "paid", 409, "invoice_paid"),
        (PLAN, None, ADMIN, "void", 409, "invoice_void"),
    ],
)
def test_a_plan_that_cannot_be_is_refused_and_changes_nothing(owed, body, headers, claims, invoice_id, status, code):
    put_invoice("c1", "paid", number="P", total=90000, amount_paid=90000, due_date="2027-01-31")
    put_invoice("c1", "void", number="V", total=90000, void=True, due_date="2027-01-31")
    before = table_snapshot()
    got, answer, _ = set_plan(body, headers=headers, claims=claims, invoice_id=invoice_id)
    assert (got, answer["error"]["code"]) == (status, code)
    assert table_snapshot() == before


def test_pay_now_is_the_next_installment_and_a_larger_payment_covers_the_next_ones(owed):
    set_plan()
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "i1"},
        client_id="c1",
        body={"method": "card", "amount": 29999},
        headers={"Idempotency-Key": "small"},
    )
    assert (status, body["error"]["code"]) == (422, "amount_below_minimum")
    received(30000, "first")  # the first installment, on an invoice that takes no other partial payment
    invoice = client_invoice()
    assert schedule(invoice)[0] == (30000, "2027-01-15", "paid", 0)
    assert (invoice["status"], invoice["minimum_payment"]) == ("partially_paid", 30000)
    assert Invoice.get("c1", "i1").open_due_date == "2027-02-15"
    received(45000, "more")  # the second installment and half the third
    assert schedule(client_invoice()) == [
        (30000, "2027-01-15", "paid", 0),
        (30000, "2027-02-15", "paid", 0),
        (30000, "2027-03-15", "due", 15000),
    ]
    assert client_invoice()["minimum_payment"] == 15000


def deliver(aws) -> list[dict]:
    messages = queue_messages(aws["receipt_queue"])
    notice_app.handler(sqs_event(messages), LambdaContext())
    return [json.loads(m["Body"]) for m in messages]


def test_reminders_overdue_notices_and_late_fees_come_per_installment(owed, frozen):
    set_plan()
    frozen("2027-01-08")  # 7 days before the first installment
    assert run_job()["reminders"] == 1
    deliver(owed)
    [reminder] = sent_emails(owed["moto"])
    assert reminder["subject"] == "Reminder: invoice INV-1 is due in 7 days"
    assert "$300.00" in reminder["body"] and "January 15, 2027" in reminder["body"]
    frozen("2027-01-16")
    report = run_job()
    assert (report["overdue_notices"], report["fees_applied"]) == (1, [("i1", 2500)])
    assert run_job()["fees_applied"] == []  # once per installment
    invoice = client_invoice()
    assert [i["status"] for i in invoice["payment_plan"]["installments"]] == ["overdue", "due", "due"]
    assert invoice["overdue"] is True and invoice["payment_plan"]["installments"][-1]["amount"] == 32500  # the fee
    received(30000, "late")
    assert client_invoice()["overdue"] is False
    frozen("2027-02-16")  # the second installment unpaid: its own fee, once; the first one's is not charged again
    assert run_job()["fees_applied"] == [("i1", 2500)]
    frozen("2027-02-17")
    assert run_job()["fees_applied"] == []
    stored = Invoice.get("c1", "i1")
    assert (stored.fees, stored.late_fee_period) == (5000, "2027-02-15")

"""Autopay through the handlers on the emulators (moto, localstripe, the ACH sandbox): turning it on and off, the
daily job's notice 10 days ahead, the charge on its day (a saved card off-session, or a verified bank account), one
charge per invoice and day whatever runs twice or at once, declines with their email and two retries on set days,
no late fee while a try is in flight, and a removed or expired method turning autopay off with an email."""

import json

import pytest
import requests

from functions.due_date_job.app import handler as due_date_job
from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from infra.seed import put_client, put_invoice
from shared.aws.models import Client, Invoice, Payment
from shared.books.dynamo import DynamoRepository
from shared.domain import autopay, merchant
from shared.http.errors import ProcessorUnavailable
from shared.processors.stripe_cards import StripeCards
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import verified_bank
from tests.drivers.stripe import deliver_new
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot
from tests.integration.test_saved_methods import new_card, saved_card
from tests.races import competing

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
DUE = "2027-03-01"


@pytest.fixture
def book(aws, frozen):
    """client-a owes 420.00 due 2027-03-01 (a flat late fee after 3 days' grace); today is 2027-02-01."""
    put_client("client-a", name="Ann Archer", billing_email="ann@example.test")
    put_client("client-b", name="Bob Baker", billing_email="bob@example.test")
    put_invoice(
        "client-a",
        "i1",
        number="INV-1",
        total=42000,
        due_date=DUE,
        issued_date="2027-01-15",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 3},
    )
    frozen("2027-02-01")
    return aws


def text() -> str:
    return autopay.authorization_text(merchant.from_environment(), 0)


def turn_on(method_id, client_id="client-a", authorization=None):
    body = {"payment_method_id": method_id, "authorization": authorization or {"accepted": True, "text": text()}}
    return call("AutopayFunction", method="PUT", client_id=client_id, body=body)


def run_job():
    return due_date_job({}, LambdaContext(function_name="DueDateJobFunction"))


def deliver(aws) -> list[dict]:
    messages = queue_messages(aws["receipt_queue"])
    if messages:
        notice_app.handler(sqs_event(messages), LambdaContext())
    return [json.loads(m["Body"]) for m in messages]


def emails(aws, subject_part: str) -> list[dict]:
    return [e for e in sent_emails(aws["moto"]) if subject_part in e["subject"]]


def payments(invoice_id="i1") -> list[Payment]:
    return sorted(DynamoRepository().invoice_payments("client-a", invoice_id), key=lambda p: p.created_key)


def intents(aws) -> list[dict]:
    return requests.get(f"{aws['stripe'].url}/v1/payment_intents", auth=(STRIPE_API_KEY, ""), timeout=5).json()["data"]


def announce_and_reach_the_day(aws, frozen, day=DUE) -> None:
    """The notice 12 days ahead (its email sent), then the charge day."""
    frozen("2027-02-17")
    assert run_job()["autopay"]["notices"] == 1
    deliver(aws)
    frozen(day)


# ---- the client's authorization ------------------------------------------------------------------------------


def test_autopay_is_turned_on_with_the_current_authorization_and_a_copy_is_emailed(book):
    card = saved_card(book)
    status, body, _ = turn_on(card)
    assert status == 200 and body["autopay"]["payment_method_id"] == card
    _, account, _ = call("AccountFunction", method="GET")
    assert account["autopay"] == body["autopay"]
    stored = Client.get("client-a").autopay
    assert (stored.text, stored.method_label, stored.method_type) == (text(), "Visa ending in 4242", "card")
    assert turn_on(card)[1] == body  # a double click: the same authorization, no second email
    assert [j["kind"] for j in deliver(book)].count("autopay_authorized") == 1
    [copy] = emails(book, "your copy of the authorization")
    assert text()[:60] in copy["body"] and "Visa ending in 4242" in copy["body"]

    status, _, _ = call("AutopayFunction", method="DELETE")
    assert status == 204
    assert call("AccountFunction", method="GET")[1]["autopay"] is None
    previous = Client.get("client-a").autopay_previous  # kept: NACHA wants the authorization for two years
    assert (previous.authorized_at, previous.end_reason, previous.text) == (
        body["autopay"]["authorized_at"],
        "client",
        text(),
    )
    assert call("AutopayFunction", method="DELETE")[0] == 204  # off already: nothing to do


@pytest.mark.parametrize(
    "what,status,code",
    [
        ("no_authorization", 400, "autopay_authorization_required"),
        ("not_accepted", 400, "autopay_authorization_required"),
        ("other_text", 422, "autopay_authorization_outdated"),
        ("another_clients_card", 422, "payment_method_not_found"),
        ("unverified_bank", 422, "bank_account_not_verified"),
        ("expired_card", 422, "card_expired"),
        ("unknown_field", 422, "unknown_field"),
        ("not_json", 400, "invalid_json"),
    ],
)
def test_autopay_that_cannot_be_turned_on_is_refused_and_changes_nothing(book, what, status, code):
    card = saved_card(book)
    others = saved_card(book, client_id="client-b")
    expired = saved_card(book, number="4000000000000077", exp_year=2026, exp_month=12)
    bank = call(
        "AddBankAccountFunction",
        body={
            "routing_number": "011000015",
            "account_number": "123456780000",
            "account_type": "checking",
            "holder_name": "Ann Archer",
        },
    )[1]
    deliver(book)
    body = {"payment_method_id": card, "authorization": {"accepted": True, "text": text()}}
    body = {
        "no_authorization": {"payment_method_id": card},
        "not_accepted": {**body, "authorization": {"accepted": False, "text": text()}},
        "other_text": {**body, "authorization": {"accepted": True, "text": "I agree."}},
        "another_clients_card": {**body, "payment_method_id": others},
        "unverified_bank": {**body, "payment_method_id": bank["payment_method_id"]},
        "expired_card": {**body, "payment_method_id": expired},
        "unknown_field": {**body, "days_before": 3},
        "not_json": "{",
    }[what]
    before = table_snapshot()
    got, answer, _ = call("AutopayFunction", method="PUT", body=body)
    assert (got, answer["error"]["code"]) == (status, code)
    assert table_snapshot() == before and queue_messages(book["receipt_queue"]) == []


@pytest.mark.parametrize("restriction", ["suspended", "deactivated"])
def test_a_bank_is_refused_for_autopay_while_dwolla_restricts_the_client(book, restriction):
    bank = verified_bank(book["ach"])
    deliver(book)
    Client("client-a").update(actions=[Client.ach_status.set(restriction)])
    before = table_snapshot()
    status, body, _ = turn_on(bank)
    assert (status, body["error"]["code"]) == (422, f"bank_payments_{restriction}")
    assert table_snapshot() == before and queue_messages(book["receipt_queue"]) == []
    assert turn_on(saved_card(book))[0] == 200  # a card still can


# ---- the daily job -------------------------------------------------------------------------------------------


def test_the_client_is_told_10_days_ahead_then_the_saved_card_is_charged_off_session_once(book, frozen):
    card = saved_card(book)
    turn_on(card)
    deliver(book)
    frozen("2027-02-16")  # 13 days ahead: nothing yet
    assert run_job()["autopay"]["notices"] == 0
    announce_and_reach_the_day(book, frozen)
    [notice] = emails(book, "Autopay: Visa ending in 4242 will be charged $420.00 on March 1, 2027")
    assert "March 4, 2027 and March 8, 2027" in notice["body"]  # the retries, announced
    _, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"})
    assert invoice["autopay_charge"] == {
        "due_date": DUE,
        "charge_date": DUE,
        "amount": 42000,
        "method": "Visa ending in 4242",
    }

    report = run_job()["autopay"]
    assert (report["charges"], report["succeeded"]) == (1, 1)
    [payment] = payments()
    assert (payment.status, payment.amount, payment.method, payment.autopay.attempt) == ("succeeded", 42000, "card", 1)
    assert payment.payment_id == autopay.attempt_id("client-a", "i1", DUE, DUE)
    assert Invoice.get("client-a", "i1").status == "paid"
    [intent] = intents(book)
    assert (intent["payment_method"], intent["customer"]) == (card, Client.get("client-a").stripe_customer_id)
    assert "receipt" in [j["kind"] for j in deliver(book)]  # the usual receipt
    # The job again the same day: nothing more.
    run_job()
    assert len(payments()) == 1 and len(intents(book)) == 1


def test_two_runs_at_once_charge_once(book, frozen, monkeypatch):
    """A second run of the job runs whole right after this run wrote its try and before it called Stripe: the second
    run finds the try and charges it; this one then asks Stripe with the same key, gets the same intent, and the
    answer counts once."""
    turn_on(saved_card(book))
    announce_and_reach_the_day(book, frozen)
    from shared.services import autopay as service

    other = competing(monkeypatch, service, "run", lambda: due_date_job({}, LambdaContext()))
    run_job()
    assert other.ran
    [payment] = payments()
    assert payment.status == "succeeded" and len(intents(book)) == 1
    creates = [
        r
        for r in requests.get(f"{book['stripe'].url}/_config/shim/requests", timeout=5).json()
        if (r["method"], r["path"]) == ("POST", "/v1/payment_intents")
    ]
    assert {r["idempotency_key"] for r in creates} == {autopay.idempotency_key("client-a", "i1", DUE, DUE)}


def test_a_decline_emails_a_link_leaves_the_invoice_open_and_is_retried_twice_on_set_days(book, frozen):
    declining = new_card(book, number="4000000000000341", customer=None)
    from tests.integration.test_saved_methods import customer_of

    attached = requests.post(
        f"{book['stripe'].url}/v1/payment_methods/{declining['id']}/attach",
        timeout=5,
        data={"customer": customer_of(book)},
        auth=(STRIPE_API_KEY, ""),
    ).json()
    deliver_new("payment_method.attached", attached)
    turn_on(attached["id"])
    announce_and_reach_the_day(book, frozen)
    tried = {}
    for day in range(1, 13):
        frozen(f"2027-03-{day:02d}")
        tried[day] = run_job()["autopay"]["declined"]
    assert {day for day, declined in tried.items() if declined} == {1, 4, 8}  # the day, +3, +7: never more
    assert [(p.status, p.failure_code, p.autopay.attempt) for p in payments()] == [
        ("canceled", "card_declined", 1),
        ("canceled", "card_declined", 2),
        ("canceled", "card_declined", 3),
    ]
    invoice = Invoice.get("client-a", "i1")
    assert (invoice.status, invoice.amount_paid) == ("open", 0)
    deliver(book)
    failed = emails(book, "Autopay could not charge")
    assert len(failed) == 3
    assert "We will try again on March 4, 2027" in failed[0]["body"]
    assert "https://portal.acme.test/invoices/i1" in failed[0]["body"]
    assert "will not try this one again" in failed[-1]["body"]


def test_a_bank_asking_for_authentication_is_a_decline_the_client_can_act_on(book, frozen):
    from tests.integration.test_saved_methods import customer_of

    card = new_card(book, number="4000002760003184", customer=customer_of(book))
    deliver_new("payment_method.attached", card)
    turn_on(card["id"])
    announce_and_reach_the_day(book, frozen)
    run_job()
    [payment] = payments()
    assert (payment.status, payment.failure_code) == ("canceled", "authentication_required")
    deliver(book)
    [email] = emails(book, "Autopay could not charge")
    assert "Your bank asks you to confirm this payment" in email["body"]


def test_no_late_fee_while_an_autopay_try_is_still_in_flight(book, frozen, monkeypatch):
    from tests.integration.test_saved_methods import customer_of

    card = new_card(book, number="4000000000000341", customer=customer_of(book))
    deliver_new("payment_method.attached", card)
    turn_on(card["id"])
    announce_and_reach_the_day(book, frozen)
    assert run_job()["fees_applied"] == []  # the due day: declined; not late yet
    frozen("2027-03-04")  # the first retry, and Stripe does not answer: the try stays pending
    monkeypatch.setattr(
        StripeCards, "charge_off_session", lambda self, request: (_ for _ in ()).throw(ProcessorUnavailable())
    )
    run_job()
    assert payments()[-1].status == "pending"
    frozen("2027-03-05", hour_utc=6)  # past the grace period (3 days), 15 hours after the try: still in flight
    assert run_job()["fees_applied"] == []
    frozen("2027-03-05")  # 24 hours after: Stripe no longer knows the key, so the try ends as not charged
    assert run_job()["fees_applied"] == [("i1", 2500)]
    assert (payments()[-1].status, payments()[-1].failure_code) == ("canceled", "processing_error")


def test_autopay_from_a_verified_bank_keeps_the_authorization_with_the_debit(book, frozen):
    frozen("2027-02-01")
    bank = verified_bank(book["ach"])
    turn_on(bank)
    announce_and_reach_the_day(book, frozen)
    run_job()
    [payment] = payments()
    assert (payment.method, payment.status, payment.amount) == ("ach", "processing", 42000)
    assert payment.processor_payment_id and payment.ach_authorization.text == text()
    assert payment.processor_idempotency_key == autopay.idempotency_key("client-a", "i1", DUE, DUE)
    assert Invoice.get("client-a", "i1").status == "processing"


@pytest.mark.parametrize(
    "total,ach_max,code",
    [
        (42000, "40000", "amount_above_ach_maximum"),  # over AchMaxTransferCents
        (600000, "1000000", "ach_weekly_limit"),  # over Dwolla's $5,000 a week of an unverified customer
    ],
)
def test_a_bank_debit_the_processor_would_refuse_ends_the_try_before_any_transfer(
    book, frozen, monkeypatch, total, ach_max, code
):
    """Dwolla's limits hold for autopay as for a payment the client starts: checked before the try is written;
    the try is recorded and ends failed at once (its reservation released), the client is emailed, nothing is sent
    to Dwolla, and the next try day decides again."""
    monkeypatch.setenv("ACH_MAX_TRANSFER_CENTS", ach_max)
    Invoice.get("client-a", "i1").delete()  # the book's invoice, for this total
    put_invoice("client-a", "i1", number="INV-1", total=total, due_date=DUE, issued_date="2027-01-15")
    bank = verified_bank(book["ach"])
    turn_on(bank)
    announce_and_reach_the_day(book, frozen)
    transfers = len(book["ach"].transfers)
    assert run_job()["autopay"]["declined"] == 1
    [payment] = payments()
    assert (payment.method, payment.status, payment.failure_code, payment.processor_payment_id) == (
        "ach",
        "failed",
        code,
        None,
    )
    invoice = Invoice.get("client-a", "i1")
    assert (invoice.status, invoice.amount_paid, invoice.amount_pending) == ("open", 0, 0)
    assert len(book["ach"].transfers) == transfers
    assert [j["kind"] for j in deliver(book)] == ["payment_failed"]
    frozen("2027-03-02")
    assert run_job()["autopay"]["charges"] == 0  # not a try day
    frozen("2027-03-04")
    assert run_job()["autopay"]["declined"] == 1 and len(payments()) == 2  # the first retry decides again


def test_a_card_charge_stripe_refuses_ends_the_try_and_emails_the_client(book, frozen, monkeypatch):
    """Stripe refusing the request itself (an invalid_request_error: the card detached meanwhile, say) is the
    adapter's ProcessorRefused: the try ends failed, nothing charged, the client emailed, the job goes on."""
    from shared.http.errors import ProcessorRefused
    from tests.integration.test_saved_methods import customer_of

    card = new_card(book, customer=customer_of(book))
    deliver_new("payment_method.attached", card)
    turn_on(card["id"])
    announce_and_reach_the_day(book, frozen)
    monkeypatch.setattr(
        StripeCards,
        "charge_off_session",
        lambda self, request: (_ for _ in ()).throw(ProcessorRefused("resource_missing")),
    )
    assert run_job()["autopay"]["declined"] == 1
    [payment] = payments()
    assert (payment.status, payment.failure_code) == ("failed", "processor_refused")
    assert Invoice.get("client-a", "i1").status == "open"
    deliver(book)
    [email] = emails(book, "Autopay could not charge")
    assert "did not accept this automatic payment" in email["body"] and "March 4, 2027" in email["body"]


def test_an_invoice_due_too_soon_to_announce_is_left_to_the_client(book, frozen):
    frozen("2027-02-24")  # 5 days before the due date
    turn_on(saved_card(book))
    run_job()
    deliver(book)
    [email] = emails(book, "Please pay invoice INV-1 yourself")
    assert "at least 10 days before" in email["body"]
    frozen(DUE)
    run_job()
    assert payments() == []


def test_installments_are_charged_on_their_dates(book, frozen):
    call(
        "AdminPaymentPlanFunction",
        claims=ADMIN,
        headers={"Idempotency-Key": "plan"},
        path_parameters={"client_id": "client-a", "invoice_id": "i1"},
        body={"installments": [{"amount": 22000, "due_date": DUE}, {"amount": 20000, "due_date": "2027-04-01"}]},
    )
    turn_on(saved_card(book))
    announce_and_reach_the_day(book, frozen)
    run_job()
    frozen("2027-03-20")  # the second installment's notice
    assert run_job()["autopay"]["notices"] == 1
    deliver(book)
    frozen("2027-04-01")
    run_job()
    assert [(p.amount, p.status, p.autopay.due_date) for p in payments()] == [
        (22000, "succeeded", DUE),
        (20000, "succeeded", "2027-04-01"),
    ]
    assert Invoice.get("client-a", "i1").status == "paid"


def test_a_removed_method_turns_autopay_off_with_an_email(book):
    card = saved_card(book)
    turn_on(card)
    assert call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": card})[0] == 204
    assert Client.get("client-a").autopay is None
    assert Client.get("client-a").autopay_previous.end_reason == "method_removed"
    deliver(book)
    [email] = emails(book, "Autopay is off")
    assert "the payment method it used was removed" in email["body"]


def test_an_expired_card_turns_autopay_off_at_the_next_run_with_an_email(book, frozen):
    frozen("2026-12-20")
    turn_on(saved_card(book, exp_year=2027, exp_month=1))
    frozen("2027-02-05")
    assert run_job()["autopay"]["turned_off"] == 1
    assert Client.get("client-a").autopay is None
    deliver(book)
    [email] = emails(book, "Autopay is off")
    assert "the card it used has expired" in email["body"]


@pytest.mark.parametrize("how", ["turned_off", "method_removed"])
def test_once_autopay_ends_no_invoice_announces_a_charge_and_none_is_made(book, frozen, how):
    card = saved_card(book)
    turn_on(card)
    frozen("2027-02-17")
    run_job()
    deliver(book)
    assert call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"})[1]["autopay_charge"] is not None
    if how == "turned_off":
        assert call("AutopayFunction", method="DELETE")[0] == 204
    else:
        assert call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": card})[0] == 204
    assert call("GetInvoiceFunction", path_parameters={"invoice_id": "i1"})[1]["autopay_charge"] is None
    assert Invoice.get("client-a", "i1").autopay_notices is None
    frozen(DUE)
    run_job()
    assert payments() == []


def test_a_try_cut_off_before_stripe_answered_is_finished_by_reconciliation_with_its_key(book, frozen, monkeypatch):
    turn_on(saved_card(book))
    announce_and_reach_the_day(book, frozen)
    real = StripeCards.charge_off_session
    monkeypatch.setattr(
        StripeCards, "charge_off_session", lambda self, request: (_ for _ in ()).throw(ProcessorUnavailable())
    )
    run_job()
    [payment] = payments()
    assert (payment.status, payment.processor_payment_id) == ("pending", None)  # written before Stripe was asked
    monkeypatch.setattr(StripeCards, "charge_off_session", real)
    from functions.reconcile_job.app import handler as reconcile_job

    frozen(DUE, hour_utc=17)  # two hours later: the hourly reconciliation
    reconcile_job({}, LambdaContext(function_name="ReconcileJobFunction"))
    [payment] = payments()
    assert payment.status == "succeeded" and payment.processor_payment_id.startswith("pi_")
    assert len(intents(book)) == 1

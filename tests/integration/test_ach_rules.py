"""Dwolla's rules, end to end through the API against the ACH sandbox (which enforces each as Dwolla documents it):
the weekly limit of an unverified customer, micro-deposit entries, linking a removed bank again, customers suspended,
deactivated and reactivated, banks unverified or removed by a return code, names Dwolla accepts, the client told
when the deposits arrive, and reconciliation's look at bank accounts and ACH refunds. Every refusal changes nothing
(the whole tables compared)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from functions.email_worker import app as notice_app
from infra.apigw import LambdaContext
from infra.seed import put_invoice
from shared.aws.models import Client, Payment, Refund, SavedPaymentMethod
from shared.domain import clock
from tests.drivers.ach import (
    api,
    deliver_and_apply,
    deposits,
    envelope,
    invoice_numbers,
    link,
    pay_ach,
    simulate,
    transfer_url,
    verified_bank,
)
from tests.helpers import call, queue_messages, sent_emails, sqs_event, table_snapshot

WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}


@pytest.fixture
def at(seeded, monkeypatch):
    """Moves this system's clock and the sandbox's together."""

    def move(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)
        seeded["ach"].set_clock(now=moment)

    return move


def fs_of(method_id, client_id="client-a") -> str:
    return SavedPaymentMethod.get(client_id, method_id).processor_method_id


def customer_url(client_id="client-a") -> str:
    return Client.get(client_id).ach_customer_id


def verify(method_id, amounts, client_id="client-a"):
    return call(
        "VerifyBankAccountFunction",
        client_id=client_id,
        path_parameters={"payment_method_id": method_id},
        body={"amounts": amounts},
    )


def jobs(seeded) -> list[dict]:
    return [json.loads(m["Body"]) for m in queue_messages(seeded["receipt_queue"])]


def send_notices(seeded, wanted: list[dict]) -> list[dict]:
    """The notice worker on these jobs; what SES accepted."""
    messages = [{"MessageId": str(i), "ReceiptHandle": str(i), "Body": json.dumps(job)} for i, job in enumerate(wanted)]
    notice_app.handler(sqs_event(messages), LambdaContext())
    return sent_emails(seeded["moto"])


def transfers_at_sandbox(seeded) -> int:
    return len(seeded["ach"].transfers)


# ---- the weekly limit ---------------------------------------------------------------------------------------------


def test_the_weekly_limit_is_checked_before_anything_is_recorded(seeded, at):
    """$4,000 and then $2,000 in one week: Dwolla would refuse the second after the client was told "processing".
    It is refused here first, with what is still available and when the limit resets; nothing is written or sent."""
    put_invoice("client-a", "inv-big", number="INV-1010", total=400000, due_date="2026-04-01")
    put_invoice(
        "client-a",
        "inv-more",
        number="INV-1011",
        total=300000,
        due_date="2026-04-01",
        allow_partial=True,
        minimum_payment=1000,
    )
    at(WEDNESDAY)
    method_id = verified_bank(seeded["ach"])
    assert pay_ach("inv-big", method_id, key="first")[0] == 201
    before, transfers = table_snapshot(), transfers_at_sandbox(seeded)
    status, body, _ = pay_ach("inv-more", method_id, key="second", amount=200000)
    assert (status, body["error"]["code"]) == (422, "ach_weekly_limit")
    assert (body["error"]["available"], body["error"]["limit"], body["error"]["resets_on"]) == (
        100000,
        500000,
        "2026-03-09",
    )
    assert "$5,000.00 a week" in body["error"]["message"] and "$1,000.00" in body["error"]["message"]
    assert "Monday, March 9" in body["error"]["message"] and "by card" in body["error"]["message"]
    assert table_snapshot() == before and transfers_at_sandbox(seeded) == transfers
    assert pay_ach("inv-more", method_id, key="third", amount=100000)[0] == 201  # exactly what is left
    assert pay_ach("inv-more", method_id, key="fourth", amount=1000)[1]["error"]["available"] == 0
    at(datetime(2026, 3, 9, 0, 0, tzinfo=UTC))  # Monday 00:00 UTC: a new Dwolla week for both
    status, body, _ = pay_ach("inv-more", method_id, key="fifth", amount=200000)
    assert status == 201 and body["status"] == "processing"


def test_a_failed_debit_gives_its_amount_back_to_the_week(seeded, at):
    """Dwolla counts transfers pending or processed: a debit that failed sent nothing."""
    put_invoice(
        "client-a",
        "inv-big",
        number="INV-1010",
        total=500000,
        due_date="2026-04-01",
        allow_partial=True,
        minimum_payment=1000,
    )
    at(WEDNESDAY)
    method_id = verified_bank(seeded["ach"], account_number="123456780001")  # R01: fails, the bank stays
    _, first, _ = pay_ach("inv-big", method_id, key="first")
    assert pay_ach("inv-part", method_id, key="blocked", amount=5000)[1]["error"]["available"] == 0
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_failed", transfer_url("client-a", first["payment_id"])))
    assert Payment.get("client-a", first["payment_id"]).status == "failed"
    status, body, _ = pay_ach("inv-big", method_id, key="again")
    assert status == 201 and body["amount"] == 500000


# ---- micro-deposits ----------------------------------------------------------------------------------------------


def test_deposit_entries_are_whole_cents_under_10_and_spend_no_attempt(seeded):
    _, method, _ = link()
    method_id = method["payment_method_id"]
    simulate(seeded["ach"])
    before = table_snapshot()
    for bad in ([32, 45], [10, 3], [3, 0], [99, 9]):
        status, body, _ = verify(method_id, bad)
        assert (status, body["error"]["code"]) == (422, "invalid_amounts")
        assert "under 10 cents" in body["error"]["message"]
    assert table_snapshot() == before
    amounts = requests.get(
        f"{seeded['ach'].url}/sandbox/funding-sources/{fs_of(method_id).rsplit('/', 1)[1]}/micro-deposits", timeout=5
    ).json()
    assert amounts["attempts"] == 0  # Dwolla was never asked
    status, body, _ = verify(method_id, [3, 9])
    assert status == 200 and body["bank"]["status"] == "verified"


def test_dwollas_invalid_amount_is_never_a_permanent_failure(seeded):
    """Should Dwolla answer "Invalid amount." (its answer for an entry over $0.15), the client may try again."""
    _, method, _ = link()
    method_id = method["payment_method_id"]
    simulate(seeded["ach"])
    invalid = {
        "code": "ValidationError",
        "message": "Validation error(s) present. See embedded errors list for more details.",
        "_embedded": {"errors": [{"code": "Invalid", "message": "Invalid amount.", "path": ""}]},
    }
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={"path_prefix": "/funding-sources/", "method": "POST", "status": 400, "count": 1, "body": invalid},
    )
    before = table_snapshot()
    status, body, _ = verify(method_id, [3, 8])
    assert (status, body["error"]["code"]) == (422, "invalid_amounts")
    assert table_snapshot() == before  # still pending, no attempt counted
    assert verify(method_id, [3, 9])[1]["bank"]["status"] == "verified"


# ---- linking again -------------------------------------------------------------------------------------------------


def test_a_bank_removed_and_linked_again_within_24_hours_is_a_fresh_bank_with_fresh_deposits(seeded):
    method_id = verified_bank(seeded["ach"])
    old_fs = fs_of(method_id)
    assert call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": method_id})[0] == 204
    status, method, _ = link()  # the same account, the same details, minutes later
    assert status == 201 and method["bank"]["status"] == "verification_pending"
    new_fs = fs_of(method["payment_method_id"])
    assert new_fs != old_fs and api(seeded["ach"], "GET", new_fs).json()["removed"] is False
    assert verify(method["payment_method_id"], [3, 9])[1]["error"]["code"] == "micro_deposits_pending"  # new ones
    simulate(seeded["ach"])
    status, body, _ = verify(method["payment_method_id"], deposits(seeded["ach"], method["payment_method_id"]))
    assert status == 200 and body["bank"]["status"] == "verified"


def test_a_bank_that_failed_verification_can_be_linked_again_after_48_hours(seeded, at):
    """Dwolla: remove it, then "wait 48 hours after the initial funding source was added to re-add" it; before that
    it comes back as it was (too many attempts). The client is told when, and nothing is kept."""
    at(WEDNESDAY)
    _, method, _ = link()
    simulate(seeded["ach"])
    for _ in range(3):
        verify(method["payment_method_id"], [1, 2])
    old_fs = fs_of(method["payment_method_id"])
    # The sandbox's clock runs on from WEDNESDAY: its bank was created a moment later (seconds on a loaded machine).
    created = datetime.fromisoformat(api(seeded["ach"], "GET", old_fs).json()["created"].replace("Z", "+00:00"))
    assert WEDNESDAY <= created < WEDNESDAY + timedelta(minutes=1)
    assert (
        call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": method["payment_method_id"]})[0]
        == 204
    )
    at(WEDNESDAY + timedelta(hours=2))
    before = table_snapshot()
    status, body, _ = link()
    assert (status, body["error"]["code"]) == (409, "bank_account_relink_too_soon")
    after = created + timedelta(hours=48)  # 48 h after Dwolla created it: March 6 at 15:00 UTC and seconds
    assert datetime.fromisoformat(body["error"]["retry_after"].replace("Z", "+00:00")) == after
    assert "48 hours" in body["error"]["message"] and f"March 6 at {after:%H:%M} UTC" in body["error"]["message"]
    assert table_snapshot() == before
    assert api(seeded["ach"], "GET", old_fs).json()["removed"] is True  # not left counting among the banks
    at(after + timedelta(minutes=1))
    status, method, _ = link()
    assert status == 201 and fs_of(method["payment_method_id"]) != old_fs
    simulate(seeded["ach"])
    assert verify(method["payment_method_id"], [3, 9])[1]["bank"]["status"] == "verified"


def test_the_same_account_with_other_details_gets_its_own_code(seeded):
    link("555566667777")
    before = table_snapshot()
    for details in ({"account_type": "savings"}, {"holder": "Ann B. Archer"}):
        status, body, _ = link("555566667777", **details)
        assert (status, body["error"]["code"]) == (409, "bank_account_details_differ")
        assert "checking account in the name of Ann Archer" in body["error"]["message"]
        assert "remove it" in body["error"]["message"]
    assert table_snapshot() == before


# ---- customers and banks the processor restricts -------------------------------------------------------------------


def test_a_suspended_customer_cannot_start_a_bank_payment_and_the_merchant_is_told(seeded):
    """R10: Dwolla removes the bank, blocklists it and suspends the customer ("Transfer Failures"). A payment in
    flight from another bank is left to its own events."""
    other = verified_bank(seeded["ach"], account_number="123456780000")
    returned = verified_bank(seeded["ach"], account_number="123456780010")
    _, in_flight, _ = pay_ach("inv-full", other, key="in-flight")
    _, payment, _ = pay_ach("inv-part", returned, key="returned", amount=40000)
    queue_messages(seeded["receipt_queue"])
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_failed", transfer_url("client-a", payment["payment_id"])))
    deliver_and_apply(envelope("customer_suspended", customer_url()))  # Dwolla's own event: changes nothing more
    failure = Payment.get("client-a", payment["payment_id"])
    assert failure.failure_code == "R10" and "on hold" in failure.failure_message
    assert call("AccountFunction", method="GET")[1]["bank_payments"] == "suspended"
    listed = [m["payment_method_id"] for m in call("ListPaymentMethodsFunction")[1]["payment_methods"]]
    assert listed == [other]  # the returned bank is gone (removed at Dwolla)

    before = table_snapshot()
    status, body, _ = pay_ach("inv-part", other, key="after", amount=10000)
    assert (status, body["error"]["code"]) == (422, "bank_payments_suspended")
    assert "Pay by card" in body["error"]["message"] and "contact us" in body["error"]["message"]
    assert table_snapshot() == before

    deliver_and_apply(envelope("customer_transfer_completed", transfer_url("client-a", in_flight["payment_id"])))
    assert Payment.get("client-a", in_flight["payment_id"]).status == "succeeded"  # settled on its own event
    notices = [j for j in jobs(seeded) if j["kind"] == "ach_status"]
    assert [(j["status"], j["was"]) for j in notices] == [("suspended", "active")]
    [email] = [e for e in send_notices(seeded, notices) if "suspended" in e["subject"]]
    assert email["destinations"]["ToAddresses"] == ["office@acme.test"]
    assert email["subject"] == "Bank transfers suspended for Ann Archer" and "client-a" in email["body"]
    assert send_notices(seeded, notices) == [email]  # once per event, whatever is redelivered

    status, body, _ = link("123456780010", holder="Ann Archer")  # blocklisted by the R10
    assert (status, body["error"]["code"]) == (422, "bank_account_blocked")


def test_a_reactivated_customer_pays_again_even_when_the_event_was_lost(seeded):
    method_id = verified_bank(seeded["ach"], account_number="123456780007")  # R07: deactivated
    _, payment, _ = pay_ach("inv-part", method_id, key="returned", amount=40000)
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_failed", transfer_url("client-a", payment["payment_id"])))
    assert Client.get("client-a").ach_status == "deactivated"
    other = verified_bank(seeded["ach"], account_number="223456780000")
    before = table_snapshot()
    status, body, _ = pay_ach("inv-part", other, key="refused", amount=10000)
    assert (status, body["error"]["code"]) == (422, "bank_payments_deactivated")
    assert table_snapshot() == before
    queue_messages(seeded["receipt_queue"])
    # The merchant reactivates the customer at Dwolla ("Update a customer"); its customer_activated never arrives.
    assert api(seeded["ach"], "POST", customer_url(), json={"status": "reactivated"}).status_code == 200
    status, body, _ = pay_ach("inv-part", other, key="again", amount=10000)
    assert status == 201 and body["status"] == "processing"
    assert Client.get("client-a").ach_status is None
    assert call("AccountFunction", method="GET")[1]["bank_payments"] == "available"
    assert [j["status"] for j in jobs(seeded) if j["kind"] == "ach_status"] == ["active"]


def test_customer_events_follow_dwollas_status_in_any_order(seeded):
    verified_bank(seeded["ach"])
    url = customer_url()
    requests.post(
        f"{seeded['ach'].url}/sandbox/customers/{url.rsplit('/', 1)[1]}", json={"status": "suspended"}, timeout=5
    )
    activated_late = envelope("customer_activated", url)
    deliver_and_apply(envelope("customer_suspended", url))
    assert Client.get("client-a").ach_status == "suspended"
    deliver_and_apply(activated_late)  # an older event arriving later: the status is read again, still suspended
    assert Client.get("client-a").ach_status == "suspended"
    requests.post(
        f"{seeded['ach'].url}/sandbox/customers/{url.rsplit('/', 1)[1]}", json={"status": "unverified"}, timeout=5
    )
    deliver_and_apply(envelope("customer_activated", url))
    assert Client.get("client-a").ach_status is None
    before = table_snapshot()
    assert deliver_and_apply(envelope("customer_suspended", f"{seeded['ach'].url}/customers/unknown")) == (1, 0)
    assert [n for n, i in table_snapshot().items() if i != before[n]] == [n for n in before if n.endswith("events")]


def test_a_bank_unverified_by_a_return_asks_to_verify_again(seeded):
    """R22 unverifies the bank without removing it: new micro-deposits, the portal asks to verify again, the merchant
    is told; verified again, it pays again."""
    method_id = verified_bank(seeded["ach"], account_number="123456780022")
    _, payment, _ = pay_ach("inv-part", method_id, key="returned", amount=40000)
    queue_messages(seeded["receipt_queue"])
    simulate(seeded["ach"])
    fs = fs_of(method_id)
    deliver_and_apply(envelope("customer_funding_source_unverified", fs))  # before the transfer's own event
    deliver_and_apply(envelope("customer_transfer_failed", transfer_url("client-a", payment["payment_id"])))
    [listed] = call("ListPaymentMethodsFunction")[1]["payment_methods"]
    assert listed["bank"] | {"bank_name": None} == {
        "bank_name": None,
        "account_type": "checking",
        "last4": "0022",
        "status": "verification_pending",
        "verification_attempts_remaining": 3,
        "verify_again": True,
    }
    assert listed["default"] is False
    assert "verify it again" in Payment.get("client-a", payment["payment_id"]).failure_message
    before = table_snapshot()
    assert (
        pay_ach("inv-part", method_id, key="unverified", amount=10000)[1]["error"]["code"]
        == "bank_account_not_verified"
    )
    assert table_snapshot() == before
    notices = [j for j in jobs(seeded) if j["kind"] == "bank_unverified"]
    assert len(notices) == 1
    [email] = send_notices(seeded, notices)
    assert email["subject"] == "Bank account of Ann Archer needs verifying again" and "ending in 0022" in email["body"]
    assert verify(method_id, [3, 9])[1]["error"]["code"] == "micro_deposits_pending"  # the new ones are on their way
    simulate(seeded["ach"])
    status, body, _ = verify(method_id, [3, 9])
    assert status == 200 and body["bank"] | {"bank_name": None} == listed["bank"] | {
        "bank_name": None,
        "status": "verified",
        "verification_attempts_remaining": None,
        "verify_again": False,
    }


def test_r20_removes_the_bank_and_it_cannot_be_linked_again(seeded):
    method_id = verified_bank(seeded["ach"], account_number="123456780020")
    _, payment, _ = pay_ach("inv-part", method_id, key="returned", amount=40000)
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_funding_source_removed", fs_of(method_id)))
    deliver_and_apply(envelope("customer_transfer_failed", transfer_url("client-a", payment["payment_id"])))
    assert call("ListPaymentMethodsFunction")[1]["payment_methods"] == []
    assert "removed this bank account" in Payment.get("client-a", payment["payment_id"]).failure_message
    assert call("AccountFunction", method="GET")[1]["bank_payments"] == "available"  # R20 restricts no customer
    before = table_snapshot()
    status, body, _ = link("123456780020")
    assert (status, body["error"]["code"]) == (422, "bank_account_blocked")
    assert "another account" in body["error"]["message"] and "R20" not in body["error"]["message"]
    assert table_snapshot() == before


# ---- the client told the deposits arrived -------------------------------------------------------------------------


def test_the_client_is_emailed_once_when_the_micro_deposits_arrive(seeded):
    _, method, _ = link()
    fs = fs_of(method["payment_method_id"])
    simulate(seeded["ach"])
    queue_messages(seeded["receipt_queue"])
    arrived = envelope("customer_microdeposits_completed", fs)
    deliver_and_apply(arrived)
    deliver_and_apply(arrived)  # Dwolla delivers it again
    notices = jobs(seeded)
    assert [j["kind"] for j in notices] == ["micro_deposits_arrived"]
    [email] = send_notices(seeded, notices + notices)
    assert email["destinations"]["ToAddresses"] == ["ann@example.test"]
    assert email["subject"] == "Verify your bank account ending in 0000"
    assert "under 10 cents" in email["body"] and "https://portal.acme.test/account" in email["body"]
    verify(method["payment_method_id"], [3, 9])
    deliver_and_apply(envelope("customer_microdeposits_completed", fs))  # verified meanwhile: no email
    assert jobs(seeded) == []


# ---- names -------------------------------------------------------------------------------------------------------------


def test_a_business_client_with_forbidden_characters_links_a_bank(seeded):
    """Dwolla refuses [<>="`!?%~${}\\] in names; a business gives its name as businessName."""
    Client("client-a").update(
        actions=[
            Client.name.set('Yahoo! "Search" <West> 100%'),
            Client.business.set(True),
            Client.contact_name.set("Ann O'Neil-Archer"),
        ]
    )
    status, method, _ = link()
    assert status == 201
    [customer] = seeded["ach"].customers.values()
    assert (customer["firstName"], customer["lastName"]) == ("Ann", "O'Neil-Archer")
    assert customer["businessName"] == "Yahoo 'Search' (West) 100 percent"
    Client("client-b").update(actions=[Client.name.set("Bob {the} Builder?")])
    assert link("987600001111", client_id="client-b", holder="Bob")[0] == 201
    bob = next(c for c in seeded["ach"].customers.values() if c["email"] == "bob@example.test")
    assert (bob["firstName"], bob["lastName"], bob["businessName"]) == ("Bob", "(the) Builder", None)


# ---- reconciliation -------------------------------------------------------------------------------------------------


def run_reconciliation(monkeypatch, shift=timedelta(hours=2)) -> dict:
    from functions.reconcile_job import app as reconcile_app

    real_now = clock.now()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: real_now + shift)
        return reconcile_app.handler({"source": "aws.scheduler"}, LambdaContext(function_name="ReconcileJobFunction"))[
            "ach_accounts"
        ]


def test_reconciliation_applies_bank_account_changes_whose_events_were_lost(seeded, monkeypatch):
    _, verified_elsewhere, _ = link("111100002222")
    _, bounced, _ = link("123456789003", holder="Ann Archer")  # its deposits bounce
    _, removed, _ = link("333300004444", client_id="client-b", holder="Bob Baker")  # Dwolla: 2 banks a customer
    simulate(seeded["ach"])
    fs = fs_of(verified_elsewhere["payment_method_id"])
    api(
        seeded["ach"],
        "POST",
        f"{fs}/micro-deposits",
        json={"amount1": {"value": "0.03", "currency": "USD"}, "amount2": {"value": "0.09", "currency": "USD"}},
    )
    api(seeded["ach"], "POST", fs_of(removed["payment_method_id"], "client-b"), json={"removed": True})
    before = table_snapshot()
    assert run_reconciliation(monkeypatch, shift=timedelta(minutes=30))["banks_checked"] == 0  # too recent
    assert table_snapshot() == before
    report = run_reconciliation(monkeypatch)
    assert (report["banks_checked"], report["banks_updated"]) == (3, 3)
    listed = {
        m["payment_method_id"]: m["bank"]["status"] for m in call("ListPaymentMethodsFunction")[1]["payment_methods"]
    }
    assert listed == {
        verified_elsewhere["payment_method_id"]: "verified",
        bounced["payment_method_id"]: "verification_failed",
    }
    assert call("ListPaymentMethodsFunction", client_id="client-b")[1]["payment_methods"] == []
    assert run_reconciliation(monkeypatch)["banks_checked"] == 0  # none is waiting any more


def test_reconciliation_settles_an_ach_refund_whose_event_was_lost(seeded, monkeypatch):
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", transfer_url("client-a", payment["payment_id"])))
    requests.post(
        f"{seeded['ach'].url}/sandbox/faults",
        timeout=5,
        json={  # the credit's answer is lost
            "path_prefix": "/transfers",
            "method": "POST",
            "status": 503,
            "count": 5,
            "after_commit": True,
        },
    )
    status, _, _ = call(
        "AdminRefundsFunction",
        path_parameters={"payment_id": payment["payment_id"]},
        body={"amount": 15000, "reason": "Discount"},
        headers={"Idempotency-Key": "r1"},
        claims=ADMIN,
    )
    assert status == 503
    requests.delete(f"{seeded['ach'].url}/sandbox/faults", timeout=5)
    [refund] = list(Refund.query("client-a"))
    assert (refund.status, refund.processor_refund_id) == ("pending", None)
    simulate(seeded["ach"])  # the credit transfer settles; its events are lost
    report = run_reconciliation(monkeypatch)
    assert (report["refunds_checked"], report["refunds_applied"], report["needs_attention"]) == (1, 1, 0)
    assert Refund.get("client-a", refund.refund_id).status == "succeeded"
    assert invoice_numbers() == ("partially_paid", 25000, 0, 75000)
    assert len([t for t in seeded["ach"].transfers.values() if t.correlation_id]) == 2  # debit and credit: one each
    before = table_snapshot()
    assert run_reconciliation(monkeypatch)["refunds_checked"] == 0
    assert table_snapshot() == before

"""The local stack's test clock, as anyone trying the stack uses it: move the stack's time (POST /_local/clock), run
the daily job now (POST /_local/schedules/DueDateJobFunction) and read what happened through the API and the
emails the stack sent: autopay's notice and charge on an installment's day, reminders and a late fee per
installment, an extension request going stale. Forward only; DELETE returns to real time."""

import time
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from infra.demo import Portal, confirm_card, sent_emails
from infra.local_stack import ADMIN_LOGIN
from tests.e2e.test_local_stack import http, stack_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
ZONE = ZoneInfo("America/New_York")  # the template's MerchantTimeZone default, which the stack uses


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("clock-stack")) as stack:
        yield stack


def clock(stack, method="GET", **body):
    return http().request(method, f"{stack['api_url']}/_local/clock", json=body or None, timeout=10)


def move_to(stack, day: date, hour: int = 9):
    moved = clock(stack, "POST", now=datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).isoformat())
    assert moved.status_code == 200, moved.text
    return moved.json()


def run_job(stack) -> dict:
    report = http().post(f"{stack['api_url']}/_local/schedules/DueDateJobFunction", timeout=60)
    assert report.status_code == 200, report.text
    return report.json()


def email(stack, part: str, timeout: float = 15) -> dict:
    """The first email whose subject has `part` (the notice worker sends a moment after the job queues)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in sent_emails(stack) if part in m.get("subject", "")]
        if found:
            return found[0]
        time.sleep(0.25)
    pytest.fail(f"no email with {part!r}: {[m.get('subject') for m in sent_emails(stack)]}")


def admin(stack) -> Portal:
    staff = Portal.__new__(Portal)
    staff.stack, staff.http = stack, http()
    staff.http.headers["Authorization"] = "Bearer " + Portal(stack, ADMIN_LOGIN).token
    return staff


def test_moving_the_stacks_clock_runs_autopay_reminders_fees_and_stale_extensions(stack):
    assert clock(stack).json()["real_time"] is True
    today = datetime.now(ZONE).date()
    ben = Portal(stack, "ben@birch.test")
    staff = admin(stack)
    settings = http().get(f"{stack['api_url']}/portal-settings", timeout=10).json()

    # Ben saves a card while paying part of an invoice, and turns autopay on with it.
    started = ben.post(
        f"/invoices/{ben.client_id}-partial/payments",
        {"method": "card", "amount": 5000, "save_payment_method": True},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    confirm_card(stack, started.json()["client_secret"])
    deadline = time.monotonic() + 15
    while not (methods := ben.get("/payment-methods").json()["payment_methods"]) and time.monotonic() < deadline:
        time.sleep(0.25)
    card = methods[0]["payment_method_id"]
    on = ben.http.put(
        f"{stack['api_url']}/account/autopay",
        timeout=30,
        json={
            "payment_method_id": card,
            "authorization": {"accepted": True, "text": settings["autopay_authorization_text"]},
        },
    )
    assert on.status_code == 200, on.text

    # The merchant splits two invoices into installments.
    first, second = today + timedelta(days=12), today + timedelta(days=42)
    full = staff.post(
        f"/admin/clients/{ben.client_id}/invoices/{ben.client_id}-full/payment-plan",
        {
            "installments": [
                {"amount": 125000, "due_date": first.isoformat()},
                {"amount": 125000, "due_date": second.isoformat()},
            ]
        },
        headers={"Idempotency-Key": "plan-full"},
    )
    assert full.status_code == 201, full.text
    overdue = ben.get(f"/invoices/{ben.client_id}-overdue").json()
    half = overdue["balance"] // 2
    fee_plan = staff.post(
        f"/admin/clients/{ben.client_id}/invoices/{ben.client_id}-overdue/payment-plan",
        {
            "installments": [
                {"amount": half, "due_date": (today + timedelta(days=5)).isoformat()},
                {"amount": overdue["balance"] - half, "due_date": (today + timedelta(days=20)).isoformat()},
            ]
        },
        headers={"Idempotency-Key": "plan-overdue"},
    )
    assert fee_plan.status_code == 201, fee_plan.text
    # And Ben asks for more time on another.
    partly = ben.get(f"/invoices/{ben.client_id}-partly-paid").json()
    asked_for = date.fromisoformat(partly["due_date"]) + timedelta(days=10)
    ext = ben.post(
        f"/invoices/{partly['invoice_id']}/extension-requests",
        {"requested_due_date": asked_for.isoformat(), "reason": "Quarter-end cash flow."},
    ).json()

    # 11 days before the first installment: autopay's notice.
    move_to(stack, first - timedelta(days=11))
    assert run_job(stack)["autopay"]["notices"] >= 1
    notice = email(stack, "will be charged $1,250.00")
    assert "Visa ending in 4242" in notice["subject"]
    # The installment's day: charged with the saved card, off-session; the receipt follows. The overdue invoice's
    # first installment (due 7 days ago, 5 days' grace) gets its late fee.
    move_to(stack, first)
    report = run_job(stack)
    assert report["autopay"]["succeeded"] == 1
    assert [f for i, f in report["fees_applied"] if i == f"{ben.client_id}-overdue"] == [2500]
    invoice = ben.get(f"/invoices/{ben.client_id}-full").json()
    assert [i["status"] for i in invoice["payment_plan"]["installments"]] == ["paid", "due"]
    [charged] = [p for p in invoice["payments"] if p["amount"] == 125000]
    assert charged["status"] == "succeeded" and charged["card"] == {"brand": "visa", "last4": "4242"}
    email(stack, "Receipt")

    # Autopay off: the second installment gets a reminder 7 days before; the overdue invoice's second installment
    # its own late fee, once.
    assert ben.http.delete(f"{stack['api_url']}/account/autopay", timeout=30).status_code == 204
    move_to(stack, second - timedelta(days=7))
    report = run_job(stack)
    assert report["reminders"] >= 1
    assert [f for i, f in report["fees_applied"] if i == f"{ben.client_id}-overdue"] == [2500]
    email(stack, "is due in 7 days")
    move_to(stack, second - timedelta(days=6))
    assert run_job(stack)["fees_applied"] == []  # once per installment
    assert ben.get(f"/invoices/{ben.client_id}-overdue").json()["fees"] == overdue["fees"] + 5000

    # The extension request went stale: its date passed with no answer. It can only be declined, with a note.
    late = staff.post(f"/admin/extension-requests/{ext['extension_request_id']}/approve", {})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "extension_request_expired")
    declined = staff.post(
        f"/admin/extension-requests/{ext['extension_request_id']}/decline",
        {"note": "That date has passed; please call us."},
    )
    assert declined.status_code == 200 and declined.json()["note"] == "That date has passed; please call us."

    # Forward only; DELETE: real time again.
    back = clock(stack, "POST", now=datetime.now(ZONE).isoformat())
    assert (back.status_code, back.json()["error"]["code"]) == (409, "clock_cannot_go_back")
    assert clock(stack, "DELETE").json()["real_time"] is True
    assert abs(datetime.fromisoformat(clock(stack).json()["now"]) - datetime.now(ZONE)) < timedelta(seconds=30)


def test_a_time_without_its_offset_is_refused(stack):
    refused = clock(stack, "POST", now="2030-01-01T09:00:00")
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_time")
    assert clock(stack).json()["real_time"] is True
    assert requests.Session().request("PATCH", f"{stack['api_url']}/_local/clock", timeout=10).status_code == 405

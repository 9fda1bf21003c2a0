"""Notices say what is true when they are sent: the overdue notice after the job charged the late fee names
the fee (it used to say "a late fee may apply"); with a grace period, before the fee, it says one may."""

import pytest

from infra.seed import put_client, put_invoice
from tests.helpers import sent_emails
from tests.integration.test_due_dates import deliver_jobs, run_job


@pytest.fixture
def client(aws):
    put_client("c1", name="Cora", billing_email="cora@example.test")
    return aws


def overdue_email(aws) -> str:
    [email] = [e for e in sent_emails(aws["moto"]) if e["subject"] == "Invoice INV-1 is overdue"]
    return email["body"]


def test_overdue_notice_names_the_fee_it_comes_with(client, frozen):
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
    deliver_jobs(client)
    body = overdue_email(client)
    assert "A late fee of $25.00 has been added to this invoice" in body and "may apply" not in body
    assert "$525.00" in body  # the amount due includes it


def test_overdue_notice_in_the_grace_period_says_a_fee_may_apply(client, frozen):
    put_invoice(
        "c1",
        "i1",
        number="INV-1",
        total=50000,
        due_date="2026-12-10",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 5},
    )
    frozen("2026-12-11")
    assert run_job()["fees_applied"] == []
    deliver_jobs(client)
    assert "a late fee may apply" in overdue_email(client)


def test_no_fee_policy_no_fee_sentence(client, frozen):
    put_invoice("c1", "i1", number="INV-1", total=50000, due_date="2026-12-10", late_fee={"kind": "none"})
    frozen("2026-12-11")
    run_job()
    deliver_jobs(client)
    assert "late fee" not in overdue_email(client).lower()

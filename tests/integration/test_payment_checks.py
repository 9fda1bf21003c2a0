""" "Did it go through?": GET /payments/{id} of a payment waiting more than a minute asks the processor
(rate-limited) and applies its answer through the webhook's code path; here the webhook is never sent."""

from datetime import timedelta

import pytest

from shared.aws.models import ProcessedEvent
from shared.domain import clock
from shared.services.reconciliation import reconcile_one
from tests.drivers.ach import pay_ach, simulate, verified_bank
from tests.drivers.stripe import forward_localstripe_events
from tests.helpers import call, table_snapshot
from tests.integration.test_reconciliation import (
    card_payment,
    confirm_at_stripe,
    intent_of,
    invoice_numbers,
    jobs,
)


def read(payment_id, after=timedelta(0), start=None, **kwargs):
    """GET /payments/{id} as the portal sends it, `after` from `start` (default: now)."""
    moment = (start or clock.now()) + after
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: moment)
        return call("GetPaymentFunction", path_parameters={"payment_id": payment_id}, **kwargs)


def activity(payment_id, invoice_id="inv-part"):
    """What the client reads of the invoice's ledger for one payment: (kind, amount) in order."""
    status, invoice, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": invoice_id})
    assert status == 200
    return [(e["kind"], e["amount"]) for e in invoice["activity"] if e["payment_id"] == payment_id]


def test_a_card_success_whose_webhook_was_lost_is_found_by_reading_the_payment(seeded):
    payment = card_payment(amount=30000)
    assert confirm_at_stripe(seeded, payment)["status"] == "succeeded"  # the webhook is deliberately not sent
    jobs(seeded)

    # Within the first minute the stored answer is given as it is: the webhook normally arrives by then.
    status, body, _ = read(payment["payment_id"], timedelta(seconds=30))
    assert (status, body["status"]) == (200, "pending")
    assert invoice_numbers() == ("open", 0, 0, 100000)

    status, body, _ = read(payment["payment_id"], timedelta(seconds=90))
    assert (status, body["status"], body["receipt_reference"] is not None) == (200, "succeeded", True)
    assert invoice_numbers() == ("partially_paid", 30000, 0, 70000)
    assert activity(payment["payment_id"]) == [("payment_received", 30000)]  # posted on the ledger, once
    assert jobs(seeded) == ["receipt"]  # what the webhook would have queued
    # Recorded as an event of the reconciliation path: the late webhook then changes nothing.
    assert ProcessedEvent.get(f"reconcile:{payment['payment_id']}:succeeded")
    before = table_snapshot()
    forward_localstripe_events(seeded["stripe"].url, intent_of(payment))
    assert invoice_numbers() == ("partially_paid", 30000, 0, 70000)
    assert activity(payment["payment_id"]) == [("payment_received", 30000)]
    assert {k: v for k, v in table_snapshot().items() if not k.endswith("events")} == {
        k: v for k, v in before.items() if not k.endswith("events")
    }


def test_a_card_decline_whose_webhook_was_lost_shows_its_reason(seeded):
    payment = card_payment(amount=30000)
    confirm_at_stripe(seeded, payment, card="4000000000000341")  # attaches, then declines: no webhook sent
    status, body, _ = read(payment["payment_id"], timedelta(minutes=2))
    assert (status, body["status"]) == (200, "failed")
    assert body["failure"]["code"] and body["failure"]["message"]
    assert invoice_numbers() == ("open", 0, 0, 100000)


def test_the_processor_is_asked_at_most_once_per_interval(seeded):
    payment = card_payment(amount=30000)  # never confirmed: Stripe has nothing to say yet
    before = table_snapshot()
    asked = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "shared.services.reconciliation.reconcile_one",  # imported from there at each check
            lambda *a, **k: asked.append(1) or reconcile_one(*a, **k),
        )
        start = clock.now()
        for seconds in (61, 62, 75, 90):  # three tabs polling
            assert read(payment["payment_id"], timedelta(seconds=seconds), start)[1]["status"] == "pending"
        assert len(asked) == 1
        read(payment["payment_id"], timedelta(seconds=92), start)  # 30 s after the first check
        assert len(asked) == 2
    # Only the check's own time stamp changed: no money, no event.
    after = table_snapshot()
    assert {k: v for k, v in after.items() if not k.endswith("payments")} == {
        k: v for k, v in before.items() if not k.endswith("payments")
    }


def test_a_settled_payment_is_never_sent_to_the_processor(seeded):
    payment = card_payment(amount=30000)
    confirm_at_stripe(seeded, payment)
    forward_localstripe_events(seeded["stripe"].url, intent_of(payment))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "shared.services.reconciliation.reconcile_one",  # imported from there at each check
            lambda *a, **k: pytest.fail("a settled payment asked the processor"),
        )
        before = table_snapshot()
        assert read(payment["payment_id"], timedelta(hours=1))[1]["status"] == "succeeded"
        assert table_snapshot() == before


def test_an_ach_transfer_that_completed_without_a_webhook(seeded):
    method_id = verified_bank(seeded["ach"])
    _, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    simulate(seeded["ach"])  # the sandbox completes the transfer; its webhook is not delivered
    status, body, _ = read(payment["payment_id"], timedelta(minutes=5))
    assert (status, body["status"]) == (200, "succeeded")
    assert invoice_numbers() == ("partially_paid", 40000, 0, 60000)


def test_unknown_and_foreign_payments_are_404_and_change_nothing(seeded):
    payment = card_payment(amount=30000)
    before = table_snapshot()
    for payment_id, client_id in (("pay_missing", "client-a"), (payment["payment_id"], "client-b")):
        status, body, _ = read(payment_id, timedelta(minutes=5), client_id=client_id)
        assert (status, body["error"]["code"]) == (404, "payment_not_found")
    assert table_snapshot() == before

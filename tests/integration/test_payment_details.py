"""What a payment tells the portal without a second request: its invoice number, the decline that led to its
replacement, its receipt reference, and for a bank transfer the debit authorization the client accepted."""

from infra.seed import put_invoice
from shared.aws.models import Payment
from shared.domain import merchant
from shared.domain.ach_authorization import authorization_text
from tests.drivers.ach import accepted_authorization, pay_ach, verified_bank
from tests.drivers.stripe import deliver
from tests.helpers import call, intent_event, table_snapshot
from tests.integration.test_ach import transfers_at_sandbox


def start_card(invoice_id="inv-full", key="k1", **body):
    return call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": invoice_id},
        body={"method": "card", **body},
        headers={"Idempotency-Key": key},
    )


def decline(payment: dict, event_id="evt_decline") -> None:
    """Stripe's payment_intent.payment_failed for the payment's intent (insufficient funds)."""
    stored = Payment.get("client-a", payment["payment_id"])
    deliver(
        intent_event(
            "payment_intent.payment_failed",
            intent_id=stored.processor_payment_id,
            amount=stored.amount,
            client_id="client-a",
            invoice_id=stored.invoice_id,
            payment_id=stored.payment_id,
            event_id=event_id,
            last_payment_error={"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"},
        )
    )


def test_payments_carry_their_invoice_number_in_every_read(seeded):
    status, created, _ = start_card()
    assert status == 201 and created["invoice_number"] == "INV-1001"
    _, history, _ = call("ListPaymentsFunction")
    assert [p["invoice_number"] for p in history["payments"]] == ["INV-1001"]
    _, one, _ = call("GetPaymentFunction", path_parameters={"payment_id": created["payment_id"]})
    assert one["invoice_number"] == "INV-1001"


def test_a_declined_payment_replaced_by_a_new_one_keeps_its_decline_reason(seeded):
    _, first, _ = start_card(key="first")
    decline(first)
    _, declined, _ = call("GetPaymentFunction", path_parameters={"payment_id": first["payment_id"]})
    assert declined["status"] == "failed" and declined["failure"]["code"] == "insufficient_funds"

    status, second, _ = start_card(key="second")  # "Try a different payment method": the first is canceled
    assert status == 201
    _, history, _ = call("ListPaymentsFunction")
    replaced = next(p for p in history["payments"] if p["payment_id"] == first["payment_id"])
    assert replaced["status"] == "canceled"
    assert replaced["failure"] == declined["failure"]
    assert next(p for p in history["payments"] if p["payment_id"] == second["payment_id"])["failure"] is None


def test_receipt_reference_once_the_money_arrived(seeded):
    _, payment, _ = start_card()
    assert payment["receipt_reference"] is None  # pending: no receipt yet
    stored = Payment.get("client-a", payment["payment_id"])
    deliver(
        intent_event(
            "payment_intent.succeeded",
            intent_id=stored.processor_payment_id,
            amount=125000,
            client_id="client-a",
            invoice_id="inv-full",
            payment_id=stored.payment_id,
            event_id="evt_ok",
        )
    )
    _, paid, _ = call("GetPaymentFunction", path_parameters={"payment_id": payment["payment_id"]})
    reference = paid["receipt_reference"]
    assert len(reference) == 14 and reference[4] == reference[9] == "-"
    # The same number the receipt email shows (shared/emails/receipts.py), stable across reads.
    assert (
        call("GetPaymentFunction", path_parameters={"payment_id": payment["payment_id"]})[1]["receipt_reference"]
        == reference
    )


def test_card_payments_below_stripes_minimum_are_refused_before_stripe(seeded):
    put_invoice("client-a", "inv-tiny", number="INV-1010", total=30, due_date="2026-12-31")
    before = table_snapshot()
    status, body, _ = start_card("inv-tiny", key="tiny")
    assert (status, body["error"]["code"]) == (422, "amount_below_card_minimum")
    assert "$0.50" in body["error"]["message"]
    assert table_snapshot() == before


# ---- the ACH debit authorization ---------------------------------------------------------------------------


def test_an_ach_payment_records_the_authorization_the_client_accepted(seeded):
    method_id = verified_bank(seeded["ach"])
    status, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    assert status == 201
    authorization = payment["ach_authorization"]
    assert authorization["text"] == authorization_text(merchant.from_environment())
    assert "Acme Bookkeeping" in authorization["text"] and "help@acme.test" in authorization["text"]
    assert (
        authorization["payment_method_id"],
        authorization["last4"],
        authorization["amount"],
        authorization["currency"],
    ) == (method_id, "0000", 40000, "usd")
    assert authorization["accepted_at"] == payment["created_at"]
    # Kept on the record itself (payments are never deleted), and in every later read.
    stored = Payment.get("client-a", payment["payment_id"]).ach_authorization
    assert (stored.text, stored.bank_last4, stored.amount) == (authorization["text"], "0000", 40000)
    _, history, _ = call("ListPaymentsFunction")
    assert history["payments"][0]["ach_authorization"] == authorization


def test_an_ach_payment_without_the_accepted_authorization_is_refused_and_changes_nothing(seeded):
    method_id = verified_bank(seeded["ach"])
    text = authorization_text(merchant.from_environment())
    cases = [
        (None, 400, "ach_authorization_required"),
        ({"accepted": False, "text": text}, 400, "ach_authorization_required"),
        ({"accepted": "true", "text": text}, 400, "ach_authorization_required"),
        ({"accepted": True}, 400, "ach_authorization_required"),
        ({"accepted": True, "text": text, "ip": "x"}, 400, "ach_authorization_required"),
        ("yes", 400, "ach_authorization_required"),
        ({"accepted": True, "text": "I agree."}, 422, "ach_authorization_outdated"),
        ({"accepted": True, "text": text + " "}, 422, "ach_authorization_outdated"),
    ]
    before = table_snapshot()
    for n, (authorization, want_status, code) in enumerate(cases):
        body = {"method": "ach", "payment_method_id": method_id, "amount": 40000}
        if authorization is not None:
            body["ach_authorization"] = authorization
        status, answer, _ = call(
            "CreatePaymentFunction",
            path_parameters={"invoice_id": "inv-part"},
            body=body,
            headers={"Idempotency-Key": f"no-auth-{n}"},
        )
        assert (status, answer["error"]["code"]) == (want_status, code), authorization
    status, answer, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "ach_authorization": accepted_authorization()},
        headers={"Idempotency-Key": "card-with-auth"},
    )
    assert (status, answer["error"]["code"]) == (422, "invalid_field")
    assert table_snapshot() == before
    assert transfers_at_sandbox(seeded) == []  # nothing was debited

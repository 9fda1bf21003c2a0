"""POST /payments (several invoices, one payment) and POST /payments/quote, through the handlers on moto and
localstripe: one PaymentIntent or one debit for the sum, allocated to each invoice in one unit of work; refunds,
chargebacks and bank returns allocated back in order; the card fee on credit cards only."""

import pytest
import requests

from infra.seed import days_from_today, put_invoice
from shared.aws.models import Invoice, Payment, PaymentLink, Refund
from shared.aws.store import money_of
from shared.domain import surcharges
from shared.http.request_schemas import MAX_INVOICES
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import accepted_authorization, deliver_and_apply, envelope, simulate, verified_bank
from tests.drivers.stripe import deliver, deliver_new
from tests.helpers import aws_client, books_hold, call, intent_event, queue_messages, table_snapshot
from tests.integration.test_disputes import dispute, event
from tests.integration.test_refunds import refund

PAY = "PayInvoicesFunction"
BOTH = ["inv-part", "inv-full"]  # inv-full is due first: it is allocated first
AUTH = (STRIPE_API_KEY, "")


def pay(body, key="multi-1", client_id="client-a"):
    return call(
        PAY,
        method="POST",
        path_suffix="/payments",
        body=body,
        headers={"Idempotency-Key": key} if key is not None else {},
        client_id=client_id,
    )


def quote(body, client_id="client-a"):
    return call(PAY, path_suffix="/quote", body=body, client_id=client_id)


def new_card(seeded, number="4242424242424242") -> str:
    """A card as Stripe.js's createPaymentMethod makes it (with the publishable key)."""
    made = requests.post(
        f"{seeded['stripe'].url}/v1/payment_methods",
        timeout=5,
        data={
            "key": "pk_test_portal",
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    )
    assert made.status_code == 200, made.text
    return made.json()["id"]


def intents(seeded) -> list[dict]:
    return [
        r
        for r in requests.get(f"{seeded['stripe'].url}/_config/shim/requests", timeout=5).json()
        if r["path"] == "/v1/payment_intents" and r["method"] == "POST"
    ]


def numbers(invoice_id):
    books_hold("client-a", invoice_id)  # every account of the invoice and its payments agrees with the journal
    invoice = Invoice.get("client-a", invoice_id)
    return invoice.status, invoice.amount_paid, invoice.amount_pending, money_of(invoice).balance, invoice.card_fees


def detail(invoice_id):
    status, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": invoice_id})
    assert status == 200
    return body


def succeed(payment_id, *, event_id="evt_multi_paid", amount=None):
    payment = Payment.get("client-a", payment_id)
    deliver_new(
        "payment_intent.succeeded",
        intent_event(
            "payment_intent.succeeded",
            intent_id=payment.processor_payment_id,
            amount=amount or payment.amount,
            client_id="client-a",
            invoice_id=payment.invoice_id,
            payment_id=payment_id,
            event_id=event_id,
        )["data"]["object"],
        event_id=event_id,
    )


@pytest.fixture
def card_fee(seeded, monkeypatch):
    """A 3 % card fee on credit cards, switched on."""
    monkeypatch.setenv("CARD_FEE_BASIS_POINTS", "300")
    surcharges.forget_switch()
    return seeded


# ---- one card payment for several invoices ------------------------------------------------------------------------


def test_one_payment_intent_for_the_sum_allocated_to_each_invoice_when_it_succeeds(seeded):
    status, body, headers = pay({"invoice_ids": BOTH, "method": "card"})
    assert status == 201 and headers["Idempotent-Replayed"] == "false"
    assert (body["amount"], body["card_fee"], body["invoice_id"], body["status"]) == (225000, 0, "inv-full", "pending")
    assert body["allocations"] == [
        {"invoice_id": "inv-full", "invoice_number": "INV-1001", "amount": 125000, "card_fee": 0},
        {"invoice_id": "inv-part", "invoice_number": "INV-1002", "amount": 100000, "card_fee": 0},
    ]
    assert body["client_secret"].startswith("pi_")
    [sent] = intents(seeded)
    assert sent["params"]["amount"] == "225000"
    assert sent["params"]["metadata"] == {
        "client_id": "client-a",
        "invoice_id": "inv-full",
        "payment_id": body["payment_id"],
        "invoice_count": "2",
        "card_fee": "0",
    }
    assert sent["params"]["description"] == "Acme Bookkeeping invoices INV-1001, INV-1002"
    # Each invoice points at its checkout; the second lists the payment through its link.
    assert {Invoice.get("client-a", i).open_payment_id for i in BOTH} == {body["payment_id"]}
    assert [p["payment_id"] for p in detail("inv-part")["payments"]] == [body["payment_id"]]

    succeed(body["payment_id"])
    assert numbers("inv-full") == ("paid", 125000, 0, 0, 0)
    assert numbers("inv-part") == ("paid", 100000, 0, 0, 0)
    for invoice_id, amount in (("inv-full", 125000), ("inv-part", 100000)):
        shown = detail(invoice_id)
        assert shown["activity"][-1] == {
            "kind": "payment_received",
            "amount": amount,
            "at": shown["activity"][-1]["at"],
            "payment_id": body["payment_id"],
            "refund_id": None,
        }
        assert shown["payments"][0]["payment_id"] == body["payment_id"]
        assert shown["payments"][0]["status"] == "succeeded"
    assert Payment.get("client-a", body["payment_id"]).balance_map() == {
        "payer": -225000,
        "paid:inv-full": 125000,
        "paid:inv-part": 100000,
    }
    # One receipt for the payment; GET /payments lists it once.
    assert len([m for m in queue_messages(seeded["receipt_queue"]) if '"receipt"' in m["Body"]]) == 1
    status, listed, _ = call("ListPaymentsFunction")
    assert [p["payment_id"] for p in listed["payments"]] == [body["payment_id"]]
    status, filtered, _ = call("ListPaymentsFunction", query={"invoice_id": "inv-part"})
    assert [p["payment_id"] for p in filtered["payments"]] == [body["payment_id"]]


def test_the_same_key_returns_the_same_payment_and_another_body_is_refused(seeded):
    _, first, _ = pay({"invoice_ids": BOTH, "method": "card"}, key="again")
    status, second, headers = pay({"invoice_ids": BOTH, "method": "card"}, key="again")
    assert (status, headers["Idempotent-Replayed"], second["payment_id"]) == (201, "true", first["payment_id"])
    assert len(intents(seeded)) == 1
    before = table_snapshot()
    status, body, _ = pay({"invoice_ids": ["inv-full"], "method": "card"}, key="again")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")
    assert table_snapshot() == before


def test_a_link_is_never_a_payment(seeded):
    _, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    link = f"{body['payment_id']}#inv-part"
    assert PaymentLink.get("client-a", link).invoice_id == "inv-part"
    # (A "#" reaches a handler only percent-encoded: API Gateway decodes it into the path parameter.)
    from shared.books.dynamo import DynamoRepository
    from shared.http.errors import NotFound
    from shared.services.queries import get_payment

    with pytest.raises(NotFound):
        get_payment("client-a", link)
    assert DynamoRepository().payment_by_id(link) is None


def test_a_new_payment_replaces_each_invoices_unconfirmed_checkout(seeded):
    _, single, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card"},
        headers={"Idempotency-Key": "single"},
    )
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    assert status == 201
    assert Payment.get("client-a", single["payment_id"]).status == "canceled"
    assert Invoice.get("client-a", "inv-part").open_payment_id == body["payment_id"]


# ---- one debit for several invoices ----------------------------------------------------------------------------------


def test_one_debit_for_the_sum_is_in_flight_on_each_invoice_then_settles_on_each(seeded):
    bank = verified_bank(seeded["ach"])
    status, body, _ = pay(
        {"invoice_ids": BOTH, "method": "ach", "payment_method_id": bank, "ach_authorization": accepted_authorization()}
    )
    assert status == 201 and (body["status"], body["amount"]) == ("processing", 225000)
    assert body["ach_authorization"]["amount"] == 225000
    assert numbers("inv-full") == ("processing", 0, 125000, 0, 0)
    assert numbers("inv-part") == ("processing", 0, 100000, 0, 0)
    payment = Payment.get("client-a", body["payment_id"])
    assert payment.processor_payment_id  # one transfer, for the sum
    simulate(seeded["ach"])
    deliver_and_apply(envelope("customer_transfer_completed", payment.processor_payment_id))
    assert numbers("inv-full") == ("paid", 125000, 0, 0, 0)
    assert numbers("inv-part") == ("paid", 100000, 0, 0, 0)
    assert Payment.get("client-a", body["payment_id"]).balance_map() == {
        "payer": -225000,
        "paid:inv-full": 125000,
        "paid:inv-part": 100000,
    }


def test_a_card_fee_never_touches_a_bank_transfer(card_fee):
    bank = verified_bank(card_fee["ach"])
    status, body, _ = quote({"invoice_ids": BOTH, "method": "ach", "payment_method_id": bank})
    assert (status, body["card_fee"], body["total"]) == (200, None, 225000)
    status, body, _ = pay(
        {
            "invoice_ids": BOTH,
            "method": "ach",
            "payment_method_id": bank,
            "card_fee": 6750,
            "ach_authorization": accepted_authorization(),
        }
    )
    assert (status, body["error"]["code"]) == (422, "invalid_field")


# ---- the card fee ------------------------------------------------------------------------------------------------


def test_a_credit_card_pays_the_fee_shown_in_the_quote_on_its_own_line(card_fee):
    card = new_card(card_fee)
    status, shown, _ = quote({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card})
    assert status == 200
    assert shown["card_fee"] == {"basis_points": 300, "amount": 6750, "card_funding": "credit"}
    assert (shown["amount"], shown["total"]) == (225000, 231750)
    assert [a["card_fee"] for a in shown["allocations"]] == [3750, 3000]

    status, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card, "card_fee": 6750})
    assert status == 201, body
    assert (body["status"], body["amount"], body["card_fee"]) == ("succeeded", 231750, 6750)  # confirmed here
    assert body["card"] == {"brand": "visa", "last4": "4242"}
    [sent] = intents(card_fee)
    assert (sent["params"]["amount"], sent["params"]["payment_method"]) == ("231750", card)
    assert numbers("inv-full") == ("paid", 125000, 0, 0, 3750)
    assert numbers("inv-part") == ("paid", 100000, 0, 0, 3000)
    shown = detail("inv-full")
    assert shown["card_fees"] == 3750 and shown["balance"] == 0
    assert shown["line_items"][-1] == {
        "description": "Card fee (credit card surcharge), paid",
        "quantity": 1,
        "unit_amount": 3750,
        "amount": 3750,
    }
    assert [(a["kind"], a["amount"]) for a in shown["activity"][-2:]] == [
        ("card_fee", 3750),
        ("payment_received", 125000),
    ]


@pytest.mark.parametrize("number, funding", [("4000056655665556", "debit"), ("5105105105105100", "prepaid")])
def test_debit_and_prepaid_cards_never_carry_the_fee(card_fee, number, funding):
    card = new_card(card_fee, number)
    status, shown, _ = quote({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card})
    assert shown["card_fee"] == {"basis_points": 300, "amount": 0, "card_funding": funding}
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card})
    assert (status, body["amount"], body["card_fee"], body["status"]) == (201, 225000, 0, "succeeded")
    assert numbers("inv-part")[-1] == 0


def test_a_fee_higher_than_the_one_shown_is_never_charged(card_fee):
    card = new_card(card_fee)
    before = table_snapshot()
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card, "card_fee": 6000})
    assert (status, body["error"]["code"], body["error"]["card_fee"]) == (409, "card_fee_changed", 6750)
    assert table_snapshot() == before and intents(card_fee) == []


def test_with_a_fee_on_the_card_must_be_known_before_the_payment(card_fee):
    status, shown, _ = quote({"invoice_ids": BOTH, "method": "card"})
    assert shown["card_fee"] == {"basis_points": 300, "amount": None, "card_funding": None}
    before = table_snapshot()
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    assert (status, body["error"]["code"]) == (422, "card_details_required")
    assert table_snapshot() == before


def test_the_switch_turns_the_fee_off_at_once(card_fee):
    card = new_card(card_fee)
    aws_client("ssm").put_parameter(Name="/test/card-fee", Value="off", Type="String", Overwrite=True)
    surcharges.forget_switch()  # what SWITCH_MAX_AGE_SECONDS does in a warm function
    status, shown, _ = quote({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card})
    assert (shown["card_fee"], shown["total"]) == (None, 225000)
    status, settings, _ = call("PortalSettingsFunction", client_id=None)
    assert settings["card_fee"] is None
    # A client that reviewed the fee before it went off pays none.
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card, "card_fee": 6750})
    assert (status, body["amount"], body["card_fee"]) == (201, 225000, 0)


def test_the_portal_settings_disclose_the_fee(card_fee):
    status, settings, _ = call("PortalSettingsFunction", client_id=None)
    assert settings["card_fee"] == {"basis_points": 300, "applies_to": "credit_cards"}


def test_a_refund_takes_the_fee_in_proportion_and_reopens_the_last_invoice_first(card_fee):
    card = new_card(card_fee)
    _, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card, "card_fee": 6750})
    payment_id = body["payment_id"]
    status, refunded, _ = refund(payment_id, {"amount": 51500, "reason": "Part of the work was not done"})
    assert (status, refunded["status"]) == (201, "succeeded"), refunded
    # 51,500 of 231,750: the fee part is 1,500 (6,750 kept * 180,250 / 231,750 = 5,250); the rest reopens inv-part.
    assert numbers("inv-part") == ("partially_paid", 50000, 0, 50000, 1500)
    assert numbers("inv-full") == ("paid", 125000, 0, 0, 3750)
    kinds = [(a["kind"], a["amount"], a["refund_id"] is not None) for a in detail("inv-part")["activity"][-2:]]
    assert kinds == [("card_fee_refunded", -1500, True), ("refunded", -50000, True)]
    assert Refund.get("client-a", refunded["refund_id"]).invoice_ids == ["inv-full", "inv-part"]
    # The rest: everything back, fee and all.
    status, rest, _ = refund(payment_id, {"amount": 180250, "reason": "Cancelled"}, key="r2")
    assert status == 201
    assert numbers("inv-part") == ("open", 0, 0, 100000, 0)
    assert numbers("inv-full") == ("open", 0, 0, 125000, 0)
    assert Payment.get("client-a", payment_id).status == "refunded"


def test_a_chargeback_is_allocated_back_in_reverse_order_and_a_won_dispute_restores_it(seeded):
    _, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    payment_id = body["payment_id"]
    succeed(payment_id)
    deliver(
        event(
            "charge.dispute.funds_withdrawn",
            dispute(payment_id, "needs_response", ("out",), amount=150000),
            "evt_dp_out",
            1,
        )
    )
    assert numbers("inv-part") == ("open", 0, 0, 100000, 0)  # the last allocated is taken first
    assert numbers("inv-full") == ("partially_paid", 75000, 0, 50000, 0)
    deliver(event("charge.dispute.closed", dispute(payment_id, "won", ("out", "back"), amount=150000), "evt_dp_won", 2))
    assert numbers("inv-full") == ("paid", 125000, 0, 0, 0)
    assert numbers("inv-part") == ("paid", 100000, 0, 0, 0)


# ---- what is refused, with nothing changed -------------------------------------------------------------------------


def _eur_invoice():
    put_invoice("client-a", "inv-eur", number="INV-1005", total=40000, currency="eur", due_date=days_from_today(20))


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"invoice_ids": ["inv-full", "inv-full"], "method": "card"}, 422, "duplicate_invoices"),
        ({"invoice_ids": [f"inv-{n}" for n in range(MAX_INVOICES + 1)], "method": "card"}, 422, "too_many_invoices"),
        ({"invoice_ids": ["inv-full", "inv-eur"], "method": "card"}, 422, "mixed_currencies"),
        ({"invoice_ids": ["inv-full", "inv-paid"], "method": "card"}, 422, "invoice_paid"),
        ({"invoice_ids": ["inv-void", "inv-full"], "method": "card"}, 422, "invoice_void"),
        ({"invoice_ids": ["inv-full", "inv-b"], "method": "card"}, 404, "invoice_not_found"),  # another client's
        ({"invoice_ids": ["inv-full", "nope"], "method": "card"}, 404, "invoice_not_found"),
        ({"invoice_ids": [], "method": "card"}, 422, "invalid_field"),
        ({"invoice_ids": "inv-full", "method": "card"}, 422, "invalid_field"),
        ({"invoice_ids": BOTH, "method": "cash"}, 422, "unsupported_method"),
        ({"invoice_ids": BOTH, "method": "card", "extra": 1}, 422, "unknown_field"),
        ({"invoice_ids": BOTH, "method": "card", "card_fee": -1}, 422, "invalid_field"),
        ({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": "tok_visa"}, 422, "invalid_field"),
        (
            {"invoice_ids": BOTH, "method": "card", "payment_method_id": "pm-x", "stripe_payment_method": "pm_1"},
            422,
            "invalid_field",
        ),
        ({"invoice_ids": BOTH, "method": "card", "payment_method_id": "no-such-card"}, 404, "payment_method_not_found"),
        ({"invoice_ids": BOTH, "method": "ach"}, 422, "payment_method_required"),
        (
            {"invoice_ids": BOTH, "method": "card", "ach_authorization": {"accepted": True, "text": "x"}},
            422,
            "invalid_field",
        ),
    ],
)
def test_bad_requests_are_refused_with_their_code_and_change_nothing(seeded, body, status, code):
    _eur_invoice()
    before = table_snapshot()
    answered, answer, _ = pay(body)
    assert (answered, answer["error"]["code"]) == (status, code)
    assert table_snapshot() == before and intents(seeded) == []
    if not {"card_fee", "ach_authorization"} & set(body):  # the quote refuses the same, with the same code
        answered, answer, _ = quote(body)
        assert (answered, answer["error"]["code"]) == (status, code)
        assert table_snapshot() == before


def test_a_request_without_an_idempotency_key_or_json_is_refused(seeded):
    before = table_snapshot()
    assert pay({"invoice_ids": BOTH, "method": "card"}, key=None)[1]["error"]["code"] == "idempotency_key_required"
    assert pay("{not json")[1]["error"]["code"] == "invalid_json"
    assert table_snapshot() == before


def test_an_invoice_being_paid_by_a_bank_transfer_is_409(seeded):
    bank = verified_bank(seeded["ach"])
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "ach", "payment_method_id": bank, "ach_authorization": accepted_authorization()},
        headers={"Idempotency-Key": "ach-single"},
    )
    assert status == 201
    before = table_snapshot()
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    assert (status, body["error"]["code"]) == (409, "payment_in_progress")
    assert table_snapshot() == before


# ---- one receipt for all ----------------------------------------------------------------------------------------------


def test_one_receipt_lists_every_invoice_and_the_card_fee_by_email_and_as_pdf(card_fee):
    from functions.email_worker import app as receipt_app
    from infra.apigw import LambdaContext
    from tests.helpers import sent_emails, sqs_event
    from tests.integration.test_pdfs import text_of

    card = new_card(card_fee)
    _, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card, "card_fee": 6750})
    jobs = [m for m in queue_messages(card_fee["receipt_queue"]) if '"receipt"' in m["Body"]]
    assert len(jobs) == 1
    receipt_app.handler(sqs_event(jobs), LambdaContext(function_name="EmailWorkerFunction"))
    [email] = [m for m in sent_emails(card_fee["moto"]) if "Receipt" in m["subject"]]
    assert email["subject"] == "Receipt: $2,317.50 paid on 2 invoices"
    for line in (
        "Invoice INV-1001",
        "$1,250.00",
        "Invoice INV-1002",
        "$1,000.00",
        "Card fee (credit card surcharge)",
        "$67.50",
        "These invoices are now paid in full.",
    ):
        assert line in email["body"], line

    status, pdf, _ = call("ReceiptPdfFunction", path_parameters={"payment_id": body["payment_id"]})
    assert status == 200
    text = " ".join(text_of(pdf)[1].split())
    for line in (
        "Invoices INV-1001, INV-1002",
        "Invoice INV-1001 $1,250.00",
        "Invoice INV-1002 $1,000.00",
        "Card fee (credit card surcharge) $67.50",
        "Amount paid $2,317.50",
    ):
        assert line in text, (line, text)
    status, pdf, _ = call("InvoicePdfFunction", path_parameters={"invoice_id": "inv-part"})
    text = " ".join(text_of(pdf)[1].split())
    assert "Card fee (credit card surcharge), paid" in text and "$1,030.00" in text  # its share, fee included


# ---- races ------------------------------------------------------------------------------------------------------------


def test_a_bank_transfer_that_lands_between_the_read_and_the_write_makes_the_payment_decide_again(seeded, monkeypatch):
    """The competing request (an ACH payment of one of the invoices' whole balance) runs to completion right after
    the payment of both read them: the payment's write loses, it decides again on fresh data and refuses, with
    nothing of it written."""
    from shared.books.dynamo import DynamoRepository
    from tests.races import competing

    bank = verified_bank(seeded["ach"])
    rival = competing(
        monkeypatch,
        DynamoRepository,
        "load",
        lambda: call(
            "CreatePaymentFunction",
            path_parameters={"invoice_id": "inv-part"},
            headers={"Idempotency-Key": "rival"},
            body={"method": "ach", "payment_method_id": bank, "ach_authorization": accepted_authorization()},
        ),
    )
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    assert rival.ran and rival.result[0] == 201
    assert (status, body["error"]["code"]) == (409, "payment_in_progress")
    assert numbers("inv-part") == ("processing", 0, 100000, 0, 0)
    assert numbers("inv-full") == ("open", 0, 0, 125000, 0)
    assert [p.method for p in Payment.query("client-a")] == ["ach"]  # the rival's only
    assert [i for i in PaymentLink.query("client-a") if "#" in i.payment_id] == []  # and no link


def test_two_windows_paying_the_same_invoices_with_two_keys_leave_one_checkout(seeded, monkeypatch):
    from shared.books.dynamo import DynamoRepository
    from tests.races import competing

    rival = competing(
        monkeypatch, DynamoRepository, "load", lambda: pay({"invoice_ids": BOTH, "method": "card"}, key="window-2")
    )
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card"}, key="window-1")
    assert rival.ran and (status, rival.result[0]) == (201, 201)
    first, second = Payment.get("client-a", rival.result[1]["payment_id"]), Payment.get("client-a", body["payment_id"])
    assert (first.status, second.status) == ("canceled", "pending")  # the later one replaced the earlier
    assert {Invoice.get("client-a", i).open_payment_id for i in BOTH} == {second.payment_id}


# ---- a lost webhook, a wrong event ------------------------------------------------------------------------------------


def test_reconciliation_applies_a_lost_success_to_every_invoice_and_finds_no_drift(seeded, monkeypatch):
    from tests.integration.test_reconciliation import confirm_at_stripe, run_job

    _, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    confirm_at_stripe(seeded, body)  # Stripe took the money; its webhook never arrived
    report = run_job(monkeypatch)
    assert (report["applied"], report["drift"], report["invoices_checked"]) == ({"succeeded": 1}, [], 2)
    assert numbers("inv-full") == ("paid", 125000, 0, 0, 0)
    assert numbers("inv-part") == ("paid", 100000, 0, 0, 0)
    assert run_job(monkeypatch)["examined"] == 0  # settled: never asked again


def test_an_event_naming_another_invoice_of_the_payment_changes_nothing(seeded):
    """Processors' events name a payment of several invoices by its first invoice only."""
    _, body, _ = pay({"invoice_ids": BOTH, "method": "card"})
    payment = Payment.get("client-a", body["payment_id"])
    before = table_snapshot()
    deliver(
        intent_event(
            "payment_intent.succeeded",
            intent_id=payment.processor_payment_id,
            amount=payment.amount,
            client_id="client-a",
            invoice_id="inv-part",
            payment_id=payment.payment_id,
            event_id="evt_wrong_invoice",
        )
    )
    after = table_snapshot()
    assert {k: v for k, v in after.items() if not k.endswith("events")} == {
        k: v for k, v in before.items() if not k.endswith("events")
    }  # only the event's record
    assert Payment.get("client-a", payment.payment_id).status == "pending"


def test_a_declined_card_with_a_fee_is_cancelled_so_that_no_other_card_can_confirm_it(card_fee):
    card = new_card(card_fee, "4000000000000002")  # Stripe's generic decline
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card, "card_fee": 6750})
    assert (status, body["status"], body["failure"]["code"]) == (201, "failed", "card_declined")
    intent = Payment.get("client-a", body["payment_id"]).processor_payment_id
    at_stripe = requests.get(f"{card_fee['stripe'].url}/v1/payment_intents/{intent}", auth=AUTH, timeout=5).json()
    assert at_stripe["status"] == "canceled"
    assert numbers("inv-full") == ("open", 0, 0, 125000, 0)
    # Paying again (a new key, a new quote) works with another card.
    other = new_card(card_fee, "5200828282828210")  # a debit card: no fee
    status, body, _ = pay({"invoice_ids": BOTH, "method": "card", "stripe_payment_method": other}, key="again")
    assert (status, body["status"], body["card_fee"]) == (201, "succeeded", 0)


def test_one_debit_for_several_invoices_counts_once_against_the_weekly_limit_and_stays_under_the_transfer_limit(seeded):
    """Dwolla: an unverified customer sends at most $5,000 a week and per transfer. A payment of several invoices is
    one transfer of the sum: refused whole when the sum is over either, counted once when it is not."""
    bank = verified_bank(seeded["ach"])
    put_invoice("client-a", "inv-big", number="INV-1006", total=300000, due_date=days_from_today(50))
    put_invoice("client-a", "inv-more", number="INV-1007", total=200000, due_date=days_from_today(60))
    body = {"method": "ach", "payment_method_id": bank, "ach_authorization": accepted_authorization()}
    before = table_snapshot()
    status, answer, _ = pay({"invoice_ids": ["inv-full", "inv-big", "inv-more"], **body}, key="too-big")
    assert (status, answer["error"]["code"]) == (422, "amount_above_ach_maximum")  # 6,250.00 in one transfer
    assert table_snapshot() == before
    assert pay({"invoice_ids": BOTH, **body}, key="first")[0] == 201  # 2,250.00 this week
    status, answer, _ = pay({"invoice_ids": ["inv-big"], **body}, key="second")
    assert (status, answer["error"]["code"], answer["error"]["available"]) == (422, "ach_weekly_limit", 275000)
    status, answer, _ = pay({"invoice_ids": ["inv-more"], **body}, key="third")  # 2,000.00 of the 2,750.00 left
    assert (status, answer["amount"]) == (201, 200000)

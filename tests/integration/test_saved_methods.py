"""Saved cards: saving through Stripe's events, paying with a saved card, listing, default, delete."""

from datetime import date

import pytest
import requests

from shared.aws.models import Client, Invoice, Payment, SavedPaymentMethod
from shared.services.saved_methods import expires_soon
from tests.conftest import STRIPE_API_KEY
from tests.drivers.stripe import deliver_new
from tests.helpers import call, queue_messages, table_snapshot

AUTH = (STRIPE_API_KEY, "")


def stripe_post(seeded, path, data):
    response = requests.post(f"{seeded['stripe'].url}{path}", data=data, auth=AUTH, timeout=5)
    return response.json()


def customer_of(seeded, client_id="client-a"):
    """The client's Stripe customer, created the way the backend creates it (on first need)."""
    status, body, _ = call("SetupPaymentMethodFunction", client_id=client_id)
    assert status == 201 and body["client_secret"].startswith("seti_")
    return Client.get(client_id).stripe_customer_id


def new_card(seeded, number="4242424242424242", exp_year=2030, exp_month=12, customer=None):
    pm = stripe_post(
        seeded,
        "/v1/payment_methods",
        {
            "type": "card",
            "card[number]": number,
            "card[exp_month]": exp_month,
            "card[exp_year]": exp_year,
            "card[cvc]": "123",
        },
    )
    if customer:
        pm = stripe_post(seeded, f"/v1/payment_methods/{pm['id']}/attach", {"customer": customer})
    return pm


def saved_card(seeded, client_id="client-a", **card):
    """A card attached at Stripe and reported by payment_method.attached, as after a saving payment."""
    pm = new_card(seeded, customer=customer_of(seeded, client_id), **card)
    deliver_new("payment_method.attached", pm)
    return pm["id"]


def methods(client_id="client-a"):
    status, body, _ = call("ListPaymentMethodsFunction", client_id=client_id)
    assert status == 200
    return body["payment_methods"]


def test_an_attached_card_is_listed_with_display_fields_only(seeded):
    pm_id = saved_card(seeded)
    [method] = methods()
    assert method == {
        "payment_method_id": pm_id,
        "type": "card",
        "default": True,
        "bank": None,
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030, "expires_soon": False},
    }
    stored = SavedPaymentMethod.get("client-a", pm_id).attribute_values
    assert "4242424242424242" not in str(stored)


def test_setup_intent_success_saves_the_card_using_stripes_record(seeded):
    customer = customer_of(seeded)
    pm = new_card(seeded, number="5555555555554444", customer=customer)
    deliver_new(
        "setup_intent.succeeded",
        {
            "id": "seti_1",
            "object": "setup_intent",
            "customer": customer,
            "payment_method": pm["id"],
            "status": "succeeded",
        },
    )
    [method] = methods()
    # localstripe calls every card "visa"; what matters is that the display fields are Stripe's record
    assert (method["card"]["brand"], method["card"]["last4"]) == (pm["card"]["brand"], "4444")


def test_duplicate_and_late_events_keep_the_list_true(seeded):
    customer = customer_of(seeded)
    pm = new_card(seeded, customer=customer)
    attached = deliver_new("payment_method.attached", pm, event_id="evt_att")
    deliver_new("payment_method.attached", pm, event_id="evt_att")  # duplicate
    assert len(methods()) == 1
    deliver_new("payment_method.detached", pm | {"customer": None}, event_id="evt_det")
    assert methods() == []
    deliver_new("payment_method.attached", attached["data"]["object"], event_id="evt_att_late")  # reordered
    assert methods() == []


def test_card_updater_events_refresh_the_expiry(seeded):
    pm_id = saved_card(seeded, exp_year=2027, exp_month=1)
    pm = requests.get(f"{seeded['stripe'].url}/v1/payment_methods/{pm_id}", auth=AUTH).json()
    pm["card"] |= {"exp_month": 9, "exp_year": 2031}
    deliver_new("payment_method.automatically_updated", pm)
    assert methods()[0]["card"] | {} == {
        "brand": "visa",
        "last4": "4242",
        "exp_month": 9,
        "exp_year": 2031,
        "expires_soon": False,
    }


def test_cards_for_unknown_customers_are_not_saved(seeded):
    before = table_snapshot()
    pm = new_card(seeded)
    deliver_new("payment_method.attached", pm | {"customer": "cus_unknown"}, event_id="evt_unknown_customer")
    after = table_snapshot()
    events = [k for k in after if k.endswith("events")][0]
    assert {k: v for k, v in after.items() if k != events} == {k: v for k, v in before.items() if k != events}


def test_expires_soon_within_sixty_days():
    today = date(2026, 11, 25)
    assert expires_soon(12, 2026, today)  # valid through Dec 31: 36 days away
    assert not expires_soon(1, 2027, today)  # through Jan 31: 67 days away
    assert expires_soon(1, 2027, date(2026, 12, 3))  # from 60 days before Jan 31
    assert expires_soon(10, 2026, today)  # already expired


def test_paying_with_a_saved_card_confirms_server_side(seeded):
    pm_id = saved_card(seeded)
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 25000, "payment_method_id": pm_id},
        headers={"Idempotency-Key": "saved-1"},
    )
    assert status == 201
    assert body["status"] == "succeeded" and body["card"] == {"brand": "visa", "last4": "4242"}
    invoice = Invoice.get("client-a", "inv-part")
    assert (invoice.amount_paid, invoice.status) == (25000, "partially_paid")
    assert len(queue_messages(seeded["receipt_queue"])) == 1
    # Stripe's own webhook for the same success then changes nothing.
    payment = Payment.get("client-a", body["payment_id"])
    deliver_new(
        "payment_intent.succeeded",
        {
            "id": payment.processor_payment_id,
            "object": "payment_intent",
            "amount": 25000,
            "amount_received": 25000,
            "currency": "usd",
            "status": "succeeded",
            "payment_method": pm_id,
            "metadata": {"client_id": "client-a", "invoice_id": "inv-part", "payment_id": body["payment_id"]},
        },
    )
    assert Invoice.get("client-a", "inv-part").amount_paid == 25000


def test_a_saved_card_that_needs_3d_secure_returns_the_client_secret(seeded):
    pm_id = saved_card(seeded, number="4000002500003155")
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card", "payment_method_id": pm_id},
        headers={"Idempotency-Key": "3ds"},
    )
    assert status == 201
    assert (body["status"], body["next_action"]) == ("pending", "authenticate")
    assert "_secret_" in body["client_secret"]
    status, again, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card", "payment_method_id": pm_id},
        headers={"Idempotency-Key": "3ds"},
    )
    assert again["payment_id"] == body["payment_id"] and again["next_action"] == "authenticate"


def test_a_declined_saved_card_gives_the_reason_and_keeps_the_balance(seeded):
    pm_id = saved_card(seeded, number="4000000000000341")
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card", "payment_method_id": pm_id},
        headers={"Idempotency-Key": "dec"},
    )
    assert status == 201 and body["status"] == "failed"
    assert body["failure"]["code"] == "card_declined" and "another card" in body["failure"]["message"]
    invoice = Invoice.get("client-a", "inv-full")
    assert (invoice.amount_paid, invoice.status) == (0, "open")


@pytest.mark.parametrize("who", ["other_client", "unknown"])
def test_someone_elses_or_unknown_saved_card_is_404_and_changes_nothing(seeded, who):
    b_card = saved_card(seeded, client_id="client-b")
    method_id = b_card if who == "other_client" else "pm_unknown"
    before = table_snapshot()
    for function, kwargs in [
        (
            "CreatePaymentFunction",
            dict(
                path_parameters={"invoice_id": "inv-full"},
                headers={"Idempotency-Key": "x"},
                body={"method": "card", "payment_method_id": method_id},
            ),
        ),
        ("DeletePaymentMethodFunction", dict(path_parameters={"payment_method_id": method_id})),
        ("SetDefaultPaymentMethodFunction", dict(path_parameters={"payment_method_id": method_id})),
    ]:
        status, body, _ = call(function, **kwargs)
        assert (status, body["error"]["code"]) == (404, "payment_method_not_found"), function
    assert table_snapshot() == before
    assert [m["payment_method_id"] for m in methods("client-b")] == [b_card]


def test_delete_detaches_at_stripe_and_moves_the_default_to_the_newest(seeded):
    first = saved_card(seeded)
    second = saved_card(seeded, number="5555555555554444")
    third = saved_card(seeded, number="4000056655665556")
    assert [m["default"] for m in methods()] == [False, False, True]  # the first saved became default
    call("SetDefaultPaymentMethodFunction", path_parameters={"payment_method_id": second})
    assert {m["payment_method_id"] for m in methods() if m["default"]} == {second}

    status, body, _ = call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": second})
    assert (status, body) == (204, None)
    remaining = methods()
    assert [m["payment_method_id"] for m in remaining] == [third, first]
    assert [m["default"] for m in remaining] == [True, False]  # the most recently added one
    pm = requests.get(f"{seeded['stripe'].url}/v1/payment_methods/{second}", auth=AUTH).json()
    assert pm["customer"] is None
    status, body, _ = call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": second})
    assert (status, body["error"]["code"]) == (404, "payment_method_not_found")
    # the detached card can no longer pay
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card", "payment_method_id": second},
        headers={"Idempotency-Key": "gone"},
    )
    assert (status, body["error"]["code"]) == (404, "payment_method_not_found")


def test_deleting_the_last_method_leaves_no_default(seeded):
    only = saved_card(seeded)
    call("DeletePaymentMethodFunction", path_parameters={"payment_method_id": only})
    assert methods() == [] and Client.get("client-a").default_payment_method_id is None


def events_at(seeded, event_type):
    return [
        e
        for e in requests.get(f"{seeded['stripe'].url}/v1/events", auth=AUTH).json()["data"]
        if e["type"] == event_type
    ]


def forward(seeded, event_type):
    """Deliver the local Stripe's own events of a type to the webhook, as its webhook sender would."""
    for event in events_at(seeded, event_type):
        deliver_new(event_type, event["data"]["object"], event_id=event["id"])


def test_save_this_card_during_checkout_end_to_end(seeded):
    """Pay with save_payment_method, confirm like Stripe.js; Stripe attaches the card and says so."""
    _, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 5000, "save_payment_method": True},
        headers={"Idempotency-Key": "save-me"},
    )
    intent_id = payment["client_secret"].split("_secret_")[0]
    stripe_post(seeded, f"/v1/payment_intents/{intent_id}", {"payment_method": new_card(seeded)["id"]})
    assert stripe_post(seeded, f"/v1/payment_intents/{intent_id}/confirm", {})["status"] == "succeeded"
    forward(seeded, "payment_method.attached")
    [method] = methods()
    assert method["default"] and method["card"]["last4"] == "4242"


def test_a_failed_payment_saves_nothing(seeded):
    _, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card", "save_payment_method": True},
        headers={"Idempotency-Key": "no"},
    )
    intent_id = payment["client_secret"].split("_secret_")[0]
    stripe_post(
        seeded,
        f"/v1/payment_intents/{intent_id}",
        {"payment_method": new_card(seeded, number="4000000000000341")["id"]},
    )
    stripe_post(seeded, f"/v1/payment_intents/{intent_id}/confirm", {})
    forward(seeded, "payment_method.attached")
    assert events_at(seeded, "payment_method.attached") == [] and methods() == []


def test_save_a_card_without_paying_through_a_setup_intent(seeded):
    _, body, _ = call("SetupPaymentMethodFunction")
    setup_id = body["client_secret"].split("_secret_")[0]
    confirmed = stripe_post(
        seeded,
        f"/v1/setup_intents/{setup_id}/confirm",
        {"payment_method": new_card(seeded, number="5555555555554444")["id"]},
    )
    assert confirmed["status"] == "succeeded"
    forward(seeded, "setup_intent.succeeded")
    forward(seeded, "payment_method.attached")  # Stripe sends both; the second changes nothing
    [method] = methods()
    assert method["card"]["last4"] == "4444"


def test_a_saved_card_payment_cut_off_before_confirming_is_finished_by_the_retry(seeded, monkeypatch):
    from shared.http.errors import ProcessorUnavailable
    from shared.processors.stripe_cards import StripeCards

    pm_id = saved_card(seeded)
    real_confirm = StripeCards.confirm_intent
    monkeypatch.setattr(
        StripeCards, "confirm_intent", lambda self, intent_id: (_ for _ in ()).throw(ProcessorUnavailable())
    )
    request = dict(
        path_parameters={"invoice_id": "inv-full"},
        headers={"Idempotency-Key": "cut-off"},
        body={"method": "card", "payment_method_id": pm_id},
    )
    status, body, _ = call("CreatePaymentFunction", **request)
    assert (status, body["error"]["code"]) == (503, "processor_unavailable")
    [recorded] = list(Payment.query("client-a"))
    assert recorded.status == "pending"  # recorded, never confirmed: no money moved
    monkeypatch.setattr(StripeCards, "confirm_intent", real_confirm)
    status, body, headers = call("CreatePaymentFunction", **request)
    assert status == 201 and headers["Idempotent-Replayed"] == "true"
    assert body["payment_id"] == recorded.payment_id and body["status"] == "succeeded"
    assert Invoice.get("client-a", "inv-full").status == "paid"


def pay_with_saved_card_while(seeded, monkeypatch, competing, key="tab-1"):
    """Pay inv-full with a saved card, running `competing(intent_id)` after the payment is recorded and just
    before the backend confirms it: the window another tab or request can act in."""
    from shared.processors.stripe_cards import StripeCards

    pm_id = saved_card(seeded)
    real_confirm = StripeCards.confirm_intent

    def confirm_after_the_competitor(self, intent_id):
        monkeypatch.setattr(StripeCards, "confirm_intent", real_confirm)  # the competitor confirms for real
        competing(intent_id)
        return real_confirm(self, intent_id)

    monkeypatch.setattr(StripeCards, "confirm_intent", confirm_after_the_competitor)
    return call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        headers={"Idempotency-Key": key},
        body={"method": "card", "payment_method_id": pm_id},
    )


def intent_at_stripe(seeded, intent_id):
    return requests.get(f"{seeded['stripe'].url}/v1/payment_intents/{intent_id}", auth=AUTH, timeout=5).json()


def test_a_saved_card_whose_intent_another_tab_replaced_is_409_and_charges_nothing(seeded, monkeypatch):
    tab_2 = {}

    def another_tab_pays(intent_id):  # cancels this tab's intent at Stripe and replaces its payment
        tab_2["intent"] = intent_id
        tab_2["status"], tab_2["body"], _ = call(
            "CreatePaymentFunction",
            path_parameters={"invoice_id": "inv-full"},
            body={"method": "card"},
            headers={"Idempotency-Key": "tab-2"},
        )

    status, body, _ = pay_with_saved_card_while(seeded, monkeypatch, another_tab_pays)
    assert (status, body["error"]["code"]) == (409, "payment_canceled")
    assert body["error"]["message"].endswith(".")
    assert tab_2["status"] == 201
    assert intent_at_stripe(seeded, tab_2["intent"])["status"] == "canceled"
    payments = {p.payment_id: p for p in Payment.query("client-a")}
    [mine] = [p for p in payments.values() if p.payment_id != tab_2["body"]["payment_id"]]
    assert mine.status == "canceled" and payments[tab_2["body"]["payment_id"]].status == "pending"
    invoice = Invoice.get("client-a", "inv-full")
    assert (invoice.amount_paid, invoice.amount_pending, invoice.status) == (0, 0, "open")
    assert invoice.open_payment_id == tab_2["body"]["payment_id"]
    assert queue_messages(seeded["receipt_queue"]) == []
    # Stripe's own payment_intent.canceled, delivered later, changes nothing more.
    before = table_snapshot()
    deliver_new(
        "payment_intent.canceled",
        {
            "id": tab_2["intent"],
            "object": "payment_intent",
            "amount": 125000,
            "currency": "usd",
            "status": "canceled",
            "metadata": {"client_id": "client-a", "invoice_id": "inv-full", "payment_id": mine.payment_id},
        },
    )
    after = table_snapshot()
    assert {k: v for k, v in after.items() if "events" not in k} == {
        k: v for k, v in before.items() if "events" not in k
    }
    # A retry with the same key charges nothing either: it returns the cancelled payment.
    status, again, headers = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        headers={"Idempotency-Key": "tab-1"},
        body={"method": "card", "payment_method_id": mine.processor_method_id},
    )
    assert (status, again["payment_id"], again["status"], headers["Idempotent-Replayed"]) == (
        201,
        mine.payment_id,
        "canceled",
        "true",
    )


def test_a_saved_card_whose_intent_was_cancelled_before_its_replacement_was_written_is_409(seeded, monkeypatch):
    """The other request cancelled at Stripe and died before writing: this one records the cancellation."""

    def cancel_at_stripe(intent_id):
        assert (
            requests.post(
                f"{seeded['stripe'].url}/v1/payment_intents/{intent_id}/cancel", auth=AUTH, timeout=5
            ).status_code
            == 200
        )

    status, body, _ = pay_with_saved_card_while(seeded, monkeypatch, cancel_at_stripe)
    assert (status, body["error"]["code"]) == (409, "payment_canceled")
    [mine] = list(Payment.query("client-a"))
    assert mine.status == "canceled" and mine.unsettled is None
    invoice = Invoice.get("client-a", "inv-full")
    assert (invoice.amount_paid, invoice.status, invoice.open_payment_id) == (0, "open", None)
    # The client can pay again at once, and is charged exactly once.
    status, again, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card", "payment_method_id": mine.processor_method_id},
        headers={"Idempotency-Key": "tab-1-again"},
    )
    assert (status, again["status"]) == (201, "succeeded")
    assert Invoice.get("client-a", "inv-full").amount_paid == 125000


def test_a_saved_card_intent_confirmed_first_by_another_request_is_counted_once(seeded, monkeypatch):
    def confirm_at_stripe(intent_id):
        assert (
            requests.post(
                f"{seeded['stripe'].url}/v1/payment_intents/{intent_id}/confirm", auth=AUTH, timeout=5
            ).json()["status"]
            == "succeeded"
        )

    status, body, _ = pay_with_saved_card_while(seeded, monkeypatch, confirm_at_stripe)
    assert (status, body["status"]) == (201, "succeeded")
    invoice = Invoice.get("client-a", "inv-full")
    assert (invoice.amount_paid, invoice.status) == (125000, "paid")
    assert len(queue_messages(seeded["receipt_queue"])) == 1

"""An invoice with a long history still takes a payment: its item holds balances, never its history, so no
number of payments, refunds or fees brings it near DynamoDB's 400 KB item limit (the journal's entries are
items of their own beside it)."""

import json
import time

import requests

from shared.aws.models import Client, Invoice, JournalItem, Payment, ProcessedEvent, Refund, SavedPaymentMethod
from shared.domain.ids import payment_id_for
from tests.conftest import STRIPE_API_KEY
from tests.drivers.stripe import deliver
from tests.helpers import aws_client, books_hold, call, intent_event
from tests.model.books_world import CLIENT, INVOICE, INVOICE_ITEM_BOUND, World

HISTORY = 1000  # payments, each refunded: 2,000 money events, 3,000 journal entries


def stored(client_id: str, invoice_id: str) -> tuple[set[str], int]:
    """The invoice item's attribute names, and its size as DynamoDB counts it, near enough."""
    item = aws_client("dynamodb").get_item(
        TableName=Invoice.Meta.table_name, Key={"client_id": {"S": client_id}, "invoice_id": {"S": invoice_id}}
    )
    return set(item["Item"]), len(json.dumps(item["Item"]))


def test_an_invoice_with_2000_payments_and_refunds_still_takes_a_payment(aws):
    # The history, made by the real services on the memory repository (seconds, not minutes), then stored.
    world = World.with_invoice(HISTORY * 100 + 50000)
    for n in range(HISTORY):
        world.pay_by_card(f"old-{n}", n, 100)
        world.refund(f"refund-{n}", payment_id_for(CLIENT, f"old-{n}"), 100)
    assert len(world.repo.client_journal(CLIENT)) == 1 + 2 * HISTORY  # invoiced, then received and refunded
    for model in (Client, SavedPaymentMethod, Invoice, JournalItem, Payment, Refund, ProcessedEvent):
        with model.batch_write() as batch:
            for record in world.repo.all(model):
                batch.save(record)
    Client(CLIENT).update(actions=[Client.stripe_customer_id.remove()])  # the fake's customer: not Stripe's
    attributes, size = stored(CLIENT, INVOICE)
    assert size < INVOICE_ITEM_BOUND

    status, created, _ = call(
        "CreatePaymentFunction",
        client_id=CLIENT,
        path_parameters={"invoice_id": INVOICE},
        body={"method": "card", "amount": 50000},
        headers={"Idempotency-Key": "after-2000"},
    )
    assert status == 201, created
    intent = Payment.get(CLIENT, created["payment_id"]).processor_payment_id
    base, auth = aws["stripe"].url, (STRIPE_API_KEY, "")
    requests.post(f"{base}/v1/payment_intents/{intent}", data={"payment_method": "pm_card_visa"}, auth=auth)
    requests.post(f"{base}/v1/payment_intents/{intent}/confirm", auth=auth)
    deliver(
        intent_event(
            "payment_intent.succeeded",
            intent_id=intent,
            amount=50000,
            client_id=CLIENT,
            invoice_id=INVOICE,
            payment_id=created["payment_id"],
            event_id=f"evt_{time.time_ns()}",
        )
    )
    assert books_hold(CLIENT, INVOICE) == ("partially_paid", 50000, 0, 0)
    after, size = stored(CLIENT, INVOICE)
    assert (after, size < INVOICE_ITEM_BOUND) == (attributes, True)  # the same fields, other values: no growth
    _, invoice, _ = call("GetInvoiceFunction", client_id=CLIENT, path_parameters={"invoice_id": INVOICE})
    assert len(invoice["activity"]) == 100 and invoice["activity_next_cursor"]  # paged, oldest first
    pages, cursor = 1, invoice["activity_next_cursor"]
    while cursor:
        _, page, _ = call(
            "InvoiceActivityFunction",
            client_id=CLIENT,
            path_parameters={"invoice_id": INVOICE},
            query={"cursor": cursor},
        )
        pages, cursor, last = pages + 1, page["next_cursor"], page["activity"]
    assert pages == 21 and last[-1]["kind"] == "payment_received" and last[-1]["amount"] == 50000

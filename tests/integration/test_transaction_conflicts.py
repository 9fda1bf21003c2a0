"""TransactionConflict: what DynamoDB answers when a request meets a transaction in flight on the same item, instead
of a failed condition once the other has committed. DynamoDB Local runs one request at a time and never answers
it (nor did moto), so these tests give DynamoDB's own answer to a request (tests/races.dynamodb_answers) and let
every other request reach DynamoDB Local: a cancelled write transaction decides again on fresh data
(shared/store.lost_race, shared/retries.until_won); a cancelled read transaction, and a single-item write
rejected with TransactionConflictException, are made again (shared/dynamodb.retry_conflicts). Documented in the
DynamoDB API Reference (TransactWriteItems, TransactGetItems: TransactionCanceledException; PutItem, UpdateItem,
DeleteItem: TransactionConflictException) and the developer guide ("Transaction conflict handling in DynamoDB")."""

import os

import pytest

from shared.aws.dynamodb import CONFLICT_RETRIES
from shared.aws.models import Client, Invoice, Payment, ProcessedEvent
from shared.books.dynamo import DynamoRepository
from shared.services.card_payments import MAX_ATTEMPTS
from tests.drivers.stripe import deliver, post
from tests.helpers import call, intent_event, table_snapshot
from tests.races import competing, dynamodb_answers, transaction_conflict, write_conflict


def pay(key: str = "conflict-1"):
    return call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 40000},
        headers={"Idempotency-Key": key},
    )


def success_of(payment: Payment, event_id: str) -> dict:
    return intent_event(
        "payment_intent.succeeded",
        intent_id=payment.processor_payment_id,
        amount=payment.amount,
        client_id=payment.client_id,
        invoice_id=payment.invoice_id,
        payment_id=payment.payment_id,
        event_id=event_id,
    )


def money(payment: Payment) -> tuple:
    invoice = Invoice.get(payment.client_id, payment.invoice_id, consistent_read=True)
    return Payment.get(payment.client_id, payment.payment_id).status, invoice.amount_paid, invoice.status


def test_a_payment_whose_transaction_meets_another_in_flight_is_decided_again_and_made_once(seeded):
    with dynamodb_answers("TransactWriteItems", transaction_conflict()) as answered:
        status, body, _ = pay()
    assert len(answered) == 1 and status == 201, body
    [payment] = Payment.query("client-a")
    assert payment.payment_id == body["payment_id"]
    assert Invoice.get("client-a", "inv-part").open_payment_id == payment.payment_id


def test_a_payment_that_keeps_meeting_transactions_in_flight_is_409_and_records_no_payment(seeded):
    before = table_snapshot()
    with dynamodb_answers("TransactWriteItems", *[transaction_conflict()] * MAX_ATTEMPTS) as answered:
        status, body, _ = pay()
    assert (len(answered), status, body["error"]["code"]) == (MAX_ATTEMPTS, 409, "payment_in_progress")
    after = table_snapshot()
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {os.environ["CLIENTS_TABLE"]}  # only the client's Stripe customer, made before the write
    assert Client.get("client-a").stripe_customer_id
    status, body, _ = pay()  # the client's retry with the same key, once the other writer is done
    assert status == 201 and [p.payment_id for p in Payment.query("client-a")] == [body["payment_id"]]


@pytest.fixture
def started(seeded):
    status, body, _ = pay("started")
    assert status == 201
    return Payment.get("client-a", body["payment_id"])


def test_two_deliveries_at_once_whose_transactions_meet_count_the_money_once(started, monkeypatch):
    """The second delivery runs between the first one's read and its write; its own transaction meets the first
    one's in flight (TransactionConflict) and decides again. Each is answered 200; the money counts once."""
    event = success_of(started, "evt_conflict")
    with dynamodb_answers("TransactWriteItems", transaction_conflict()) as answered:
        other = competing(monkeypatch, DynamoRepository, "load", lambda: deliver(event))
        deliver(event)
    assert other.ran and len(answered) == 1
    assert money(started) == ("succeeded", 40000, "partially_paid")
    assert [e.event_id for e in ProcessedEvent.scan()] == ["stripe:evt_conflict"]


def test_a_read_that_meets_a_write_in_flight_is_made_again(started):
    with dynamodb_answers("TransactGetItems", transaction_conflict(conflicting=1)) as answered:
        deliver(success_of(started, "evt_read_again"))
    assert len(answered) == 1
    assert money(started) == ("succeeded", 40000, "partially_paid")


def test_a_read_that_keeps_meeting_writes_is_a_500_that_changes_nothing_and_the_redelivery_applies(started):
    before = table_snapshot()
    event = success_of(started, "evt_busy")

    tries = 1 + CONFLICT_RETRIES
    with dynamodb_answers("TransactGetItems", *[transaction_conflict()] * tries) as answered:
        status, body, _ = post(event)
    assert (len(answered), status, body["error"]["code"]) == (tries, 500, "internal_error")
    assert table_snapshot() == before
    deliver(event)  # Stripe delivers a 5xx-answered event again
    assert money(started) == ("succeeded", 40000, "partially_paid")


def test_a_single_item_write_that_meets_a_transaction_is_made_again(started, seeded):
    """ "Email receipt" again: its conditional UpdateItem (the rate limit) meets the webhook's transaction on the
    payment; DynamoDB rejects it, nothing is done, and it is made again: one email queued, the limit set once."""
    from tests.helpers import queue_messages

    deliver(success_of(started, "evt_paid"))
    queue_messages(seeded["receipt_queue"])
    with dynamodb_answers("UpdateItem", write_conflict) as answered:
        status, body, _ = call("ResendReceiptFunction", path_parameters={"payment_id": started.payment_id})
    assert (len(answered), status, body["status"]) == (1, 202, "queued")
    assert len(queue_messages(seeded["receipt_queue"])) == 1
    assert call("ResendReceiptFunction", path_parameters={"payment_id": started.payment_id})[0] == 429

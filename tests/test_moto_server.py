"""The tests' moto server (infra/moto_server.py) applies each DynamoDB request atomically, as DynamoDB does, and
answers items as stored exactly as moto's own serializer would (the last two tests).

Plain moto 5.2 (moto.server.ThreadedMotoServer) fails the first two tests: a cancelled TransactWriteItems is rolled
back by restoring a copy of the whole table taken when it began, which erases what other requests wrote
meanwhile (and, restored from a stale copy, a cancelled write can reappear). The first test provokes that
deterministically; the second shows it under plain concurrency (on plain moto it failed 20 runs in 20 here,
but how often rests on timing). On this server both pass whatever the timing: requests do not overlap."""

import threading

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend

MISSING = {"pk": {"S": "missing"}}
CHECK_MISSING = {"TableName": "atomicity", "Key": MISSING, "ConditionExpression": "attribute_exists(pk)"}


def fresh_table(url: str, filler: int = 0):
    requests.post(f"{url}/moto-api/reset", timeout=10)
    db = boto3.client("dynamodb", endpoint_url=url)
    db.create_table(TableName="atomicity", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
    for start in range(0, filler, 25):
        db.batch_write_item(RequestItems={"atomicity": [
            {"PutRequest": {"Item": {"pk": {"S": f"filler-{n}"}, "blob": {"S": "x" * 200}}}}
            for n in range(start, start + 25)]})
    return db


def keys_of(db, prefix: str) -> set[str]:
    return {item["pk"]["S"] for page in db.get_paginator("scan").paginate(TableName="atomicity", ConsistentRead=True)
            for item in page["Items"] if item["pk"]["S"].startswith(prefix)}


def test_a_write_arriving_during_a_cancelled_transaction_survives_its_rollback(moto_server, monkeypatch):
    db = fresh_table(moto_server)
    competitor = threading.Thread(target=lambda: db.put_item(TableName="atomicity", Item={"pk": {"S": "w-meanwhile"}}))
    real_get_item = DynamoDBBackend.get_item

    def get_item(self, table_name, keys, *args, **kwargs):
        if keys == MISSING and not competitor.is_alive() and competitor.ident is None:
            # Mid-transaction, after its first Put: another client writes. Plain moto applies that write
            # at once; atomic requests make it wait for this transaction, so the bounded wait just expires.
            competitor.start()
            competitor.join(timeout=1)
        return real_get_item(self, table_name, keys, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "get_item", get_item)
    with pytest.raises(ClientError) as cancelled:
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "atomicity", "Item": {"pk": {"S": "w-tx"}}}},
                                               {"ConditionCheck": CHECK_MISSING}])
    competitor.join()
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert competitor.ident is not None  # the competing write was injected inside the transaction
    assert keys_of(db, "w-") == {"w-meanwhile"}  # the transaction left nothing; the other write is kept


def test_concurrent_transactions_keep_every_committed_write_and_no_cancelled_one(moto_server):
    threads, each = 8, 20
    db = fresh_table(moto_server, filler=200)  # a bigger table makes plain moto's copy, and its window, longer
    db.put_item(TableName="atomicity", Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
    committed, cancelled, unexpected = [], [], []
    start_together = threading.Barrier(threads)

    def writer(t):
        start_together.wait()
        for i in range(each):
            key = f"w-{t}-{i}"
            # Each transaction adds 1 to the shared counter and puts its own item; every other one also
            # checks an item that does not exist, so it is cancelled and must leave no trace.
            items = [{"Update": {"TableName": "atomicity", "Key": {"pk": {"S": "counter"}},
                                 "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                     {"Put": {"TableName": "atomicity", "Item": {"pk": {"S": key}},
                              "ConditionExpression": "attribute_not_exists(pk)"}}]
            try:
                db.transact_write_items(TransactItems=items + ([{"ConditionCheck": CHECK_MISSING}] if i % 2 else []))
                committed.append(key)
            except ClientError as exc:
                (cancelled if exc.response["Error"]["Code"] == "TransactionCanceledException"
                 else unexpected).append(key)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert unexpected == []
    assert len(committed) == len(cancelled) == threads * each // 2
    counter = db.get_item(TableName="atomicity", Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]["n"]["N"]
    assert (int(counter), keys_of(db, "w-")) == (len(committed), set(committed))


EVERY_TYPE = {
    "pk": {"S": "every-type"}, "empty": {"S": ""}, "unicode": {"S": "Zoë · 東京 · \u2028"}, "int": {"N": "125000"},
    "decimal": {"N": "-0.5"}, "yes": {"BOOL": True}, "no": {"BOOL": False}, "nothing": {"NULL": True},
    "words": {"SS": ["a", "b"]}, "numbers": {"NS": ["1", "2.5"]}, "no_list": {"L": []}, "no_map": {"M": {}},
    "entries": {"L": [{"M": {"kind": {"S": "payment_succeeded"}, "cents": {"N": "-40000"}, "seen": {"BOOL": False},
                             "tags": {"L": [{"S": "x"}, {"NULL": True}, {"M": {"deep": {"NS": ["3"]}}}]}}}]},
    "bytes": {"B": b"\x00\xffraw"}, "byte_set": {"BS": [b"\x01", b"\x02"]},
    "mixed": {"M": {"blob": {"B": b"inside"}, "text": {"S": "beside a blob"}}},
}


def every_answer(db) -> list[dict]:
    """The item through every read and write that returns one, each answer as botocore parsed it."""
    key = {"pk": EVERY_TYPE["pk"]}
    return [
        db.put_item(TableName="atomicity", Item=EVERY_TYPE, ReturnValues="ALL_OLD"),
        db.get_item(TableName="atomicity", Key=key),
        db.query(TableName="atomicity", KeyConditionExpression="pk = :k", ExpressionAttributeValues={":k": key["pk"]}),
        db.scan(TableName="atomicity"),
        db.transact_get_items(TransactItems=[{"Get": {"TableName": "atomicity", "Key": key}}]),
        db.update_item(TableName="atomicity", Key=key, UpdateExpression="SET #i = #i + :one",
                       ExpressionAttributeNames={"#i": "int"}, ExpressionAttributeValues={":one": {"N": "1"}},
                       ReturnValues="ALL_NEW"),
        db.batch_get_item(RequestItems={"atomicity": {"Keys": [key]}}),
    ]


def test_items_answered_as_stored_are_what_moto_itself_would_answer(moto_server, monkeypatch):
    """infra/moto_server.py writes plain AttributeValues as stored instead of through moto's serializer (a
    quarter of the suite's time): every type, nested, empty, binary beside text, through every read."""
    from infra import moto_server as server

    answers = {}
    for as_stored in (False, True):
        monkeypatch.setattr(server, "ITEMS_AS_STORED", as_stored)
        answers[as_stored] = [{k: v for k, v in answer.items() if k != "ResponseMetadata"}
                              for answer in every_answer(fresh_table(moto_server))]
    assert answers[True] == answers[False]
    assert answers[True][1]["Item"]["bytes"] == {"B": b"\x00\xffraw"}  # binary still encoded by moto, read back
    assert answers[True][5]["Attributes"]["int"] == {"N": "125001"}


def test_only_plain_attribute_values_skip_the_serializer():
    from infra.moto_server import plain_attribute_value

    assert plain_attribute_value({"M": {"a": {"L": [{"S": "x"}, {"BOOL": False}]}}})
    for not_plain in ({"B": "AAE="}, {"M": {"a": {"B": b"x"}}}, {"N": 5}, {"S": "x", "N": "1"}, {"SS": [1]},
                      {"BOOL": "true"}, {"L": [{"X": "?"}]}, "S", None):
        assert not plain_attribute_value(not_plain), not_plain

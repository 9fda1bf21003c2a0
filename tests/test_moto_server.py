"""The tests' moto server (infra/moto_server.py) applies each DynamoDB request atomically, as DynamoDB does,
answers items as stored exactly as moto's own serializer would, keeps connections open without letting one
request's body leak into the next, and empties its data between tests only while the resources are as set up.

Plain moto 5.2 (moto.server.ThreadedMotoServer) fails the first two tests: a cancelled TransactWriteItems is rolled
back by restoring a copy of the whole table taken when it began, which erases what other requests wrote
meanwhile (and, restored from a stale copy, a cancelled write can reappear). The first test provokes that
deterministically; the second shows it under plain concurrency (on plain moto it failed 20 runs in 20 here,
but how often rests on timing). On this server both pass whatever the timing: requests do not overlap."""

import http.client
import json
import os
import socket
import threading
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend

from infra.moto_server import stored_items
from infra.seed import put_client, put_invoice
from tests.helpers import aws_client, scanned_table_snapshot, sent_emails, table_snapshot

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


def test_a_cancelled_transaction_leaves_every_item_it_named_as_it_was_without_copying_whole_tables(moto_server):
    db = fresh_table(moto_server, filler=30)
    db.create_table(TableName="ranged", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                          {"AttributeName": "sk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
    for sk in ("a", "b"):
        db.put_item(TableName="ranged", Item={"pk": {"S": "inv"}, "sk": {"S": sk}, "cents": {"N": "100"},
                                              "entries": {"L": [{"M": {"cents": {"N": "100"}}}]}})
    db.put_item(TableName="atomicity", Item={"pk": {"S": "doomed"}, "n": {"N": "1"}})
    from moto.dynamodb.models import dynamodb_backends
    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables
    before, table_objects = stored_items("us-east-1"), dict(tables)

    writes = [
        {"Put": {"TableName": "ranged", "Item": {"pk": {"S": "inv"}, "sk": {"S": "c"}}}},  # beside items kept
        {"Put": {"TableName": "ranged", "Item": {"pk": {"S": "new-partition"}, "sk": {"S": "a"}}}},
        {"Update": {"TableName": "ranged", "Key": {"pk": {"S": "inv"}, "sk": {"S": "a"}},  # changed in place
                    "UpdateExpression": "SET cents = cents + :d, entries = list_append(entries, :e)",
                    "ExpressionAttributeValues": {":d": {"N": "50"}, ":e": {"L": [{"M": {"cents": {"N": "50"}}}]}}}},
        {"Delete": {"TableName": "atomicity", "Key": {"pk": {"S": "doomed"}}}},
        {"Update": {"TableName": "atomicity", "Key": {"pk": {"S": "created-by-update"}},
                    "UpdateExpression": "SET n = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ]
    doomed_twice = {"ConditionCheck": {"TableName": "atomicity", "Key": {"pk": {"S": "doomed"}},
                                       "ConditionExpression": "attribute_exists(pk)"}}
    # A failed check before the writes or after them (moto applies the rest, then rolls back), and an item named
    # twice (refused half-way through).
    for items in ([{"ConditionCheck": CHECK_MISSING}] + writes, writes + [{"ConditionCheck": CHECK_MISSING}],
                  writes + [doomed_twice]):
        with pytest.raises(ClientError) as cancelled:
            db.transact_write_items(TransactItems=items)
        assert cancelled.value.response["Error"]["Code"] in ("TransactionCanceledException", "ValidationException")
        assert stored_items("us-east-1") == before
    assert all(tables[name] is table for name, table in table_objects.items())  # no table was replaced by a copy

    db.transact_write_items(TransactItems=writes)  # the same writes, not cancelled, all apply
    after = {item["sk"]["S"]: item for item in stored_items("us-east-1")["ranged"] if item["pk"]["S"] == "inv"}
    assert (sorted(after), after["a"]["cents"], len(after["a"]["entries"]["L"])) == (["a", "b", "c"], {"N": "150"}, 2)


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


def _connections_counted(server, monkeypatch) -> list:
    accepted = []
    real = server._server.process_request
    monkeypatch.setattr(server._server, "process_request", lambda request, address: (accepted.append(address),
                                                                                     real(request, address)))
    return accepted


def test_one_connection_carries_request_after_request_and_no_body_leaks_into_the_next(moto, moto_server, monkeypatch):
    """Kept-alive connections: a body moto never reads (its reset route ignores it) is read to its end, and a
    request sent the moment the last answer arrived, inside the window werkzeug discards leftovers in, is
    answered rather than discarded."""
    accepted = _connections_counted(moto, monkeypatch)
    connection = http.client.HTTPConnection(urlsplit(moto_server).netloc, timeout=5)
    answers = []
    for _ in range(10):
        connection.request("POST", "/moto-api/reset", body=b"x" * 70_000)
        answers.append(connection.getresponse())
        answers[-1].read()
        connection.request("GET", "/moto-api/data.json")
        answers.append(connection.getresponse())
        assert isinstance(json.loads(answers[-1].read()), dict)
    connection.close()
    assert [answer.status for answer in answers] == [200] * 20
    assert [answer.getheader("Connection") for answer in answers] == [None] * 20
    assert len(accepted) == 1


def test_a_chunked_request_is_answered_and_then_its_connection_closed(moto_server):
    """A chunked body is werkzeug's to read (and discard, if moto does not): that connection is not kept."""
    with socket.create_connection((urlsplit(moto_server).hostname, urlsplit(moto_server).port), timeout=5) as sock:
        sock.sendall(b"POST /moto-api/reset HTTP/1.1\r\nHost: moto\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n0\r\n\r\n")
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        answer.read()
        assert (answer.status, answer.getheader("Connection")) == (200, "close")
        assert sock.recv(1) == b""  # closed by the server


def _resources() -> dict:
    """Everything the tests' set-up made, as AWS describes it."""
    dynamodb, sqs, secrets, ses = (aws_client(s) for s in ("dynamodb", "sqs", "secretsmanager", "ses"))
    tables = dynamodb.list_tables()["TableNames"]
    return {
        "tables": {name: {k: v for k, v in dynamodb.describe_table(TableName=name)["Table"].items()
                          if k not in ("ItemCount", "TableSizeBytes")} for name in tables},
        "ttl": {name: dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] for name in tables},
        "queues": {url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                   for url in sqs.list_queues().get("QueueUrls", [])},
        "secrets": {s["ARN"]: secrets.get_secret_value(SecretId=s["ARN"])["SecretString"]
                    for s in secrets.list_secrets()["SecretList"]},
        "identities": ses.list_identities()["Identities"],
    }


def _write_data(aws) -> None:
    """An item, a message on every queue and a sent email: what a test's requests leave behind."""
    put_client("client-a", name="Ann Archer", billing_email="ann@example.test")
    for queue in ("receipt_queue", "receipt_dlq", "ach_event_queue", "ach_event_dlq"):
        aws_client("sqs").send_message(QueueUrl=aws[queue], MessageBody="{}")
    aws_client("ses").send_email(Source=os.environ["SENDER_EMAIL"], Destination={"ToAddresses": ["a@example.test"]},
                                 Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})


def _messages_waiting() -> dict:
    sqs = aws_client("sqs")
    return {url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            ["Attributes"]["ApproximateNumberOfMessages"] for url in sqs.list_queues().get("QueueUrls", [])}


def test_clear_data_empties_tables_queues_and_sent_mail_and_keeps_every_resource(aws, moto):
    """What the `aws` fixture does between tests instead of re-creating the resources."""
    resources = _resources()
    _write_data(aws)
    aws_client("sqs").receive_message(QueueUrl=aws["receipt_queue"])  # one in flight, too
    assert table_snapshot()[os.environ["CLIENTS_TABLE"]] != []
    assert sent_emails(aws["moto"]) != []

    assert moto.clear_data() is True
    assert table_snapshot() == {name: [] for name in resources["tables"]}
    assert set(_messages_waiting().values()) == {"0"}
    assert aws_client("sqs").receive_message(QueueUrl=aws["receipt_queue"], VisibilityTimeout=0).get("Messages") is None
    assert sent_emails(aws["moto"]) == []
    assert _resources() == resources


CHANGES = {
    "a new queue": lambda aws: aws_client("sqs").create_queue(QueueName="another"),
    "a queue's attributes": lambda aws: aws_client("sqs").set_queue_attributes(
        QueueUrl=aws["receipt_queue"], Attributes={"VisibilityTimeout": "7"}),
    "a secret's value": lambda aws: aws_client("secretsmanager").put_secret_value(
        SecretId=os.environ["STRIPE_SECRET_ARN"], SecretString="{}"),
    "a sender identity (SES's query protocol)": lambda aws: aws_client("ses").verify_email_identity(
        EmailAddress="someone@acme.test"),
    "a table's time to live": lambda aws: aws_client("dynamodb").update_time_to_live(
        TableName=os.environ["CLIENTS_TABLE"], TimeToLiveSpecification={"Enabled": True, "AttributeName": "x"}),
    "moto's own reset": lambda aws: requests.post(f"{aws['moto']}/moto-api/reset", timeout=10),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_after_any_change_to_a_resource_clear_data_refuses_and_changes_nothing(aws, moto, change):
    """The next test's fixture then resets moto and creates everything again."""
    _write_data(aws)
    change(aws)
    before = (table_snapshot(), _messages_waiting(), sent_emails(aws["moto"]))
    assert moto.clear_data() is False
    assert (table_snapshot(), _messages_waiting(), sent_emails(aws["moto"])) == before


def test_a_snapshot_read_from_the_store_is_what_scans_of_every_table_answer(aws):
    """tests/helpers.table_snapshot reads moto's store instead of scanning each table."""
    put_client("client-a", name="Ann Archer", billing_email="ann@example.test")
    put_invoice("client-a", "inv-1", number="INV-1", total=125000, due_date="2026-12-01", amount_paid=40000,
                line_items=[("Bookkeeping", 3, 25000), ("Payroll", 1, 50000)],
                late_fee={"kind": "flat", "amount": 2500, "basis_points": 0, "grace_days": 5})
    plain = {k: v for k, v in EVERY_TYPE.items() if k not in ("bytes", "byte_set", "mixed")}  # nothing here is binary
    key = aws_client("dynamodb").describe_table(TableName=os.environ["EVENTS_TABLE"])["Table"]["KeySchema"]
    aws_client("dynamodb").put_item(TableName=os.environ["EVENTS_TABLE"],
                                    Item={**plain, **{k["AttributeName"]: {"S": "event-1"} for k in key}})
    snapshot = table_snapshot()
    assert snapshot == scanned_table_snapshot()
    assert [name for name, items in snapshot.items() if items] == sorted(
        os.environ[t] for t in ("CLIENTS_TABLE", "EVENTS_TABLE", "INVOICES_TABLE"))

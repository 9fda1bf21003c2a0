"""The tests' moto server (infra/moto_server.py) refuses DynamoDB (DynamoDB Local serves it) or, with DYNAMODB=moto,
serves it one request at a time; keeps connections open without letting one request's body leak into the next, and
empties its data between tests only while the resources are as set up."""

import http.client
import json
import os
import socket
import threading
import time
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from infra.dynamodb_local import Client
from infra.moto_server import MotoServer
from tests.helpers import aws_client, needs_dynamodb_local, sent_emails


@needs_dynamodb_local
def test_a_dynamodb_request_that_reaches_moto_is_refused_and_says_where_dynamodb_is(moto_server):
    """A client that ignored AWS_ENDPOINT_URL_DYNAMODB would otherwise write to a second DynamoDB nobody reads."""
    moto_dynamodb = boto3.client("dynamodb", endpoint_url=moto_server)
    with pytest.raises(ClientError) as refused:
        moto_dynamodb.list_tables()
    assert refused.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "AWS_ENDPOINT_URL_DYNAMODB" in refused.value.response["Error"]["Message"]


def test_serving_dynamodb_moto_answers_one_dynamodb_request_at_a_time(monkeypatch):
    """DYNAMODB=moto: a read sent while a write is in moto's hands waits for it and sees it (moto itself takes no
    lock: its read would answer at once, without the item)."""
    from moto.dynamodb.models import DynamoDBBackend

    server = MotoServer(serve_dynamodb=True).start()
    client = Client(server.url, access_key="locktest")
    table = {
        "TableName": "lock-test",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }
    client.call("CreateTable", table)
    writing, release = threading.Event(), threading.Event()
    put_item = DynamoDBBackend.put_item

    def held_put_item(self, *args, **kwargs):
        writing.set()
        assert release.wait(30)
        return put_item(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", held_put_item)
    read: dict = {}
    try:
        writer = threading.Thread(
            target=client.call, args=("PutItem", {"TableName": "lock-test", "Item": {"id": {"S": "a"}}})
        )
        writer.start()
        assert writing.wait(30)
        reader = threading.Thread(
            target=lambda: read.update(
                client.call("GetItem", {"TableName": "lock-test", "Key": {"id": {"S": "a"}}, "ConsistentRead": True})
            )
        )
        reader.start()
        time.sleep(0.3)  # time for the read to be answered, were it not held
        release.set()
        writer.join(30)
        reader.join(30)
        assert read.get("Item") == {"id": {"S": "a"}}
    finally:
        release.set()
        client.call("DeleteTable", {"TableName": "lock-test"})
        server.stop()


def _connections_counted(server, monkeypatch) -> list:
    accepted = []
    real = server._server.process_request
    monkeypatch.setattr(
        server._server, "process_request", lambda request, address: (accepted.append(address), real(request, address))
    )
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
        sock.sendall(
            b"POST /moto-api/reset HTTP/1.1\r\nHost: moto\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        answer.read()
        assert (answer.status, answer.getheader("Connection")) == (200, "close")
        assert sock.recv(1) == b""  # closed by the server


def _resources() -> dict:
    """Everything the tests' set-up made in moto, as AWS describes it."""
    sqs, secrets, ses = (aws_client(s) for s in ("sqs", "secretsmanager", "ses"))
    return {
        "queues": {
            url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            for url in sqs.list_queues().get("QueueUrls", [])
        },
        "secrets": {
            s["ARN"]: secrets.get_secret_value(SecretId=s["ARN"])["SecretString"]
            for s in secrets.list_secrets()["SecretList"]
        },
        "identities": ses.list_identities()["Identities"],
    }


def _write_data(aws) -> None:
    """A message on every queue and a sent email: what a test's requests leave behind in moto."""
    for queue in ("receipt_queue", "receipt_dlq", "ach_event_queue", "ach_event_dlq"):
        aws_client("sqs").send_message(QueueUrl=aws[queue], MessageBody="{}")
    aws_client("ses").send_email(
        Source=os.environ["SENDER_EMAIL"],
        Destination={"ToAddresses": ["a@example.test"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    )


def _messages_waiting() -> dict:
    sqs = aws_client("sqs")
    return {
        url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        for url in sqs.list_queues().get("QueueUrls", [])
    }


def test_clear_data_empties_queues_and_sent_mail_and_keeps_every_resource(aws, moto):
    """What the `aws` fixture does between tests instead of re-creating moto's resources."""
    resources = _resources()
    _write_data(aws)
    aws_client("sqs").receive_message(QueueUrl=aws["receipt_queue"])  # one in flight, too
    assert sent_emails(aws["moto"]) != []

    assert moto.clear_data() is True
    assert set(_messages_waiting().values()) == {"0"}
    assert aws_client("sqs").receive_message(QueueUrl=aws["receipt_queue"], VisibilityTimeout=0).get("Messages") is None
    assert sent_emails(aws["moto"]) == []
    assert _resources() == resources


CHANGES = {
    "a new queue": lambda aws: aws_client("sqs").create_queue(QueueName="another"),
    "a queue's attributes": lambda aws: aws_client("sqs").set_queue_attributes(
        QueueUrl=aws["receipt_queue"], Attributes={"VisibilityTimeout": "7"}
    ),
    "a secret's value": lambda aws: aws_client("secretsmanager").put_secret_value(
        SecretId=os.environ["STRIPE_SECRET_ARN"], SecretString="{}"
    ),
    "a sender identity (SES's query protocol)": lambda aws: aws_client("ses").verify_email_identity(
        EmailAddress="someone@acme.test"
    ),
    "moto's own reset": lambda aws: requests.post(f"{aws['moto']}/moto-api/reset", timeout=10),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_after_any_change_to_a_resource_clear_data_refuses_and_changes_nothing(aws, moto, change):
    """The next test's fixture then resets moto and creates everything again."""
    _write_data(aws)
    change(aws)
    before = (_messages_waiting(), sent_emails(aws["moto"]))
    assert moto.clear_data() is False
    assert (_messages_waiting(), sent_emails(aws["moto"])) == before

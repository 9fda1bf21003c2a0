"""moto in server mode on 127.0.0.1, with every DynamoDB request applied atomically, as DynamoDB applies it.

moto's threaded server handles requests concurrently and its DynamoDB backend takes no lock: a conditional
PutItem or UpdateItem checks, then writes; a TransactWriteItems applies its items one by one and, if one
fails, rolls back by restoring deep copies of whole tables taken when it began, erasing what other requests
committed meanwhile. Under load two correct transactions could then both appear to win, or a committed
write vanish, and a race test would fail on moto's race instead of the code's. One lock around moto's WSGI
app serialises DynamoDB requests (every other service is served concurrently as before), so each request is
atomic and a race test sees only the races of the code under test.

Items are answered as stored. moto 5.2 writes every response through a generic serializer that walks the
service's shapes member by member; an item is a map of AttributeValue structures, so a Scan of a few invoices
with their ledger entries cost about 40 ms of Python, and the suite spent a quarter of its time there. The
AttributeValues moto keeps are already DynamoDB's JSON; when one holds only the types that need no encoding
(S, N, BOOL, NULL, SS, NS, and M and L of those), it is written as it is, which is what the serializer would
have produced (tests/test_moto_server.py compares the two on every type; MOTO_COMPARE_ITEMS=1 compares them
on every item a run answers). Binary values and anything unexpected still go through moto's serializer.

Connections are kept open between requests (HTTP/1.1 keep-alive). Werkzeug's development server closes every
connection, because after each response it reads and discards whatever is left on the socket, which on a kept
connection could be the client's next request; a new connection, and a new server thread, per request was
about a quarter of a GetItem's cost on both sides. `KeepAliveHandler` reads exactly the request's body to its
end instead, so nothing is left to discard, and turns werkzeug's discarding off for its own requests only.

A cancelled TransactWriteItems is rolled back from copies of the items it names, not of whole tables. moto
deep-copies every table a transaction names before it begins, so each transaction cost time in proportion to
what its tables held (a sixth of the money model's CPU). With one DynamoDB request at a time, the items a
transaction names are all it can change, so restoring the partitions they are in is the same rollback
(tests/test_moto_server.py cancels transactions that put, update and delete, in tables with and without a sort
key). A transaction whose keys cannot be read, or that names a table with a stream, keeps moto's own copies.

Two lookups moto repeats on every request are made once: the list of its service packages (it lists its own
directory and asks the file system about each of ~150 entries to route a request, about a quarter of a
GetItem's server time) and the handler class's method names.

Tests empty what they wrote instead of re-creating every resource: the server notes any request that could
change a resource (anything but reading and writing items, sending and receiving messages, reading secrets
and sending mail), and `clear_data()` empties the tables, queues and sent mail only while no such request has
been made since `resources_ready()`; otherwise the caller resets moto and creates the resources again.

Used by the tests (tests/conftest.py), the local stack and the benchmarks: `MotoServer().start()`.
"""

import copy
import functools
import io
import json
import os
import re
import selectors
import socket
import threading
import types
from collections.abc import Iterable
from urllib.parse import parse_qs

from moto import backends
from moto.core import DEFAULT_ACCOUNT_ID, responses, serialize
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug import serving
from werkzeug.serving import make_server
from werkzeug.wsgi import LimitedStream

from infra import cognito_mail
from infra.cognito_mail import CognitoMail

_AS_IS = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
ITEMS_AS_STORED = True  # tests/test_moto_server.py turns it off to compare with moto's own serializer
_COMPARE = os.environ.get("MOTO_COMPARE_ITEMS") == "1"


def plain_attribute_value(value) -> bool:
    """True when `value` is an AttributeValue in DynamoDB JSON that needs no encoding (no binary)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind in _AS_IS:
        return type(inner) is _AS_IS[kind]
    if kind in ("SS", "NS"):
        return isinstance(inner, list) and all(type(v) is str for v in inner)
    if kind == "M":
        return isinstance(inner, dict) and all(type(k) is str and plain_attribute_value(v) for k, v in inner.items())
    if kind == "L":
        return isinstance(inner, list) and all(plain_attribute_value(v) for v in inner)
    return False


_serialize_structure = serialize.BaseJSONSerializer._serialize_type_structure


def _serialize_structure_fast(self, serialized, value, shape, key):
    if ITEMS_AS_STORED and key and shape.name == "AttributeValue" and plain_attribute_value(value):
        if _COMPARE:
            expected: dict = {}
            _serialize_structure(self, expected, value, shape, key)
            if json.loads(json.dumps(expected[key])) != value:
                raise AssertionError(f"moto would answer {expected[key]!r}, not {value!r}")
        serialized[key] = value
        return
    _serialize_structure(self, serialized, value, shape, key)


serialize.BaseJSONSerializer._serialize_type_structure = _serialize_structure_fast

_MOTO_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _MOTO_MODULES
responses.method_names_from_class = functools.cache(responses.method_names_from_class)

_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items
_items_undo = threading.local()
_ABSENT = object()


def _deepcopy(value, memo=None):
    """moto's deep copy, except of a whole table while a transaction's items are kept for its rollback."""
    if isinstance(value, Table) and getattr(_items_undo, "active", False):
        return value  # moto "restores" the same table; the items are put back by _transact_write_items_undone
    return copy.deepcopy(value, memo)


def _undo_entries(backend, transact_items: list) -> list | None:
    """(table, partition key, copy of what the table holds under it or _ABSENT) for each item a transaction names;
    None when a key cannot be read or a table has a stream (moto's own rollback then runs)."""
    entries = []
    for entry in transact_items:
        if not isinstance(entry, dict) or len(entry) != 1:
            return None
        ((kind, op),) = entry.items()
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None:
            continue  # moto refuses the transaction before it changes anything
        if table.stream_shard is not None:
            return None
        attributes = op.get("Item") if kind == "Put" else op.get("Key")
        try:
            partition = DynamoType(attributes[table.hash_key_attr])
            hash(partition)
        except Exception:  # noqa: BLE001 - anything moto itself would refuse: its own path answers
            return None
        held = table.items.get(partition, _ABSENT)
        entries.append((table, partition, _ABSENT if held is _ABSENT else copy.deepcopy(held)))
    return entries


def _transact_write_items_undone(self, transact_items):
    entries = _undo_entries(self, transact_items)
    if entries is None:
        return _transact_write_items(self, transact_items)
    _items_undo.active = True
    try:
        return _transact_write_items(self, transact_items)
    except BaseException:
        # What each partition held before: every change the transaction made is in one of them.
        for table, partition, held in entries:
            if held is _ABSENT:
                table.items.pop(partition, None)
            else:
                table.items[partition] = held
        raise
    finally:
        _items_undo.active = False


dynamodb_models.copy = types.SimpleNamespace(deepcopy=_deepcopy, copy=copy.copy)
dynamodb_models.DynamoDBBackend.transact_write_items = _transact_write_items_undone

# What a request may do and still leave every resource as set up: the items, messages and sent mail it changes
# are what clear_data() empties. Keyed by the service in the request's signature.
DATA_ACTIONS = {
    "dynamodb": {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                 "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "DescribeTable", "ListTables",
                 "DescribeTimeToLive"},
    "sqs": {"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
            "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes", "GetQueueUrl",
            "ListQueues"},
    "secretsmanager": {"GetSecretValue", "DescribeSecret", "ListSecrets"},
    "ses": {"SendEmail", "SendRawEmail", "GetSendQuota", "ListIdentities", "GetIdentityVerificationAttributes"},
    "ssm": {"GetParameter"},
}
_SIGNED_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


def request_action(environ: dict) -> tuple[str, str]:
    """(service, action) of a signed AWS request, from its signature and its X-Amz-Target or Action parameter;
    ("", "") when it is neither (moto's own /moto-api routes)."""
    signed = _SIGNED_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not signed:
        return "", ""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return signed.group(1), target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if ("Action" not in query and environ.get("CONTENT_LENGTH")
            and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")):
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        environ["wsgi.input"] = io.BytesIO(body)  # put back for moto
        query = parse_qs(body.decode("utf-8", "replace"))
    return signed.group(1), (query.get("Action") or [""])[0]


_DYNAMODB_LOCK = threading.Lock()  # one DynamoDB request at a time in this process (one moto store per process)


def stored_items(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> dict[str, list[dict]]:
    """Every item of every table of this process's moto, in DynamoDB JSON as a Scan answers it, read between
    requests: the tests' whole-table snapshots, without a ListTables and a Scan per table each time
    (tests/test_moto_server.py compares the two)."""
    from moto.dynamodb.models import dynamodb_backends

    with _DYNAMODB_LOCK:
        tables = dynamodb_backends[account_id][region].tables
        return {name: [item.to_json()["Attributes"] for item in table.all_items()] for name, table in tables.items()}


class AtomicDynamoDB:
    """WSGI middleware: one DynamoDB request at a time (DynamoDB's JSON API names its target in X-Amz-Target),
    and a note of any request that may have changed a resource."""

    def __init__(self, app):
        self._app = app
        self._lock = _DYNAMODB_LOCK
        self.resources_changed = True  # nothing is set up yet

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        service, action = request_action(environ)
        if action not in DATA_ACTIONS.get(service, ()) and not (
                environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == "/moto-api/data.json"):
            self.resources_changed = True
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            # The body is produced inside the lock too: nothing of the request runs outside it.
            response = self._app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                getattr(response, "close", lambda: None)()


def _tracked_models() -> list:
    from moto.core.model_instances import model_data

    return [model for models in model_data.values() for model in models.values()]


def _clear_items_messages_and_mail() -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.ses.models import ses_backends
    from moto.sqs.models import sqs_backends

    for _, _, dynamodb in dynamodb_backends.iter_backends():
        for table in dynamodb.tables.values():
            table.items.clear()
    for _, _, sqs in sqs_backends.iter_backends():
        for queue in sqs.queues.values():
            with queue._messages_lock:
                queue._messages = []
                queue._pending_messages = set()
    for _, _, ses in ses_backends.iter_backends():
        ses.sent_messages = []
        ses.sent_message_count = 0
    cognito_mail.clear()


_keep_alive_request = threading.local()


class _DrainSelector(selectors.DefaultSelector):
    """Werkzeug's selector for what is left on the socket after a response; during a KeepAliveHandler request
    it finds nothing (the handler has read the body to its end, and anything after it is the next request)."""

    def select(self, timeout=None):
        if getattr(_keep_alive_request, "active", False):
            return []
        return super().select(timeout)


serving.selectors = types.SimpleNamespace(DefaultSelector=_DrainSelector, EVENT_READ=selectors.EVENT_READ)


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler on kept-alive HTTP/1.1 connections."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, each kept connection's second request
        # waits 40 ms for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> dict:
        environ = super().make_environ()
        if not environ.get("wsgi.input_terminated"):  # a chunked body is werkzeug's to read and discard; it closes
            self._body = LimitedStream(self.rfile, int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = self._body
            environ["wsgi.input_terminated"] = True
            _keep_alive_request.active = True
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if keyword == "Connection" and value == "close" and self._body is not None:
            return  # werkzeug closes every connection; this one stays open
        super().send_header(keyword, value)

    def run_wsgi(self) -> None:
        self._body = None
        try:
            super().run_wsgi()
        finally:
            _keep_alive_request.active = False
        if self._body is None:
            self.close_connection = True
        else:
            self._body.exhaust()  # whatever moto did not read of this request, so the next one starts clean


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        # Cognito's own emails (invitations, reset codes) kept for the local stack: infra/cognito_mail.py.
        self._app = AtomicDynamoDB(CognitoMail(DomainDispatcherApplication(create_backend_app)))
        self._server = make_server(host, port, self._app, threaded=True, request_handler=KeepAliveHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "MotoServer":
        self._thread.start()
        return self

    def resources_ready(self) -> None:
        """The resources as they are now are the set-up that clear_data() keeps."""
        self._app.resources_changed = False
        self._set_up_instances = {model: list(model.instances_tracked) for model in _tracked_models()}

    def clear_data(self) -> bool:
        """Empty every table, queue and the sent mail, keeping the resources; False (and nothing done) when a
        request since resources_ready() may have changed a resource, so that only a full reset restores them."""
        if self._app.resources_changed:
            return False
        with self._app._lock:
            _clear_items_messages_and_mail()
            # moto's /moto-api/data.json (which tests read SES's mail from) lists every model instance made
            # since its last reset: keep only those of the set-up.
            for model in _tracked_models():
                model.instances_tracked = list(self._set_up_instances.get(model, ()))
        return True

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

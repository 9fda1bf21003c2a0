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

Used by the tests (tests/conftest.py), the local stack and the benchmarks: `MotoServer().start()`.
"""

import json
import os
import threading
from collections.abc import Iterable

from moto.core import serialize
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

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


class AtomicDynamoDB:
    """WSGI middleware: one DynamoDB request at a time (DynamoDB's JSON API names its target in X-Amz-Target)."""

    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            # The body is produced inside the lock too: nothing of the request runs outside it.
            response = self._app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                getattr(response, "close", lambda: None)()


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._server = make_server(host, port, AtomicDynamoDB(DomainDispatcherApplication(create_backend_app)),
                                   threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "MotoServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

"""moto in server mode on 127.0.0.1, with every DynamoDB request applied atomically, as DynamoDB applies it.

moto's threaded server handles requests concurrently and its DynamoDB backend takes no lock: a conditional
PutItem or UpdateItem checks, then writes; a TransactWriteItems applies its items one by one and, if one
fails, rolls back by restoring deep copies of whole tables taken when it began, erasing what other requests
committed meanwhile. Under load two correct transactions could then both appear to win, or a committed
write vanish, and a race test would fail on moto's race instead of the code's. One lock around moto's WSGI
app serialises DynamoDB requests (every other service is served concurrently as before), so each request is
atomic and a race test sees only the races of the code under test.

Used by the tests (tests/conftest.py), the local stack and the benchmarks: `MotoServer().start()`.
"""

import threading
from collections.abc import Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


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

"""moto in server mode on 127.0.0.1 for every AWS service the template uses but DynamoDB (Cognito, SQS, SES,
Secrets Manager), which is AWS's own DynamoDB Local (infra/dynamodb_local.py). A DynamoDB request that reaches
moto is refused (400 `UnknownOperationException`, saying where DynamoDB is): every client must reach DynamoDB
through its own endpoint (AWS_ENDPOINT_URL_DYNAMODB, `dynamodb_endpoint_url` in .local/stack.json), and one that
does not fails loudly instead of writing to a second, different DynamoDB.

`DYNAMODB=moto` (infra/dynamodb_choice.py: a machine without Java) makes moto serve DynamoDB too, one request at
a time. moto's threaded server takes no lock of its own: a conditional write checks, then writes, and a cancelled
TransactWriteItems restores copies of whole tables taken when it began, erasing what other requests committed
meanwhile, so two racing transactions could both win. With one DynamoDB request at a time each is atomic, as in
DynamoDB, and moto's rollback restores only what the transaction itself changed.

Connections are kept open between requests (HTTP/1.1 keep-alive). Werkzeug's development server closes every
connection, because after each response it reads and discards whatever is left on the socket, which on a kept
connection could be the client's next request; a new connection, and a new server thread, per request was
about a quarter of a request's cost on both sides. `KeepAliveHandler` reads exactly the request's body to its
end instead, so nothing is left to discard, and turns werkzeug's discarding off for its own requests only.

Two lookups moto repeats on every request are made once: the list of its service packages (it lists its own
directory and asks the file system about each of ~150 entries to route a request, about a quarter of a
request's server time) and the handler class's method names.

Tests empty what they wrote instead of re-creating every resource: the server notes any request that could
change a resource (anything but sending and receiving messages, reading secrets and sending mail), and
`clear_data()` empties the queues and sent mail only while no such request has been made since
`resources_ready()`; otherwise the caller resets moto and creates the resources again.

Used by the tests (tests/conftest.py), the local stack and the benchmarks: `MotoServer().start()`.
"""

import functools
import io
import json
import re
import selectors
import socket
import threading
import types
from collections.abc import Iterable
from urllib.parse import parse_qs

from moto import backends
from moto.core import responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug import serving
from werkzeug.serving import make_server
from werkzeug.wsgi import LimitedStream

from infra import cognito_mail
from infra.cognito_mail import CognitoMail

_MOTO_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _MOTO_MODULES
responses.method_names_from_class = functools.cache(responses.method_names_from_class)

# What a request may do and still leave every resource as set up: the messages and sent mail it changes are
# what clear_data() empties. Keyed by the service in the request's signature.
DATA_ACTIONS = {
    "sqs": {
        "SendMessage",
        "SendMessageBatch",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListQueues",
    },
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
    if (
        "Action" not in query
        and environ.get("CONTENT_LENGTH")
        and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
    ):
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        environ["wsgi.input"] = io.BytesIO(body)  # put back for moto
        query = parse_qs(body.decode("utf-8", "replace"))
    return signed.group(1), (query.get("Action") or [""])[0]


class ResourceWatch:
    """WSGI middleware: a note of any request that may have changed a resource, and DynamoDB refused (its JSON API
    names its target in X-Amz-Target), or served one request at a time."""

    def __init__(self, app, serve_dynamodb: bool = False):
        self._app = app
        self._dynamodb_lock = threading.Lock() if serve_dynamodb else None
        self.resources_changed = True  # nothing is set up yet

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            if self._dynamodb_lock:
                # Not a resource change clear_data() cares for: whoever serves tables here creates and empties them.
                with self._dynamodb_lock:
                    response = self._app(environ, start_response)  # the body is made inside the lock too
                    try:
                        return [b"".join(response)]
                    finally:
                        getattr(response, "close", lambda: None)()
            body = json.dumps(
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#UnknownOperationException",
                    "message": "DynamoDB is not served by moto here: set AWS_ENDPOINT_URL_DYNAMODB to DynamoDB "
                    "Local's endpoint (dynamodb_endpoint_url in the stack file)",
                }
            ).encode()
            start_response(
                "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
            )
            return [body]
        service, action = request_action(environ)
        if action not in DATA_ACTIONS.get(service, ()) and not (
            environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == "/moto-api/data.json"
        ):
            self.resources_changed = True
        return self._app(environ, start_response)


def _tracked_models() -> list:
    from moto.core.model_instances import model_data

    return [model for models in model_data.values() for model in models.values()]


def _clear_messages_and_mail() -> None:
    from moto.ses.models import ses_backends
    from moto.sqs.models import sqs_backends

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
    def __init__(self, host: str = "127.0.0.1", port: int = 0, serve_dynamodb: bool = False):
        # Cognito's own emails (invitations, reset codes) kept for the local stack: infra/cognito_mail.py.
        self._app = ResourceWatch(CognitoMail(DomainDispatcherApplication(create_backend_app)), serve_dynamodb)
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
        """Empty every queue and the sent mail, keeping the resources; False (and nothing done) when a request since
        resources_ready() may have changed a resource, so that only a full reset restores them."""
        if self._app.resources_changed:
            return False
        _clear_messages_and_mail()
        # moto's /moto-api/data.json (which tests read SES's mail from) lists every model instance made since its
        # last reset: keep only those of the set-up.
        for model in _tracked_models():
            model.instances_tracked = list(self._set_up_instances.get(model, ()))
        return True

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

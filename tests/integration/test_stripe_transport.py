"""The card adapter's HTTP client (shared/processors/stripe_sdk.Urllib3Client) against a local server that
misbehaves the way a network does: what a client of ours sees (the answer, or ProcessorUnavailable: a 503 with
nothing changed), how often Stripe is asked, and that every try carries the same Idempotency-Key."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.http.errors import ProcessorUnavailable
from shared.processors import stripe_cards
from shared.processors.stripe_sdk import Urllib3Client, stripe

CUSTOMER = {"id": "cus_transport", "object": "customer"}


class FlakyStripe(ThreadingHTTPServer):
    """Answers each request as the next scripted behaviour says, then `ok` for ever; records every request."""

    daemon_threads = True

    def __init__(self, *script: str, slow_seconds: float = 0.0):
        self.script = list(script)
        self.slow_seconds = slow_seconds
        self.seen: list[dict] = []  # one per request: its connection (client port), path and Idempotency-Key
        self.connections = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def get_request(self):
        with self.lock:
            self.connections += 1
        return super().get_request()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def keys(self) -> set[str]:
        return {request["key"] for request in self.seen}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Stripe's API

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server: FlakyStripe = self.server
        with server.lock:
            server.seen.append(
                {"port": self.client_address[1], "path": self.path, "key": self.headers.get("Idempotency-Key")}
            )
            behaviour = server.script.pop(0) if server.script else "ok"
        if behaviour == "drop":  # the connection closes with no answer
            self.close_connection = True
            return
        if behaviour == "slow":
            time.sleep(server.slow_seconds)
        status, body, headers = 200, CUSTOMER, {}
        if behaviour == "500":
            status, body = 500, {"error": {"type": "api_error", "message": "Stripe failed"}}
        elif behaviour == "500-no-retry":
            status, body, headers = (
                500,
                {"error": {"type": "api_error", "message": "no"}},
                {"stripe-should-retry": "false"},
            )  # lower case: headers are case-insensitive
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (
            {"Content-Type": "application/json", "Content-Length": str(len(payload)), "Request-Id": "req_transport"}
            | headers
        ).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    """FlakyStripe servers, stopped after the test."""
    servers = []
    yield lambda *script, **kwargs: servers.append(FlakyStripe(*script, **kwargs)) or servers[-1]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """stripe-python waits 0.5-5 s between tries; the count and the keys are what is checked here."""
    monkeypatch.setattr(stripe.HTTPClient, "_sleep_time_seconds", lambda self, num_retries: 0)


def ensure_customer(cards: stripe_cards.StripeCards) -> str:
    return cards.ensure_customer(client_id="client-t", email="t@example.test", name="T")


def test_the_adapter_talks_through_urllib3_on_one_kept_alive_connection(flaky):
    server = flaky()
    cards = stripe_cards.StripeCards("sk_test_transport", server.url)
    assert isinstance(cards._client._requestor._client, Urllib3Client)
    assert ensure_customer(cards) == "cus_transport" and ensure_customer(cards) == "cus_transport"
    assert len(server.seen) == 2 and server.connections == 1
    assert server.seen[0]["path"] == "/v1/customers" and server.keys == {"customer:client-t"}


def test_a_dropped_connection_is_tried_again_with_the_same_key(flaky):
    server = flaky("drop", "drop")
    assert ensure_customer(stripe_cards.StripeCards("sk_test_transport", server.url)) == "cus_transport"
    assert len(server.seen) == 3 and server.keys == {"customer:client-t"}


def test_stripe_unreachable_is_processor_unavailable_after_the_retries(flaky):
    server = flaky("drop", "drop", "drop", "drop")
    with pytest.raises(ProcessorUnavailable):
        ensure_customer(stripe_cards.StripeCards("sk_test_transport", server.url))
    assert len(server.seen) == 3 and server.keys == {"customer:client-t"}  # max_network_retries=2


def test_a_refused_connection_is_processor_unavailable():
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ProcessorUnavailable) as raised:
        ensure_customer(stripe_cards.StripeCards("sk_test_transport", f"http://127.0.0.1:{port}"))
    assert raised.value.__cause__.should_retry  # it was tried again before giving up


def test_an_answer_slower_than_the_timeout_is_tried_again_with_the_same_key(flaky):
    server = flaky("slow", slow_seconds=1.0)
    client = stripe.StripeClient(
        "sk_test_transport",
        base_addresses={"api": server.url},
        max_network_retries=2,
        http_client=Urllib3Client(timeout=0.3),
    )
    customer = client.v1.customers.create(params={"email": "t@example.test"}, options={"idempotency_key": "k-1"})
    assert customer.id == "cus_transport" and len(server.seen) == 2 and server.keys == {"k-1"}


def test_stripe_errors_and_its_retry_advice_reach_stripe_python(flaky):
    server = flaky("500", "500-no-retry")
    with pytest.raises(ProcessorUnavailable) as raised:  # a 5xx: Stripe is having trouble
        ensure_customer(stripe_cards.StripeCards("sk_test_transport", server.url))
    assert isinstance(raised.value.__cause__, stripe.APIError)
    assert len(server.seen) == 2  # the 500 retried; `Stripe-Should-Retry: false` (any case) stops it


def test_a_certificate_failure_is_not_tried_again(flaky):
    server = flaky()  # plain HTTP: the TLS handshake fails
    with pytest.raises(ProcessorUnavailable) as raised:
        ensure_customer(stripe_cards.StripeCards("sk_test_transport", server.url.replace("http:", "https:")))
    error = raised.value.__cause__
    assert isinstance(error, stripe.APIConnectionError) and not error.should_retry
    assert "certificate" in error.user_message and server.connections == 1 and server.seen == []

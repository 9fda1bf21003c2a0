"""A local server answering as Stripe's API does, for the tests that run the card adapter in a fresh interpreter
(tests/unit/test_deferred_modules.py, test_snapstart_priming.py): each request gets one object of the kind its
path names, with the fields the adapter reads. Standard library only, so it loads nothing those tests look for
(requests, asyncio, stripe)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The path's resource -> (the object's `object`, its id)
KINDS = {
    "customers": ("customer", "cus_1"),
    "payment_intents": ("payment_intent", "pi_1"),
    "payment_methods": ("payment_method", "pm_1"),
    "setup_intents": ("setup_intent", "seti_1"),
    "refunds": ("refund", "re_1"),
}


class _Stripe(BaseHTTPRequestHandler):
    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind, object_id = KINDS[self.path.split("/")[2].split("?")[0]]
        body = json.dumps(
            {
                "id": object_id,
                "object": kind,
                "status": "requires_payment_method",
                "client_secret": "s",
                "customer": None,
                "card": {"brand": "visa", "last4": "4242", "exp_month": 1, "exp_year": 2030, "funding": "credit"},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def serve() -> str:
    """Start it on a free port of 127.0.0.1 (a daemon thread: it ends with the interpreter); its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stripe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"

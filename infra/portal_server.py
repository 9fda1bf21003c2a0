"""Serves the reference portal (portal/) on 127.0.0.1 for the local stack, as a static host would: the files,
index.html for the portal's own paths (/invoices/<id> from an email link), and /config.json with the API's URL;
every answer with the portal's security headers (infra/portal_headers.py: the Content-Security-Policy naming the
local API, Cognito and Stripe origins, frame-ancestors 'none', X-Frame-Options, Referrer-Policy,
Permissions-Policy). stdlib http.server, one thread per connection."""

import json
import mimetypes
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from infra import portal_headers
from infra.threaded_http import ThreadedHttp

PORTAL_DIR = Path(__file__).resolve().parent.parent / "portal"
mimetypes.add_type("text/javascript", ".js")  # module scripts need a JavaScript MIME type


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # a developer's edit shows on the next reload
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/config.json":
            body = json.dumps(self.server.config).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if "." not in path.rsplit("/", 1)[-1]:  # a portal route, not a file: the single page handles it
            self.path = "/index.html"
        super().do_GET()

    do_HEAD = do_GET


class PortalServer(ThreadedHttp):
    thread_name = "portal"

    def __init__(self, port: int = 0, directory: Path = PORTAL_DIR):
        super().__init__(port, partial(_Handler, directory=str(directory)))
        self.server.config = {}
        self.server.headers = {}

    def start(self, api_url: str, *, identity_url: str, stripe_url: str) -> "PortalServer":
        """`identity_url`: the Cognito endpoint the portal signs in against (moto); `stripe_url`: localstripe, which
        serves the Stripe.js stand-in and the API it calls."""
        self.server.config = {"api_url": api_url}
        stripe = portal_headers.origin(stripe_url)
        self.server.headers = portal_headers.security_headers(
            portal_headers.content_security_policy(
                api=portal_headers.origin(api_url),
                identity=portal_headers.origin(identity_url),
                stripe_js=[stripe],
                stripe_frames=[stripe],
                stripe_api=stripe,
            )
        )
        return super().start()

"""Serves the reference portal (portal/) on 127.0.0.1 for the local stack, as a static host would: the files,
index.html for the portal's own paths (/invoices/<id> from an email link), and /config.json with the API's URL.
stdlib http.server, one thread per connection."""

import json
import mimetypes
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from infra.threaded_http import ThreadedHttp

PORTAL_DIR = Path(__file__).resolve().parent.parent / "portal"
mimetypes.add_type("text/javascript", ".js")  # module scripts need a JavaScript MIME type


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # a developer's edit shows on the next reload
        self.send_header("X-Content-Type-Options", "nosniff")
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

    def start(self, api_url: str) -> "PortalServer":
        self.server.config = {"api_url": api_url}
        return super().start()

"""A stdlib ThreadingHTTPServer on 127.0.0.1, served from a daemon thread: the local API gateway and the
portal's static server. Binding happens in the constructor, so a port in use fails before anything starts."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ThreadedHttp:
    thread_name = "http"

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name=self.thread_name, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

"""A threaded HTTP server on 127.0.0.1 for the fake services (the Messages API, GitHub,
Linear): started by ``with``, stopped on leaving it."""

from __future__ import annotations

import http.server
import threading

# How often the serving thread looks for a shutdown: the whole wait when a test leaves
# the ``with`` block (the standard library's 0.5 s added half a second to every such test).
POLL_INTERVAL = 0.02


class QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass


class LocalServer:
    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

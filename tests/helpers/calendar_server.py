"""A real HTTP server on 127.0.0.1 that serves calendar files, for the calendar-address tests.

Real sockets, so httpx meets real status codes, real timeouts and a real server going away; it
records the paths asked for (with their query) so a test can see what was requested.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class CalendarServer:
    base: str
    """``http://127.0.0.1:<port>``."""
    files: dict[str, bytes]
    """Path (without query) → body served as text/calendar; anything else is 404."""
    requests: list[str] = field(default_factory=list)
    failing: int | None = None
    """When set, every request is answered with this status (a server having a bad minute)."""


@contextmanager
def serving_calendars(files: dict[str, bytes]) -> Iterator[CalendarServer]:
    served = CalendarServer("", dict(files))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append(self.path)
            if served.failing is not None:
                self.send_error(served.failing)
                return
            body = served.files.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

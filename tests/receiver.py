"""A webhook receiver on 127.0.0.1 for the alert tests: real HTTP in a thread, a script of status
codes (then 200 for ever), every request recorded.

    with Receiver([500, 503]) as rx:      # fails twice, then recovers
        rx.url                            # "http://127.0.0.1:PORT/hooks/T000/SECRET"
        rx.requests                       # [(status answered, JSON body)]
        rx.delivered                      # the bodies answered 2xx
        rx.script.extend([503] * 10)      # fail again
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, script: list[int] | None = None, *, retry_after: str | None = None) -> None:
        self.script = list(script or [])
        self.retry_after = retry_after
        self.requests: list[tuple[int, Any]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                with outer.lock:
                    status = outer.script.pop(0) if outer.script else 200
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                    outer.requests.append((status, body))
                self.send_response(status)
                if status >= 400 and outer.retry_after is not None:
                    self.send_header("retry-after", outer.retry_after)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/SECRET-PATH"

    @property
    def delivered(self) -> list[Any]:
        with self.lock:
            return [b for s, b in self.requests if 200 <= s < 300]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

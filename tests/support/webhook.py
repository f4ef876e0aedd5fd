"""A webhook receiver on 127.0.0.1 for alert tests: records every request; can be slow or redirect."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Hook:
    def __init__(self, *, delay_s: float = 0.0, redirect_to: str | None = None) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.delay_s = delay_s
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(hook.delay_s)  # a slow receiver (the test's subject, not synchronisation)
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.end_headers()
                    return
                hook.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            do_GET = do_POST  # a followed redirect would arrive as a GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self) -> list[dict[str, Any]]:
        return [json.loads(b) for _, b in self.received if b]

    def close(self) -> None:
        self.server.shutdown()

"""A stand-in for Kibana's saved-objects import API on 127.0.0.1 (an ephemeral port), strict about what the
API documentation requires and answering as Kibana does: 200 with `successResults`, and for a partial
failure `success: false` with `errors[]` (unsupported type, missing references, conflict); 400 without the
`kbn-xsrf` header or for a file not named *.ndjson; 401 with the wrong credentials."""

from __future__ import annotations

import json
import re
import threading
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ICONS = {"index-pattern": "indexPatternApp", "search": "discoverApp", "lens": "lensApp", "map": "gisApp",
         "dashboard": "dashboardApp"}


class FakeKibana:
    def __init__(self, *, authorization: str | None = None, unsupported: frozenset[str] = frozenset()) -> None:
        self.store: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.authorization = authorization
        self.unsupported = unsupported
        kibana = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = kibana.handle("POST", self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode())

            def do_GET(self) -> None:
                self.send_response(404)
                self.end_headers()

            do_PUT = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _bad(status: int, error: str, message: str) -> tuple[int, dict[str, Any]]:
        return status, {"statusCode": status, "error": error, "message": message}

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        headers = {k.lower(): v for k, v in headers.items()}
        url = urlsplit(path)
        query = parse_qs(url.query)
        space = re.fullmatch(r"/s/([a-z0-9_-]+)", url.path.removesuffix("/api/saved_objects/_import"))
        self.requests.append({"method": method, "path": url.path, "query": query, "headers": headers, "body": body,
                              "space": space.group(1) if space else "default"})
        if not url.path.endswith("/api/saved_objects/_import") or not (space or url.path.startswith("/api/")):
            return self._bad(404, "Not Found", "Not Found")
        if self.authorization is not None and headers.get("authorization") != self.authorization:
            return self._bad(401, "Unauthorized", "Unauthorized")
        if "kbn-xsrf" not in headers:
            return self._bad(400, "Bad Request", "Request must contain a kbn-xsrf header.")
        ctype = headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data") or "boundary=" not in ctype:
            return self._bad(415, "Unsupported Media Type", "Unsupported Media Type")
        message = BytesParser(policy=policy.HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        if "file" not in parts:
            return self._bad(400, "Bad Request", "[request body.file]: expected value of type [Stream] but got [undefined]")
        filename = parts["file"].get_filename() or ""
        if not filename.endswith(".ndjson"):
            return self._bad(400, "Bad Request", f"Invalid file extension {filename.rsplit('.', 1)[-1]}")
        try:
            objects = [json.loads(line) for line in bytes(parts["file"].get_payload(decode=True)).decode().splitlines() if line]
        except ValueError:
            return self._bad(400, "Bad Request", "Unexpected token in JSON")
        overwrite = query.get("overwrite") == ["true"]
        errors: list[dict[str, Any]] = []
        kept = []
        for o in objects:
            if o["type"] in self.unsupported:
                errors.append(self._error(o, {"type": "unsupported_type"}))
            else:
                kept.append(o)
        available = {(o["type"], o["id"]) for o in kept} | set(self.store)
        results = []
        for o in kept:
            key = (o["type"], o["id"])
            missing = [{"type": r["type"], "id": r["id"]} for r in o.get("references", [])
                       if (r["type"], r["id"]) not in available]
            if missing:
                errors.append(self._error(o, {"type": "missing_references", "references": missing}))
                continue
            if key in self.store and not overwrite:
                errors.append(self._error(o, {"type": "conflict"}))
                continue
            existed = key in self.store
            self.store[key] = o
            results.append({"type": o["type"], "id": o["id"], "meta": self._meta(o), **({"overwrite": True} if existed else {})})
        answer: dict[str, Any] = {"success": not errors, "successCount": len(results), "successResults": results,
                                  "warnings": []}
        if errors:
            answer["errors"] = errors
        return 200, answer

    @staticmethod
    def _meta(o: dict[str, Any]) -> dict[str, str]:
        return {"title": o["attributes"].get("title", ""), "icon": ICONS.get(o["type"], "questionInCircle")}

    def _error(self, o: dict[str, Any], error: dict[str, Any]) -> dict[str, Any]:
        return {"id": o["id"], "type": o["type"], "title": o["attributes"].get("title", ""), "meta": self._meta(o),
                "error": error}

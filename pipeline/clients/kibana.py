"""The one place that talks to Kibana: its saved-objects import API, with credentials and TLS applied once.

`POST {kibana_url}/api/saved_objects/_import?overwrite=true` with the `kbn-xsrf` header Kibana requires
of every write, and a multipart form whose `file` part is an `.ndjson` file (Kibana refuses another
extension). Kibana answers 200 for a partial failure too: the body's `errors` says what it refused.
"""

from __future__ import annotations

from typing import Any

import httpx

from pipeline.settings import Settings

IMPORT_PATH = "/api/saved_objects/_import"
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # a reply for a few hundred objects is kilobytes
MAX_IMPORT_BYTES = 26_214_400  # Kibana's default savedObjects.maxImportPayloadBytes


class KibanaError(RuntimeError):
    """Kibana could not be reached or refused the request as a whole (one line, no secrets)."""


def _client(s: Settings, url: str) -> httpx.Client:
    headers = {"kbn-xsrf": "newswatch"}
    auth: httpx.Auth | None = None
    if s.kibana_api_key:
        headers["Authorization"] = f"ApiKey {s.kibana_api_key.get_secret_value()}"
    elif s.kibana_username:
        auth = httpx.BasicAuth(s.kibana_username, s.kibana_password.get_secret_value() if s.kibana_password else "")
    verify: Any = s.kibana_ca_certs or True
    return httpx.Client(base_url=url.rstrip("/"), headers=headers, auth=auth, verify=verify,
                        timeout=s.kibana_timeout_s, follow_redirects=False)


def import_saved_objects(s: Settings, ndjson: bytes, *, url: str | None = None,
                         filename: str = "newswatch.ndjson") -> dict[str, Any]:
    """Import NDJSON saved objects, overwriting objects with the same ids; Kibana's answer as a dict. URL
    (default `kibana_url`) may name a space: `http://kibana:5601/s/SPACE`."""
    if not filename.endswith(".ndjson"):
        raise ValueError("Kibana imports only a file named *.ndjson")
    if len(ndjson) > MAX_IMPORT_BYTES:
        raise ValueError(f"{len(ndjson)} bytes is over Kibana's default import limit of {MAX_IMPORT_BYTES} bytes")
    target = url or s.kibana_url
    try:
        with _client(s, target) as client:
            resp = client.post(IMPORT_PATH, params={"overwrite": "true"},
                               files={"file": (filename, ndjson, "application/ndjson")})
    except httpx.HTTPError as exc:
        raise KibanaError(f"Kibana at {target} is not reachable ({type(exc).__name__})") from exc
    body = _json(resp)
    if resp.status_code != 200:
        message = body.get("message") if isinstance(body, dict) else None
        raise KibanaError(f"Kibana refused the import (HTTP {resp.status_code}): "
                          f"{str(message or resp.reason_phrase)[:300]}")
    if not isinstance(body, dict) or "success" not in body:
        raise KibanaError("Kibana's answer is not an import result (is the URL Kibana's?)")
    return body


def _json(resp: httpx.Response) -> Any:
    if len(resp.content) > MAX_RESPONSE_BYTES:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def describe_import(result: dict[str, Any]) -> dict[str, Any]:
    """Kibana's import answer as what was created, overwritten and refused (with the reason), for people."""
    created: list[dict[str, Any]] = []
    overwritten: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for r in result.get("successResults") or []:
        item = {"type": r.get("type"), "id": r.get("id"), "title": (r.get("meta") or {}).get("title")}
        (overwritten if r.get("overwrite") else created).append(item)
    for e in result.get("errors") or []:
        err = e.get("error") or {}
        kind = err.get("type", "unknown")
        if kind == "missing_references":
            why = "missing references: " + ", ".join(f"{m.get('type')}/{m.get('id')}" for m in err.get("references") or [])
        elif kind in ("conflict", "ambiguous_conflict"):
            why = f"{kind.replace('_', ' ')} with an existing object"
        elif kind == "unsupported_type":
            why = f"this Kibana has no saved-object type {e.get('type')!r} (or it is not importable)"
        else:
            why = str(err.get("message") or kind)
        refused.append({"type": e.get("type"), "id": e.get("id"), "title": e.get("title") or (e.get("meta") or {}).get("title"),
                        "reason": why[:500]})
    return {"success": bool(result.get("success")), "successCount": int(result.get("successCount") or 0),
            "created": created, "overwritten": overwritten, "refused": refused,
            "warnings": [str(w.get("message", w)) if isinstance(w, dict) else str(w) for w in result.get("warnings") or []]}

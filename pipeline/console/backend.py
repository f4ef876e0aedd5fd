"""The console's way to Elasticsearch: the project's client, short timeouts, and every refusal or outage
turned into one line for the page (never a traceback). A new client per failure, so the console
recovers by itself when the server returns."""

from __future__ import annotations

import threading
from typing import Any

from pipeline.settings import Settings


class Unavailable(RuntimeError):
    """Elasticsearch or Kafka could not answer; the message is safe to show on a page."""


class Backend:
    def __init__(self, s: Settings) -> None:
        self.s = s
        self._es: Any = None
        self._lock = threading.Lock()

    @property
    def es(self) -> Any:
        with self._lock:
            if self._es is None:
                from pipeline.clients.elasticsearch import make_es

                self._es = make_es(self.s, timeout=self.s.console_es_timeout_s).options(max_retries=1)
            return self._es

    def call(self, what: str, fn: Any) -> Any:
        """`fn(es)`, or Unavailable with a message a person can act on. A missing index is an empty answer."""
        from elasticsearch import ApiError, NotFoundError, TransportError

        try:
            return fn(self.es)
        except NotFoundError:
            return {}
        except ApiError as exc:
            raise Unavailable(f"Elasticsearch refused {what} (HTTP {exc.meta.status}): {es_reason(exc)}") from exc
        except TransportError as exc:
            with self._lock:
                self._es = None  # a fresh connection next time
            raise Unavailable(f"Elasticsearch is not reachable at {self.s.es_url.split('@')[-1]} "
                              f"({type(exc).__name__}); the page recovers when it is back") from exc

    def search(self, body: dict[str, Any], *, index: str | None = None, what: str = "the search") -> dict[str, Any]:
        return dict(self.call(what, lambda es: es.search(index=index or self.s.es_alias, **body)) or {})

    def msearch(self, bodies: list[dict[str, Any]], *, index: str | None = None,
                what: str = "the search") -> list[dict[str, Any]]:
        """Several searches in one round trip (Elasticsearch runs them side by side), an answer for each.
        A size-0 search asks for the shard request cache: its aggregations come back without recomputing
        while the index has not changed. A missing index is an empty answer; any other failure of one
        search is Unavailable, as for `search`."""
        searches: list[dict[str, Any]] = []
        for one in bodies:
            searches += [{"index": index or self.s.es_alias, **({"request_cache": True} if one.get("size") == 0 else {})},
                         one]
        resp = self.call(what, lambda es: es.msearch(searches=searches))
        body: dict[str, Any] = dict(getattr(resp, "body", resp) or {})
        answers = []
        for r in body.get("responses", []):
            error = r.get("error")
            if error is None:
                answers.append(r)
            elif r.get("status") == 404:
                answers.append({})
            else:
                raise Unavailable(f"Elasticsearch refused {what} (HTTP {r.get('status')}): {error_reason(error)}")
        return answers + [{}] * (len(bodies) - len(answers))


def kafka_unreachable(s: Settings, *, timeout: float = 2.0) -> str | None:
    """Why no broker answers, or None when one accepts a connection: a page says so at once instead of
    waiting out the Kafka client's bootstrap timeout (30 s)."""
    import socket

    for broker in s.kafka_brokers:
        host, _, port = broker.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout):
                return None
        except (OSError, ValueError):
            continue
    return f"Kafka is not reachable at {s.kafka_bootstrap}; the page recovers when it is back"


def es_reason(exc: Any) -> str:
    """The root cause Elasticsearch gives, one line."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    return error_reason(error, default_type=type(exc).__name__, default_reason=exc.message)


def error_reason(error: Any, *, default_type: str = "error", default_reason: str = "") -> str:
    """An `error` object of an answer (or of one search of an `_msearch`) as one line: its root cause."""
    error = error if isinstance(error, dict) else {"reason": str(error)}
    causes = error.get("root_cause") or [error]
    first = causes[0] if causes and isinstance(causes[0], dict) else {}
    return f"{first.get('type', default_type)}: {first.get('reason', default_reason)}"[:300]

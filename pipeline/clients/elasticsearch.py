"""The one place that creates the Elasticsearch client, with credentials and TLS applied once."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from pipeline.settings import Settings


def make_es(s: Settings, *, timeout: float = 30.0) -> Elasticsearch:
    kwargs: dict[str, object] = {"request_timeout": timeout, "retry_on_timeout": True, "max_retries": 3}
    if s.es_api_key:
        kwargs["api_key"] = s.es_api_key.get_secret_value()
    elif s.es_username:
        kwargs["basic_auth"] = (s.es_username, s.es_password.get_secret_value() if s.es_password else "")
    if s.es_ca_certs:
        kwargs["ca_certs"] = s.es_ca_certs
    # a comma-separated list of nodes: the client spreads requests and fails over
    return Elasticsearch([u.strip() for u in s.es_url.split(",") if u.strip()], **kwargs)  # type: ignore[arg-type]


def msearch(es: Any, searches: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    """Each search's response, in order. A multi-search answers 200 even when one of its searches failed
    (that response holds an `error`): raised here, so no caller reads a refusal as "no hits"."""
    responses: list[dict[str, Any]] = es.msearch(searches=searches)["responses"]
    for r in responses:
        if "error" in r:
            raise RuntimeError(f"{what} refused: {str(r['error'])[:200]}")
    return responses

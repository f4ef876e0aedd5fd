"""The one place that creates the Elasticsearch client, with credentials and TLS applied once."""

from __future__ import annotations

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

"""Index templates, indices and aliases the sinks write to, created idempotently when a sink opens."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from pipeline.settings import Settings
from schemas.mapping import ALERT_PROPERTIES, index_template


def ensure_article_index(es: Elasticsearch, s: Settings) -> None:
    pattern = s.es_index.rsplit("-", 1)[0] + "-*" if "-" in s.es_index else s.es_index + "*"
    es.indices.put_index_template(
        name=s.es_alias,
        **index_template(alias=s.es_alias, pattern=pattern, shards=s.es_shards, replicas=s.es_replicas),
    )
    if not es.indices.exists(index=s.es_index):
        try:
            es.indices.create(index=s.es_index)
        except Exception as exc:  # another indexer created it first
            if "resource_already_exists_exception" not in str(exc):
                raise
    if not es.indices.exists_alias(name=s.es_alias, index=s.es_index):
        es.indices.put_alias(index=s.es_index, name=s.es_alias)


def ensure_alerts_index(es: Elasticsearch, s: Settings) -> None:
    es.indices.put_index_template(
        name=s.es_alerts_alias,
        index_patterns=[s.es_alerts_index.rsplit("-", 1)[0] + "-*"],
        priority=200,
        template={
            "settings": {"number_of_shards": 1, "number_of_replicas": s.es_replicas, "refresh_interval": "1s"},
            "mappings": {"dynamic": "strict", "properties": ALERT_PROPERTIES},
            "aliases": {s.es_alerts_alias: {}},
        },
    )
    if not es.indices.exists(index=s.es_alerts_index):
        es.options(ignore_status=400).indices.create(index=s.es_alerts_index)
    else:  # an index from before a field was added: adding fields to a mapping is allowed
        es.indices.put_mapping(index=s.es_alerts_index, properties=ALERT_PROPERTIES)

"""Index templates, indices and aliases the sinks write to, created idempotently when a sink opens."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from elasticsearch import BadRequestError, Elasticsearch

from pipeline.settings import Settings
from schemas.mapping import (
    ALERT_PROPERTIES, ARTICLE_PROPERTIES, CASED_ANALYZER, index_template, without_case_fields,
)


_MONTH = re.compile(r"-(\d{4})\.(\d{2})$")


def article_index(s: Settings, when: datetime | None = None) -> str:
    """The index new articles go to: one per month of ingestion (`news-articles-v1-2026.11`), so old
    months can be dropped whole (`newswatch index prune`); or one index, with `NEWSWATCH_ES_INDEX_PERIOD=none`."""
    if s.es_index_period == "none":
        return s.es_index
    return f"{s.es_index}-{(when or datetime.now(timezone.utc)):%Y.%m}"


def ensure_article_index(es: Elasticsearch, s: Settings, when: datetime | None = None) -> str:
    """The template (mapping and the read alias for every index it matches) and this month's index."""
    pattern = s.es_index.rsplit("-", 1)[0] + "-*" if "-" in s.es_index else s.es_index + "*"
    es.indices.put_index_template(
        name=s.es_alias,
        **index_template(alias=s.es_alias, pattern=pattern, shards=s.es_shards, replicas=s.es_replicas),
    )
    index = article_index(s, when)
    if not es.indices.exists(index=index):
        try:
            es.indices.create(index=index)
        except Exception as exc:  # another indexer created it first
            if "resource_already_exists_exception" not in str(exc):
                raise
    else:  # this month's index may predate a field (the story fields): adding fields to a mapping is allowed
        try:
            es.indices.put_mapping(index=index, properties=ARTICLE_PROPERTIES)
        except BadRequestError as exc:  # from before the case-sensitive sub-fields: their analyzer is missing
            if CASED_ANALYZER not in str(exc):
                raise
            es.indices.put_mapping(index=index, properties=without_case_fields(ARTICLE_PROPERTIES))
    if not es.indices.exists_alias(name=s.es_alias, index=index):
        es.indices.put_alias(index=index, name=s.es_alias)
    return index


def monthly_indices(es: Elasticsearch, s: Settings) -> list[tuple[str, date]]:
    """The article indices of this deployment that carry a month, oldest first."""
    names = es.options(ignore_status=404).indices.get(index=f"{s.es_index}-*", expand_wildcards="open,closed")
    out = []
    for name in names:
        m = _MONTH.search(name) if name.startswith(f"{s.es_index}-") else None
        if m:
            out.append((name, date(int(m.group(1)), int(m.group(2)), 1)))
    return sorted(out, key=lambda x: x[1])


def expired(indices: list[tuple[str, date]], keep_months: int, today: date) -> list[str]:
    """Indices whose month ended more than `keep_months` months ago (0: keep everything)."""
    if keep_months <= 0:
        return []
    first_kept = (today.year * 12 + today.month - 1) - (keep_months - 1)
    return [name for name, month in indices if month.year * 12 + month.month - 1 < first_kept]


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

"""The Elasticsearch mappings of `EnrichedArticle` (the articles) and `AlertEvent` (the alert records).

Only what the core distribution has (standard analyzer, keyword + lowercase normalizer, geo_point): a
full deployment can layer language analyzers on top through the template without code changes.
Unit tests check that every model field has a mapping and vice versa.
"""

from __future__ import annotations

from typing import Any

_KEYWORD = {"type": "keyword"}
_KEYWORD_LC = {"type": "keyword", "normalizer": "lowercase_keyword"}
_FACET = {"type": "keyword", "fields": {"lc": _KEYWORD_LC}}
# The query language's case:IT reads these: the standard tokenizer without lower-casing, same positions
# as the field itself. The analyzer is set when an index is created, so an index from before it gets no
# `.cs` sub-fields (`without_case_fields`) and case: terms find nothing there: new monthly indices have them.
CASED_ANALYZER = "newswatch_cased"
_CASED = {"type": "text", "analyzer": CASED_ANALYZER}

ARTICLE_PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,
    "url": {"type": "keyword", "ignore_above": 4096},
    "source": _FACET,
    "language": _KEYWORD,
    "title": {"type": "text", "analyzer": "standard",
              "fields": {"raw": {"type": "keyword", "ignore_above": 512}, "cs": _CASED}},
    "body": {"type": "text", "analyzer": "standard", "fields": {"cs": _CASED}},
    "published_at": {"type": "date"},
    "author": _FACET,
    "@timestamp": {"type": "date"},
    "entities": {
        "type": "object",
        "properties": {"name": _KEYWORD, "type": _KEYWORD, "count": {"type": "integer"}},
    },
    "persons": _FACET,
    "organizations": _FACET,
    "locations": _FACET,
    "countries": _KEYWORD,
    "country_names": _KEYWORD,
    "focus_countries": _KEYWORD,
    "regions": _FACET,
    "places": {
        "type": "object",
        "properties": {
            "name": _KEYWORD,
            "country": _KEYWORD,
            "kind": _KEYWORD,
            "location": {"type": "geo_point"},
            "count": {"type": "integer"},
        },
    },
    "enrichment_version": _KEYWORD,
    "story_id": _KEYWORD,
    "duplicate_of": _KEYWORD,
    "story_bands": {"type": "keyword", "doc_values": False},  # searched (candidates), never aggregated
    "story_sketch": {"type": "keyword", "index": False, "doc_values": False},  # read back, never searched
    "event_id": _KEYWORD,
    "event_terms": {"type": "keyword", "doc_values": False},  # searched (candidates), never aggregated
    "event_weights": {"type": "float", "index": False, "doc_values": False},  # read back, never searched
}

# An alert as delivered: the event, plus when and where it went.
ALERT_PROPERTIES: dict[str, Any] = {
    "rule": {"type": "keyword"},
    "article_id": {"type": "keyword"},
    "title": {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
    "url": {"type": "keyword", "ignore_above": 4096},
    "countries": {"type": "keyword"},
    "regions": {"type": "keyword"},
    "matched": {"type": "keyword"},
    "snippet": {"type": "text"},
    "ingested_at": {"type": "date"},
    "fired_at": {"type": "date"},
    "kind": {"type": "keyword"},
    "count": {"type": "long"},
    "window_s": {"type": "float"},
    "baseline": {"type": "float"},
    "story_id": {"type": "keyword"},
    "delivered_at": {"type": "date"},
    "channels": {"type": "keyword"},  # labels: a webhook's URL redacted
    "digest": {"type": "boolean"},
    "status": {"type": "keyword"},  # pending, held (for a digest), delivered, failed
    # per channel (a hash of it, never its URL): {"at", "id"} once it succeeded, {"at", "failed"} if it gave up
    "deliveries": {"type": "object", "enabled": False},
}
ALERT_DELIVERY_FIELDS = {"delivered_at", "channels", "digest", "status", "deliveries"}


def without_case_fields(properties: dict[str, Any]) -> dict[str, Any]:
    """The article mapping less the `.cs` sub-fields (for an index created before their analyzer)."""
    out = dict(properties)
    for f in ("title", "body"):
        spec = dict(out[f])
        spec["fields"] = {k: v for k, v in spec.get("fields", {}).items() if k != "cs"}
        if not spec["fields"]:
            del spec["fields"]
        out[f] = spec
    return out


def index_template(*, alias: str, pattern: str, shards: int, replicas: int) -> dict[str, Any]:
    """A composable index template body for the article indices."""
    return {
        "index_patterns": [pattern],
        "priority": 200,
        "template": {
            "settings": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": "1s",
                "analysis": {
                    "normalizer": {"lowercase_keyword": {"type": "custom", "filter": ["lowercase"]}},
                    "analyzer": {CASED_ANALYZER: {"type": "custom", "tokenizer": "standard"}},
                },
            },
            "mappings": {"dynamic": "strict", "properties": ARTICLE_PROPERTIES},
            "aliases": {alias: {}},
        },
        "_meta": {"managed_by": "newswatch", "model": "schemas.article.EnrichedArticle"},
    }

"""Search over the `news-articles` alias: the request body (pure) and the result shape (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.search import Hit, SearchResult

FACETS = {"countries": "countries", "regions": "regions", "organizations": "organizations"}
HIGHLIGHT_TAGS = ("<em>", "</em>")


def build_query(
    query: str,
    *,
    country: str | None = None,
    region: str | None = None,
    since: datetime | None = None,
    limit: int = 10,
    facet_size: int = 10,
) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    if query.strip() and query.strip() != "*":
        must.append({
            "simple_query_string": {
                "query": query,
                "fields": ["title^2", "body"],
                "default_operator": "and",
            }
        })
    filters: list[dict[str, Any]] = []
    if country:
        filters.append({"term": {"countries": country.strip().upper()}})
    if region:
        filters.append({"term": {"regions.lc": region.strip().lower()}})
    if since:
        iso = since.isoformat()
        filters.append({"bool": {"should": [
            {"range": {"published_at": {"gte": iso}}},
            {"bool": {"must_not": {"exists": {"field": "published_at"}},
                      "filter": {"range": {"@timestamp": {"gte": iso}}}}},
        ], "minimum_should_match": 1}})
    return {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "size": limit,
        "track_total_hits": True,
        "_source": ["id", "title", "url", "published_at", "countries", "regions", "organizations"],
        "highlight": {
            "pre_tags": [HIGHLIGHT_TAGS[0]],
            "post_tags": [HIGHLIGHT_TAGS[1]],
            "fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 160, "number_of_fragments": 3}},
        },
        "aggs": {name: {"terms": {"field": field, "size": facet_size}} for name, field in FACETS.items()},
    }


def parse_response(resp: dict[str, Any]) -> SearchResult:
    hits = []
    for h in resp.get("hits", {}).get("hits", []):
        src = h.get("_source", {})
        hl = h.get("highlight", {})
        hits.append(Hit(
            id=h["_id"],
            score=h.get("_score"),
            title=src.get("title", ""),
            url=src.get("url"),
            published_at=src.get("published_at"),
            countries=src.get("countries", []),
            regions=src.get("regions", []),
            organizations=src.get("organizations", []),
            highlights=[*hl.get("title", []), *hl.get("body", [])],
        ))
    total = resp.get("hits", {}).get("total", {})
    facets = {
        name: [(b["key"], b["doc_count"]) for b in resp.get("aggregations", {}).get(name, {}).get("buckets", [])]
        for name in FACETS
    }
    return SearchResult(total=total.get("value", 0) if isinstance(total, dict) else int(total), hits=hits, facets=facets)


def count_indexed(es: Any, alias: str, ids: list[str]) -> int:
    """How many of `ids` are searchable now (0 when the index does not exist yet)."""
    from elasticsearch import NotFoundError

    if not ids:
        return 0
    try:
        es.indices.refresh(index=alias)
        return int(es.count(index=alias, query={"ids": {"values": ids}})["count"])
    except NotFoundError:
        return 0

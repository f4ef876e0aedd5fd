"""Search over the `news-articles` alias: the request body and the result shape. Pure: the caller sends it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.search import Hit, SearchResult

FACETS = {"countries": "countries", "regions": "regions", "organizations": "organizations"}
HIGHLIGHT_TAGS = ("<em>", "</em>")
HIGHLIGHT_MAX_CHARS = 1_000_000  # Elasticsearch's index.highlight.max_analyzed_offset default


def build_query(
    query: str,
    *,
    country: str | None = None,
    region: str | None = None,
    since: datetime | None = None,
    limit: int = 10,
    facet_size: int = 10,
    collapse: bool = False,
) -> dict[str, Any]:
    """The request body for QUERY in the query language (raises QuerySyntaxError)."""
    from pipeline.query import parse
    from pipeline.query.ast import keyword_value
    from pipeline.query.es import highlight_query, to_es

    must: list[dict[str, Any]] = []
    highlight: dict[str, Any] | None = None
    if query.strip() and query.strip() != "*":
        node = parse(query)
        # the query decides *which* articles (filter, exactly as the alert matcher does); the positive
        # terms score them, title above body
        must.append({"bool": {"filter": [to_es(node)], "should": _scoring(node)}})
        highlight = highlight_query(node)
    filters: list[dict[str, Any]] = []
    if country:
        filters.append({"term": {"countries": country.strip().upper()}})
    if region:
        filters.append({"term": {"regions.lc": keyword_value("regions", region.strip())}})
    if since:
        iso = since.isoformat()
        filters.append({"bool": {"should": [
            {"range": {"published_at": {"gte": iso}}},
            {"bool": {"must_not": {"exists": {"field": "published_at"}},
                      "filter": {"range": {"@timestamp": {"gte": iso}}}}},
        ], "minimum_should_match": 1}})
    body: dict[str, Any] = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "size": limit,
        "track_total_hits": True,
        "_source": ["id", "title", "url", "published_at", "countries", "regions", "organizations"],
        "highlight": {
            # a long article is highlighted in its first million characters instead of failing the search
            "max_analyzed_offset": HIGHLIGHT_MAX_CHARS,
            "pre_tags": [HIGHLIGHT_TAGS[0]],
            "post_tags": [HIGHLIGHT_TAGS[1]],
            "fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 160, "number_of_fragments": 3}},
            **({"highlight_query": highlight} if highlight else {}),
        },
        "aggs": {name: {"terms": {"field": field, "size": facet_size}} for name, field in FACETS.items()},
    }
    body["_source"] += ["story_id", "event_id"]
    if collapse:  # one hit per story (an event: every outlet's article about it), with how many of its articles match
        body["collapse"] = {"field": "event_id", "inner_hits": {"name": "story", "size": 0}}
        body["aggs"]["stories"] = {"cardinality": {"field": "event_id"}}
    return body


def _scoring(node: Any) -> list[dict[str, Any]]:
    """Relevance from the positive words: a title hit counts double."""
    from pipeline.query.ast import positive_terms

    out: list[dict[str, Any]] = []
    for t in positive_terms(node):
        if t.field in (None, "title", "body") and t.tokens and t.kind != "wildcard":
            text = " ".join(t.tokens)
            for field, boost in (("title", 2.0), ("body", 1.0)):
                if t.field in (None, field):
                    kind = "match_phrase_prefix" if t.kind == "prefix" else "match_phrase"
                    out.append({kind: {field: {"query": text, "boost": boost}}})
    return out


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
            story_id=src.get("story_id"),
            event_id=src.get("event_id") or src.get("story_id"),
            story_articles=_inner_total(h),
        ))
    total = resp.get("hits", {}).get("total", {})
    facets = {
        name: [(b["key"], b["doc_count"]) for b in resp.get("aggregations", {}).get(name, {}).get("buckets", [])]
        for name in FACETS
    }
    stories = resp.get("aggregations", {}).get("stories", {}).get("value")
    return SearchResult(total=total.get("value", 0) if isinstance(total, dict) else int(total), hits=hits, facets=facets,
                        stories=stories)


def _inner_total(hit: dict[str, Any]) -> int | None:
    total = hit.get("inner_hits", {}).get("story", {}).get("hits", {}).get("total")
    if total is None:
        return None
    return int(total.get("value", 0)) if isinstance(total, dict) else int(total)

from __future__ import annotations

from datetime import datetime, timezone

from pipeline.query.search import build_query, parse_response


def test_query_filters() -> None:
    q = build_query("missiles", country="ua", region="Eastern Europe", since=datetime(2024, 1, 1, tzinfo=timezone.utc))
    filters = q["query"]["bool"]["filter"]
    assert {"term": {"countries": "UA"}} in filters
    assert {"term": {"regions.lc": "eastern europe"}} in filters
    inner = q["query"]["bool"]["must"][0]["bool"]
    assert inner["filter"] == [{"bool": {"should": [{"term": {"title": "missiles"}}, {"term": {"body": "missiles"}}],
                                         "minimum_should_match": 1}}]
    assert {"match_phrase": {"title": {"query": "missiles", "boost": 2.0}}} in inner["should"]
    assert set(q["aggs"]) == {"countries", "regions", "organizations"}


def test_syntax_errors_point_at_the_position() -> None:
    import pytest

    from pipeline.query import QuerySyntaxError

    with pytest.raises(QuerySyntaxError, match="position 8"):
        build_query("(a OR b")


def test_star_matches_all() -> None:
    assert build_query("*")["query"]["bool"]["must"] == [{"match_all": {}}]


def test_parse_response_contract_shape() -> None:
    resp = {
        "hits": {"total": {"value": 1}, "hits": [{"_id": "abc", "_score": 1.5, "_source": {
            "title": "T", "url": "https://x", "published_at": "2024-01-01T00:00:00Z", "countries": ["UA"],
            "regions": ["Europe"], "organizations": ["NATO"]}, "highlight": {"body": ["a <em>b</em> c"]}}]},
        "aggregations": {"countries": {"buckets": [{"key": "UA", "doc_count": 1}]}, "regions": {"buckets": []},
                         "organizations": {"buckets": []}},
    }
    r = parse_response(resp).model_dump(mode="json")
    assert r["total"] == 1
    assert set(r["hits"][0]) >= {"id", "score", "title", "url", "published_at", "countries", "regions", "highlights"}
    assert r["facets"]["countries"] == [["UA", 1]]
    assert r["hits"][0]["highlights"] == ["a <em>b</em> c"]

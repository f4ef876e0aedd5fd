"""The console's pure parts and its security middleware, without servers (Elasticsearch is pointed at a
closed port, so pages show the outage message)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from pipeline.console.app import create_app, highlight, safe_url
from pipeline.console.pages import mark_entities, ordered_countries
from pipeline.console.search import SearchState, build_body, read_response
from pipeline.console.security import ConsoleRefused, check_bind
from pipeline.settings import Settings
from tests.support import free_port


@pytest.fixture()
def client() -> Any:
    s = Settings(es_url=f"http://127.0.0.1:{free_port()}", console_es_timeout_s=1)
    with TestClient(create_app(s, live=False), base_url="http://127.0.0.1:8600") as c:
        yield c


def test_state_round_trips_through_the_url() -> None:
    st = SearchState.from_params({"q": "Kharkiv", "country": ["ua", "JP"], "person": ["Vladimir Putin"],
                                  "range": "7d", "sort": "date", "page": "2"})
    assert st.filters == {"country": ["UA", "JP"], "person": ["Vladimir Putin"]}
    again = SearchState.from_params(_multi(st.params(page=st.page)))
    assert again == st
    assert "country=UA" in st.without_filter("person", "Vladimir Putin")
    assert "person" not in st.without_filter("person", "Vladimir Putin")
    assert st.with_filter("country", "UA") == st.url()  # already chosen: unchanged


def _multi(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return {k: v if len(v) > 1 or k in ("country", "region", "person", "org", "source", "lang") else v[0]
            for k, v in out.items()}


def test_bad_parameters_are_problems_not_errors() -> None:
    st = SearchState.from_params({"q": "x", "range": "forever", "since": "yesterday", "page": "lots", "sort": "??"})
    assert st.range == "all" and st.page == 1 and st.sort == "relevance"
    assert len(st.problems) == 2


def test_body_has_filters_facets_map_and_histogram() -> None:
    st = SearchState.from_params({"q": "Kharkiv", "country": ["UA"], "lang": ["en"], "range": "24h"})
    body = build_body(st)
    filters = body["query"]["bool"]["filter"]
    assert {"term": {"countries": "UA"}} in filters and {"term": {"language": "en"}} in filters
    assert {"persons", "source", "language", "regions", "map", "histogram"} <= set(body["aggs"])
    assert body["collapse"]["field"] == "event_id"  # one hit per event
    open_range = build_body(SearchState.from_params({"q": "Kharkiv"}))
    assert "histogram" not in open_range["aggs"] and "dates" in open_range["aggs"]


def test_rule_from_a_search_says_the_filters_in_the_query_language() -> None:
    from pipeline.query import parse

    st = SearchState.from_params({"q": "Kharkiv OR Kyiv", "country": ["UA"], "person": ['Vladimir "V" Putin']})
    q, countries, regions = st.rule_query()
    assert countries == ["UA"] and regions == []
    assert q == '(Kharkiv OR Kyiv) AND (persons:"Vladimir  V  Putin")'
    parse(q)


def test_response_becomes_a_view_with_chosen_facets() -> None:
    st = SearchState.from_params({"q": "x", "country": ["JP"]})
    resp = {"hits": {"total": {"value": 1}, "hits": [{"_id": "a1", "_score": 1.0, "_source": {
        "title": "T", "source": "s", "countries": ["UA"]}, "highlight": {"body": ["a <em>x</em> b"]}}]},
        "aggregations": {
                         "map": {"buckets": [{"key": "UA", "doc_count": 1}]}}}
    view = read_response(st, resp)
    assert view.hits[0]["fragments"] == ["a <em>x</em> b"] and view.map_counts == {"UA": 1}
    country = next(f for f in view.facets if f.name == "country")
    assert ("UA", 1, False) in country.buckets and ("JP", 0, True) in country.buckets


def test_highlights_are_escaped_except_our_marks() -> None:
    out = str(highlight('<img src=x onerror=alert(1)> <em>Kharkiv</em> <script>'))
    assert out == "&lt;img src=x onerror=alert(1)&gt; <mark>Kharkiv</mark> &lt;script&gt;"
    assert "<em>" not in str(highlight("<em><b>x</b></em>")) and "&lt;b&gt;" in str(highlight("<em><b>x</b></em>"))


@pytest.mark.parametrize("url,ok", [("https://example.org/a?b=1", True), ("http://x.y", True),
                                    ("javascript:alert(1)", False), ("data:text/html,<x>", False),
                                    ("//evil.example", False), ("https://a b", False), (None, False)])
def test_only_http_links(url: Any, ok: bool) -> None:
    assert (safe_url(url) is not None) == ok


def test_entities_marked_as_text_pieces() -> None:
    doc = {"body": "Putin spoke in Kharkiv. <b>NATO</b> replied.",
           "entities": [{"name": "Putin", "type": "PERSON"}, {"name": "NATO", "type": "ORG"}],
           "places": [{"name": "Kharkiv"}]}
    pieces = mark_entities(doc)
    assert "".join(t for t, _ in pieces) == doc["body"]
    assert ("Putin", "person") in pieces and ("Kharkiv", "place") in pieces and ("NATO", "org") in pieces
    assert ordered_countries({"countries": ["RU", "UA", "JP"], "focus_countries": ["UA"]}) == \
        [("UA", True), ("RU", False), ("JP", False)]


def test_binding_beyond_loopback_needs_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    with pytest.raises(ConsoleRefused, match="NEWSWATCH_CONSOLE_TOKEN"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConsoleRefused, match="too short"):
        check_bind("0.0.0.0", "short")
    check_bind("0.0.0.0", "a" * 20)


def test_pages_show_an_outage_not_a_traceback(client: TestClient) -> None:
    resp = client.get("/search?q=Kharkiv")
    assert resp.status_code == 200 and "not reachable" in resp.text and "Traceback" not in resp.text
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-frame-options"] == "DENY"
    assert "<script>" not in resp.text.replace('<script src="', "")  # no inline script
    bad = client.get("/search?q=Kharkiv+AND+(")
    assert "position" in bad.text and 'class="at"' in bad.text


def test_posts_need_the_anti_forgery_token(client: TestClient) -> None:
    client.get("/rules/new")
    token = client.cookies["nw_csrf"]
    assert client.post("/rules/x/delete", data={}).status_code == 403
    assert client.post("/rules/x/delete", data={"csrf_token": "wrong" * 9}).status_code == 403
    assert client.post("/rules/x/delete", data={"csrf_token": token},
                       headers={"origin": "https://evil.example"}).status_code == 403
    # the right token passes the check (and then fails on Kafka, which is not there: a page, not a 403)
    bad_rule = client.post("/rules", data={"csrf_token": token, "name": "r", "query": "Kharkiv AND ("})
    assert bad_rule.status_code == 400 and "position" in bad_rule.text


def test_access_token_when_configured() -> None:
    s = Settings(es_url=f"http://127.0.0.1:{free_port()}", console_token="t" * 20)
    with TestClient(create_app(s, live=False), base_url="http://127.0.0.1:8600") as c:
        assert c.get("/search").status_code == 403
        first = c.get("/search?q=a&token=" + "t" * 20, follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/search?q=a"
        assert c.get("/search?q=a").status_code == 200


def test_alert_channels_get_their_own_delivery_status() -> None:
    import hashlib

    from pipeline.console.alerts import alert_row

    label_ok, label_bad = "file:team/a.jsonl", "email:desk@example.org"
    keys = {lbl: hashlib.sha256(lbl.encode()).hexdigest()[:16] for lbl in (label_ok, label_bad)}
    row = alert_row({"status": "failed", "channels": [label_ok, label_bad, "webhook:https://h.example/…#ab12"],
                     "deliveries": {keys[label_ok]: {"at": "t", "id": "d"}, keys[label_bad]: {"failed": "refused"}}},
                    keys)
    assert [c["status"] for c in row["channel_status"]] == ["delivered", "failed", "failed"]
    assert row["channel_status"][1]["detail"] == "refused"


def test_rule_form_builds_the_rule_the_cli_would() -> None:
    from consumers.alerts.targets import redact
    from pipeline.console.rules import build_rule, form_values, rule_values

    v = form_values({"name": "r1", "query": "Kharkiv", "countries": "ua, RU", "kind": "frequency", "min_count": "3",
                     "within": "10m", "throttle": "5m", "webhooks": "https://hooks.example.org/T/SECRET",
                     "once_per_story": "on"})
    rule = build_rule(v)
    assert rule.countries == ["UA", "RU"] and rule.kind == "frequency" and rule.min_count == 3
    assert rule.window_s == 600 and rule.throttle_s == 300 and rule.once_per_story
    shown = rule_values(rule)
    assert "SECRET" not in str(shown) and shown["webhooks"] == [redact(rule.webhooks[0])]
    # the form sent back with the redacted webhook keeps the stored one
    again = build_rule(form_values({**{k: v for k, v in shown.items() if not isinstance(v, list)},
                                    "countries": "UA, RU", "webhooks": shown["webhooks"][0]}),
                       keep_webhooks=rule.webhooks)
    assert again.webhooks == rule.webhooks
    with pytest.raises(ValueError):
        build_rule(form_values({"name": "r2", "query": "x", "kind": "frequency"}))


def test_a_search_without_words_still_makes_a_rule() -> None:
    from pipeline.query import parse

    q, countries, regions = SearchState.from_params({"country": ["UA"], "region": ["Eastern Europe"]}).rule_query()
    assert (countries, regions) == ([], []) and q == '(countries:UA) AND (regions:"Eastern Europe")'
    parse(q)
    assert SearchState.from_params({}).rule_query() == ("", [], [])


def test_live_hub_matches_each_article_once_for_every_page() -> None:
    import json

    from pipeline.console.live import LiveHub
    from pipeline.query import QuerySyntaxError

    s = Settings()
    hub = LiveHub(s)
    everything, kharkiv, japan = hub.subscribe(""), hub.subscribe("Kharkiv"), hub.subscribe("countries:JP")
    with pytest.raises(QuerySyntaxError):
        hub.subscribe("Kharkiv AND (")
    article = {"id": "a1", "title": "<b>Strikes</b> on Kharkiv", "body": "Kharkiv was hit.", "countries": ["UA"],
               "regions": ["Eastern Europe"], "@timestamp": "2026-12-01T09:00:00+00:00"}
    prepared = hub._prepare(s.topic_enriched, json.dumps(article).encode())
    assert prepared is not None
    hub._deliver(*prepared)
    assert everything.queue.qsize() == 1 and kharkiv.queue.qsize() == 1 and japan.queue.qsize() == 0
    event = kharkiv.queue.get_nowait()
    assert event.startswith("event: article\ndata: ") and event.count("\n") == 3  # one data line
    assert json.loads(event.split("data: ", 1)[1])["title"] == article["title"]
    assert hub._prepare(s.topic_enriched, b"[1, 2") is None  # not JSON: skipped
    batch = hub._prepare_many([(s.topic_enriched, b"[1, 2"), (s.topic_enriched, json.dumps(article).encode())])
    assert len(batch) == 1 and batch[0][1] == prepared[1]  # a batch: the same, the unreadable left out
    hub.unsubscribe(kharkiv)
    assert set(hub.rules.rules) == {japan.rule}
    for _ in range(s.console_live_buffer + 5):  # a page that never reads keeps only the newest items
        everything.offer("event: x\ndata: {}\n\n")
    assert everything.queue.qsize() == s.console_live_buffer and everything.dropped == 6
    hub._pool.shutdown()


def test_kafka_away_is_a_message_at_once() -> None:
    import time

    s = Settings(es_url=f"http://127.0.0.1:{free_port()}", kafka_bootstrap=f"127.0.0.1:{free_port()}",
                 console_es_timeout_s=1)
    with TestClient(create_app(s, live=False), base_url="http://127.0.0.1:8600") as c:
        for path in ("/rules", "/health"):
            started = time.monotonic()
            page = c.get(path)
            assert page.status_code == 200 and "Kafka is not reachable" in page.text
            assert time.monotonic() - started < 10  # not the client's 30 s bootstrap timeout
        token = c.cookies["nw_csrf"]
        saved = c.post("/rules", data={"csrf_token": token, "name": "r", "query": "Kharkiv"})
        assert saved.status_code == 400 and "not saved" in saved.text


def test_open_range_histogram_is_merged_from_one_request() -> None:
    from datetime import datetime, timedelta, timezone

    from pipeline.console.search import HISTOGRAM_BARS, merge_histogram

    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    hours = [now - timedelta(hours=h) for h in (1, 2, 2, 30)]
    aggs = {"dates": {"min": min(hours).timestamp() * 1000, "max": max(hours).timestamp() * 1000},
            "hist_hour": {"buckets": [{"key": h.replace(minute=0).timestamp() * 1000, "doc_count": 1} for h in hours]},
            "hist_day": {"buckets": []}}
    merged = merge_histogram(aggs, now=now)
    assert merged is not None and sum(b["doc_count"] for b in merged["buckets"]) == 4
    assert len(merged["buckets"]) <= HISTOGRAM_BARS + 1 and merged["interval"] == "1h"
    year = {"dates": {"min": (now - timedelta(days=300)).timestamp() * 1000, "max": now.timestamp() * 1000},
            "hist_hour": {"buckets": []},
            "hist_day": {"buckets": [{"key": (now - timedelta(days=d)).timestamp() * 1000, "doc_count": 2}
                                     for d in (0, 100, 299)]}}
    merged = merge_histogram(year, now=now)
    assert merged is not None and merged["interval"] == "7d" and sum(b["doc_count"] for b in merged["buckets"]) == 6
    assert merge_histogram({"dates": {"min": None}}, now=now) is None  # undated: the second request's job


def test_search_is_hits_beside_counts_and_one_story_count() -> None:
    """The page's requests: the hits collapse without inner hits (one extra search per story) and count
    nothing; the counts have size 0, the query in filter context and every aggregation; the shown stories
    are counted in one request, and the answers merge into the one shape `read_response` reads."""
    from datetime import datetime, timezone

    from pipeline.console.search import merge_answers, split_body, story_counts_body

    now = datetime(2026, 12, 1, 12, 0, 30, tzinfo=timezone.utc)
    st = SearchState.from_params({"q": "Kharkiv", "country": ["UA"], "range": "24h"})
    body = build_body(st, now=now)
    assert body["highlight"]["max_analyzed_offset"] <= 100_000
    assert "body" not in body["_source"] and "persons" not in body["_source"]
    # the bounds are rounded to the minute: the same search within a minute is the same (cacheable) request
    assert build_body(st, now=now.replace(second=59)) == body
    hits, counts = split_body(body)
    assert "inner_hits" not in hits["collapse"] and hits["track_total_hits"] is False and "aggs" not in hits
    assert counts["size"] == 0 and counts["track_total_hits"] is True and counts["aggs"] == body["aggs"]
    assert counts["query"] == {"bool": {"filter": [body["query"]]}}
    hits_answer = {"took": 30, "hits": {"hits": [
        {"_id": "a", "_source": {"title": "A", "event_id": "e1"}},
        {"_id": "b", "_source": {"title": "B", "event_id": "e2"}},
        {"_id": "c", "_source": {"title": "C"}}]}}
    stories = story_counts_body(body, hits_answer)
    assert stories is not None and stories["query"]["bool"]["filter"][1] == {"terms": {"event_id": ["e1", "e2"]}}
    assert story_counts_body(body, {"hits": {"hits": []}}) is None
    counts_answer = {"took": 50, "hits": {"total": {"value": 7}}, "aggregations": {
        "map": {"buckets": [{"key": "UA", "doc_count": 7}]}, "stories": {"value": 3}}}
    merged = merge_answers(hits_answer, counts_answer,
                           {"took": 5, "aggregations": {"story": {"buckets": [{"key": "e1", "doc_count": 4}]}}})
    assert merged["took"] == 55  # the first two ran side by side
    view = read_response(st, merged)
    assert view.total == 7 and view.stories == 3 and view.map_counts == {"UA": 7}
    assert [h["story_articles"] for h in view.hits] == [4, 1, None]


def test_msearch_answers_and_refusals() -> None:
    """One search of an _msearch failing is the page's message; a missing index an empty answer; size-0
    searches ask for the request cache."""
    from pipeline.console.backend import Backend, Unavailable

    class FakeES:
        def __init__(self, responses: list[dict[str, Any]]) -> None:
            self.responses = responses
            self.sent: list[dict[str, Any]] = []

        def msearch(self, searches: list[dict[str, Any]]) -> dict[str, Any]:
            self.sent = searches
            return {"took": 3, "responses": self.responses}

    backend = Backend(Settings())
    backend._es = FakeES([{"took": 1, "hits": {}}, {"status": 404, "error": {"type": "index_not_found_exception"}}])
    answers = backend.msearch([{"size": 20}, {"size": 0}])
    assert answers == [{"took": 1, "hits": {}}, {}]
    assert backend._es.sent[0] == {"index": "news-articles"}
    assert backend._es.sent[2] == {"index": "news-articles", "request_cache": True}
    backend._es = FakeES([{"status": 400, "error": {"root_cause": [{"type": "too_many_clauses", "reason": "1025"}]}}])
    with pytest.raises(Unavailable, match=r"HTTP 400\): too_many_clauses: 1025"):
        backend.msearch([{"size": 20}])

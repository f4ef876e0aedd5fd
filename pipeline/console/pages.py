"""Search (`/`, `/search`), one article (`/articles/{id}`) and one story (`/stories/{id}`): server-rendered,
every bit of state in the URL. The search page is one `_msearch` (hits beside counts) and one small
request for the shown stories' sizes (see `search`)."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.console.app import Console
from pipeline.console.backend import Unavailable
from pipeline.console.geo import map_data
from pipeline.console.search import (RANGE_LABELS, SearchState, build_body, histogram_body, merge_answers,
                                     merge_histogram, read_response, split_body, story_counts_body)

MAX_MARKED_CHARS = 200_000  # entities are marked in the first 200,000 characters; the rest is plain text
MAX_MARK_NAMES = 300
STORY_LIMIT = 500


def routes(ctx: Console) -> list[Route]:
    def search(request: Request) -> Response:
        from pipeline.query import QuerySyntaxError

        st = SearchState.from_params(request.query_params)
        error: dict[str, Any] | None = None
        outage: str | None = None
        view = None
        try:
            body = build_body(st)
            hits, counts = ctx.backend.msearch(list(split_body(body)))
            stories_req = story_counts_body(body, hits)
            stories = ctx.backend.search(stories_req, what="the story counts") if stories_req else None
            resp = merge_answers(hits, counts, stories)
            merged = merge_histogram(resp.get("aggregations", {}))
            if merged is not None:
                resp["aggregations"]["histogram"] = merged

            def undated_span(req: dict[str, Any]) -> tuple[Any, Any]:
                dates = ctx.backend.search(req, what="the histogram").get("aggregations", {}).get("dates", {})
                return dates.get("min"), dates.get("max")

            second = histogram_body(body, resp, undated_span)
            if second is not None:
                resp.setdefault("aggregations", {})["histogram"] = \
                    ctx.backend.search(second, what="the histogram").get("aggregations", {}).get("histogram", {})
            hist_req = (second or body)["aggs"].get("histogram")
            if merged is None and hist_req and isinstance(resp.get("aggregations", {}).get("histogram"), dict):
                dh = hist_req["date_histogram"]
                resp["aggregations"]["histogram"]["interval"] = dh["fixed_interval"] + \
                    (", by indexing time (no publication dates)" if dh["field"] == "@timestamp" else "")
            view = read_response(st, resp)
        except QuerySyntaxError as exc:
            error = syntax_error(exc)
        except Unavailable as exc:
            outage = str(exc)
        rule_q, rule_countries, rule_regions = st.rule_query()
        alert_url = "/rules/new?" + _qs([("query", rule_q), *(("country", c) for c in rule_countries),
                                          *(("region", r) for r in rule_regions)])
        return ctx.render(request, "search.html", st=st, view=view, error=error, outage=outage,
                          ranges=RANGE_LABELS, alert_url=alert_url,
                          map_json=json.dumps(map_data(view.map_counts if view else {})),
                          histogram=histogram_bars(view.histogram if view else []))

    def article(request: Request) -> Response:
        article_id = request.path_params["article_id"][:512]
        try:
            resp = ctx.backend.search({"query": {"ids": {"values": [article_id]}}, "size": 1,
                                       "_source": {"excludes": ["story_bands", "story_sketch"]}}, what="the article")
            hits = resp.get("hits", {}).get("hits", [])
            if not hits:
                return ctx.render(request, "error.html", status_code=404, message="No article with this id is indexed.")
            doc = hits[0]["_source"]
            fired = ctx.backend.search({"query": {"term": {"article_id": article_id}}, "size": 50,
                                        "sort": [{"fired_at": "desc"}]}, index=ctx.s.es_alerts_alias,
                                       what="the article's alerts")
            story_count = None
            event = doc.get("event_id") or doc.get("story_id")
            if event:
                sc = ctx.backend.call("the story", lambda es: es.count(index=ctx.s.es_alias, query=_story_query(event)))
                story_count = (sc or {}).get("count")
        except Unavailable as exc:
            return ctx.render(request, "error.html", status_code=503, message=str(exc))
        alerts = [h["_source"] for h in fired.get("hits", {}).get("hits", [])]
        return ctx.render(request, "article.html", doc=doc, article_id=article_id, segments=mark_entities(doc),
                          countries=ordered_countries(doc), alerts=alerts, story_count=story_count,
                          story_key=event)

    def story(request: Request) -> Response:
        """A story is an event (`event_id`: every outlet's article about it); documents indexed before
        events existed are found by their near-duplicate `story_id`."""
        story_id = request.path_params["story_id"][:512]
        try:
            resp = ctx.backend.search({
                "query": _story_query(story_id), "size": STORY_LIMIT, "track_total_hits": True,
                "sort": [{"published_at": {"order": "asc", "missing": "_last", "unmapped_type": "date"}},
                         {"@timestamp": {"order": "asc", "unmapped_type": "date"}}],
                "_source": ["id", "title", "url", "source", "published_at", "@timestamp", "countries", "language"],
                "aggs": {"sources": {"terms": {"field": "source", "size": 50}},
                         "countries": {"terms": {"field": "countries", "size": 20}}},
            }, what="the story")
        except Unavailable as exc:
            return ctx.render(request, "error.html", status_code=503, message=str(exc))
        articles = [h["_source"] | {"id": h["_id"]} for h in resp.get("hits", {}).get("hits", [])]
        if not articles:
            return ctx.render(request, "error.html", status_code=404, message="No articles of this story are indexed.")
        aggs = resp.get("aggregations", {})
        return ctx.render(request, "story.html", story_id=story_id, articles=articles,
                          total=resp["hits"]["total"]["value"],
                          sources=[(b["key"], b["doc_count"]) for b in aggs.get("sources", {}).get("buckets", [])],
                          countries=[(b["key"], b["doc_count"]) for b in aggs.get("countries", {}).get("buckets", [])])

    return [
        Route("/", search),
        Route("/search", search),
        Route("/articles/{article_id:path}", article),
        Route("/stories/{story_id:path}", story),
    ]


def _qs(pairs: Any) -> str:
    from urllib.parse import urlencode

    return urlencode(list(pairs))


def syntax_error(exc: Any) -> dict[str, Any]:
    """The parser's message with the query split at the error's position, to point at it on the page."""
    query, pos = exc.query, max(0, min(exc.pos, len(exc.query)))
    return {"message": str(exc).split("\n", 1)[0], "before": query[:pos][-200:], "at": query[pos:pos + 1] or " ",
            "after": query[pos + 1:][:200], "pos": pos + 1}


def histogram_bars(buckets: list[tuple[str, int]], *, width: int = 560, height: int = 260) -> dict[str, Any]:
    """Bars of the histogram as SVG geometry (drawn by the server: no script needed)."""
    if not buckets:
        return {"bars": [], "width": width, "height": height}
    top = max(n for _, n in buckets) or 1
    step = width / len(buckets)
    bars = []
    for i, (key, n) in enumerate(buckets):
        h = 0 if n == 0 else max(2.0, (height - 14) * n / top)
        bars.append({"x": round(i * step + 1, 1), "w": round(max(1.0, step - 2), 1), "y": round(height - 14 - h, 1),
                     "h": round(h, 1), "n": n, "label": key[:16].replace("T", " ")})
    return {"bars": bars, "width": width, "height": height, "first": buckets[0][0][:10], "last": buckets[-1][0][:10],
            "top": top}


def ordered_countries(doc: dict[str, Any]) -> list[tuple[str, bool]]:
    """The article's countries, its focus countries first (marked)."""
    focus = [c for c in doc.get("focus_countries") or [] if isinstance(c, str)]
    rest = [c for c in doc.get("countries") or [] if isinstance(c, str) and c not in focus]
    return [(c, True) for c in focus] + [(c, False) for c in rest]


def mark_entities(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The body as (text, kind) pieces: persons, organisations and places marked where their names occur.
    Plain pieces the template escapes; nothing here is ever HTML."""
    body = str(doc.get("body") or "")
    kinds: dict[str, str] = {}
    for e in doc.get("entities") or []:
        if isinstance(e, dict) and isinstance(e.get("name"), str):
            kind = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}.get(str(e.get("type")))
            if kind and len(e["name"]) >= 2:
                kinds.setdefault(e["name"], kind)
    for p in doc.get("places") or []:
        if isinstance(p, dict) and isinstance(p.get("name"), str) and len(p["name"]) >= 2:
            kinds.setdefault(p["name"], "place")
    for name in doc.get("persons") or []:
        if isinstance(name, str) and len(name) >= 2:
            kinds.setdefault(name, "person")
    for name in doc.get("organizations") or []:
        if isinstance(name, str) and len(name) >= 2:
            kinds.setdefault(name, "org")
    if not kinds or not body:
        return [(body, None)]
    names = sorted(kinds, key=len, reverse=True)[:MAX_MARK_NAMES]
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    head, tail = body[:MAX_MARKED_CHARS], body[MAX_MARKED_CHARS:]
    out: list[tuple[str, str | None]] = []
    last = 0
    for m in pattern.finditer(head):
        if m.start() > last:
            out.append((head[last:m.start()], None))
        out.append((m.group(0), kinds[m.group(0)]))
        last = m.end()
    out.append((head[last:] + tail, None))
    return out


def _story_query(key: str) -> dict[str, Any]:
    return {"bool": {"should": [{"term": {"event_id": key}}, {"term": {"story_id": key}}], "minimum_should_match": 1}}

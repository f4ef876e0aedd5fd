"""The search page's state (all of it in the URL) and its Elasticsearch requests: the CLI's `build_query`
(the one query language), plus the console's filters, facets, map counts and histogram. Pure: the page
sends the bodies and reads the answers.

Where the time went (100,000 generated articles): the collapse's inner hits (Elasticsearch runs one extra
search per shown story to count its articles) were half of the hits' cost, highlighting and the exact total
most of the rest, and the aggregations were computed afresh for every page. So the page is one `_msearch`
of two searches that Elasticsearch runs side by side -- the hits (collapsed, highlighted, nothing counted)
and the counts (size 0, in filter context: total, stories, facets, map, histogram; answered from the shard
request cache when the same search comes again, time bounds rounded to the minute so that it can) -- and
then one small count of the shown stories' matching articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 20
MAX_PAGE = 50  # deep paging is slow and useless; narrow the query instead
MAX_QUERY_CHARS = 10_000  # the rules' own limit
MAX_FILTER_VALUES = 20
FACET_SIZE = 10
# a body is highlighted in its first 50,000 characters: the page shows three 160-character fragments, and
# re-analysing a megabyte of text for each of 20 hits would cost more than the rest of the page
HIGHLIGHT_MAX_CHARS = 50_000
# what the hits list renders; everything else in a document stays on the server
HIT_SOURCE = ["id", "title", "url", "published_at", "countries", "source", "language", "story_id", "event_id"]

# URL parameter -> (indexed field, facet title, query-language field or None)
FILTERS: dict[str, tuple[str, str, str | None]] = {
    "country": ("countries", "Countries", "countries"),
    "region": ("regions", "Regions", "regions"),
    "person": ("persons", "Persons", "persons"),
    "org": ("organizations", "Organisations", "organizations"),
    "source": ("source", "Sources", "source"),
    "lang": ("language", "Languages", None),  # not (yet) a field of the query language
}
RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "1y": timedelta(days=365)}
RANGE_LABELS = {"all": "All time", "24h": "Last 24 h", "7d": "Last 7 days", "30d": "Last 30 days", "1y": "Last year"}


@dataclass
class SearchState:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    range: str = "all"
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    problems: list[str] = field(default_factory=list)
    # a page links the same filter from many places (every hit's countries, the facets): each URL once
    _links: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_params(cls, params: Any) -> SearchState:
        """From the query string (a Starlette QueryParams or a dict of lists); bad values become problems."""
        st = cls()
        st.q = (params.get("q") or "").strip()
        if len(st.q) > MAX_QUERY_CHARS:
            st.problems.append(f"the query is longer than {MAX_QUERY_CHARS:,} characters")
            st.q = st.q[:MAX_QUERY_CHARS]
        for name in FILTERS:
            values = [v.strip() for v in _getlist(params, name) if v and v.strip()][:MAX_FILTER_VALUES]
            if name == "country":
                values = [v.upper() for v in values]
            if values:
                st.filters[name] = list(dict.fromkeys(v[:200] for v in values))
        st.range = params.get("range") or "all"
        if st.range not in RANGE_LABELS and st.range != "custom":
            st.problems.append(f"unknown time range {st.range!r}")
            st.range = "all"
        for key in ("since", "until"):
            raw = params.get(key)
            if raw:
                try:
                    d = datetime.fromisoformat(raw)
                    setattr(st, key, d if d.tzinfo else d.replace(tzinfo=timezone.utc))
                    st.range = "custom"
                except ValueError:
                    st.problems.append(f"{key}: {raw[:40]!r} is not a date (YYYY-MM-DD)")
        st.sort = params.get("sort") if params.get("sort") in ("relevance", "date") else "relevance"
        try:
            st.page = max(1, min(MAX_PAGE, int(params.get("page") or 1)))
        except ValueError:
            st.page = 1
        return st

    # --- URLs: every view is a link ----------------------------------------------------------------

    def params(self, **change: Any) -> list[tuple[str, str]]:
        q = change.get("q", self.q)
        filters = change.get("filters", self.filters)
        out: list[tuple[str, str]] = [("q", q)] if q else []
        for name, values in filters.items():
            out += [(name, v) for v in values]
        rng = change.get("range", self.range)
        if rng == "custom":
            for key in ("since", "until"):
                d = change.get(key, getattr(self, key))
                if d:
                    out.append((key, d.isoformat()))
        elif rng != "all":
            out.append(("range", rng))
        sort = change.get("sort", self.sort)
        if sort != "relevance":
            out.append(("sort", sort))
        page = change.get("page", 1)
        if page > 1:
            out.append(("page", str(page)))
        return out

    def url(self, **change: Any) -> str:
        p = self.params(**change)
        return "/search" + (f"?{urlencode(p)}" if p else "")

    def with_filter(self, name: str, value: str) -> str:
        link = self._links.get((name, value))
        if link is None:
            values = self.filters.get(name, [])
            link = self.url() if value in values else self.url(filters={**self.filters, name: [*values, value]})
            self._links[(name, value)] = link
        return link

    def without_filter(self, name: str, value: str) -> str:
        rest = [v for v in self.filters.get(name, []) if v != value]
        filters = {k: v for k, v in self.filters.items() if k != name} | ({name: rest} if rest else {})
        return self.url(filters=filters)

    def time_bounds(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        if self.range == "custom":
            return self.since, self.until
        if self.range in RANGES:
            return (now or datetime.now(timezone.utc)) - RANGES[self.range], None
        return None, None

    # --- the rule this search would be -------------------------------------------------------------

    def rule_query(self) -> tuple[str, list[str], list[str]]:
        """(query, countries, regions) for "Alert on this search": the filters said in the query language,
        so the rule selects what the search shows (languages and time are not rule conditions)."""
        parts = [f"({self.q})"] if self.q and self.q != "*" else []
        for name, values in self.filters.items():
            fld = FILTERS[name][2]
            if name in ("country", "region") or fld is None:
                continue
            parts.append("(" + " OR ".join(f'{fld}:"{_quote(v)}"' for v in values) + ")")
        countries, regions = self.filters.get("country", []), self.filters.get("region", [])
        if not parts:  # a rule needs a query: the country and region filters become it
            if countries:
                parts.append("(" + " OR ".join(f"countries:{_quote(c)}" for c in countries) + ")")
            if regions:
                parts.append("(" + " OR ".join(f'regions:"{_quote(r)}"' for r in regions) + ")")
            countries, regions = [], []
        return " AND ".join(parts), countries, regions


def _getlist(params: Any, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        return list(params.getlist(name))
    v = params.get(name)
    return v if isinstance(v, list) else [v] if v else []


def _quote(value: str) -> str:
    return value.replace('"', " ").strip()


def _minute(now: datetime | None) -> datetime:
    """Now, rounded up to the minute: the same search within a minute is the same request (cacheable)."""
    when = now or datetime.now(timezone.utc)
    floor = when.replace(second=0, microsecond=0)
    return floor if floor == when else floor + timedelta(minutes=1)


def build_body(st: SearchState, *, now: datetime | None = None, facet_size: int = FACET_SIZE) -> dict[str, Any]:
    """The whole search as one body (raises QuerySyntaxError); `split_body` makes the page's requests of it."""
    from pipeline.query.search import build_query

    body = build_query(st.q or "*", limit=PAGE_SIZE, facet_size=facet_size, collapse=True)
    body["highlight"]["max_analyzed_offset"] = HIGHLIGHT_MAX_CHARS
    filters = body["query"]["bool"]["filter"]
    for name, values in st.filters.items():
        fld = FILTERS[name][0]
        filters.append({"terms": {fld: values}} if len(values) > 1 else {"term": {fld: values[0]}})
    now = _minute(now)
    since, until = st.time_bounds(now)
    if since or until:
        rng = {k: v.isoformat() for k, v in (("gte", since), ("lt", until)) if v}
        filters.append({"bool": {"should": [
            {"range": {"published_at": rng}},
            {"bool": {"must_not": {"exists": {"field": "published_at"}}, "filter": {"range": {"@timestamp": rng}}}},
        ], "minimum_should_match": 1}})
    body["from"] = (st.page - 1) * PAGE_SIZE
    body["_source"] = list(HIT_SOURCE)
    if st.sort == "date" or not st.q or st.q == "*":
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last", "unmapped_type": "date"}},
                        {"@timestamp": {"order": "desc", "unmapped_type": "date"}}, "_score"]
    aggs = body["aggs"]
    for name in ("person", "source", "lang"):
        aggs[FILTERS[name][0]] = {"terms": {"field": FILTERS[name][0], "size": facet_size}}
    # one terms aggregation over countries feeds both the map (all of them) and the facet (the top ones)
    aggs.pop("countries", None)
    aggs["map"] = {"terms": {"field": "countries", "size": 300}}
    when = now or datetime.now(timezone.utc)
    if since:  # the span is known: the histogram comes in the same request
        aggs["histogram"] = histogram_agg(since, until or when)
    else:  # the span is the matches' own: sparse hourly (last week) and daily counts, merged into bars after
        for name, interval, back in (("hist_hour", "1h", timedelta(days=7)), ("hist_day", "1d", timedelta(days=3650))):
            aggs[name] = {"date_histogram": {"field": "published_at", "fixed_interval": interval, "min_doc_count": 1,
                                             "hard_bounds": {"min": (when - back).isoformat(),
                                                             "max": (when + timedelta(days=2)).isoformat()}}}
    # the matches' own span, and whether any has a publication date (undated articles are counted by
    # when they were indexed, in a second, small request)
    aggs["dates"] = {"stats": {"field": "published_at"}}
    return body


def split_body(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(hits, counts): the two searches of the page's `_msearch`. The hits are collapsed by story without
    inner hits (`story_counts_body` counts the shown stories in one request instead of one search per story)
    and count nothing; the counts search has size 0, its query in filter context (no scoring), and holds
    every aggregation and the exact total."""
    hits = {k: v for k, v in body.items() if k != "aggs"}
    hits["track_total_hits"] = False
    hits["collapse"] = {"field": body["collapse"]["field"]}
    counts = {"query": {"bool": {"filter": [body["query"]]}}, "size": 0, "track_total_hits": True,
              "aggs": body["aggs"]}
    return hits, counts


def story_counts_body(body: dict[str, Any], hits: dict[str, Any]) -> dict[str, Any] | None:
    """How many matching articles each shown story has (what the collapse's inner hits said), in one small
    request; None when no hit has a story."""
    field = body.get("collapse", {}).get("field", "event_id")
    keys = list(dict.fromkeys(k for h in hits.get("hits", {}).get("hits", [])
                              if (k := _story_key(h.get("_source", {}))) is not None))
    if not keys:
        return None
    return {"query": {"bool": {"filter": [body["query"], {"terms": {field: keys}}]}}, "size": 0,
            "track_total_hits": False, "aggs": {"story": {"terms": {"field": field, "size": len(keys)}}}}


def _story_key(src: dict[str, Any]) -> str | None:
    key = src.get("event_id")
    return str(key) if key else None


def merge_answers(hits: dict[str, Any], counts: dict[str, Any], stories: dict[str, Any] | None) -> dict[str, Any]:
    """One search answer of the three: the hits, with the counts' total and aggregations, and each hit's
    story count where the inner hits would have put it (so `parse_response` reads it as before)."""
    per_story = {str(b["key"]): int(b["doc_count"])
                 for b in (stories or {}).get("aggregations", {}).get("story", {}).get("buckets", [])}
    rows = []
    for h in hits.get("hits", {}).get("hits", []):
        key = _story_key(h.get("_source", {}))
        if key is not None and stories is not None:
            h = h | {"inner_hits": {"story": {"hits": {"total": {"value": per_story.get(key, 1)}}}}}
        rows.append(h)
    total = counts.get("hits", {}).get("total", {"value": len(rows)})
    took = [int(r["took"]) for r in (hits, counts, stories or {}) if isinstance(r.get("took"), int)]
    return {"took": max(took[:2], default=0) + sum(took[2:]),  # the first two run side by side
            "hits": {"total": total, "hits": rows}, "aggregations": dict(counts.get("aggregations", {}))}


def merge_histogram(aggs: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any] | None:
    """The open range's bars from the sparse hourly and daily counts: the finest source that covers the
    matches' span, regrouped into about HISTOGRAM_BARS bars (dates beyond ten years back are left out)."""
    stats = aggs.get("dates", {})
    if stats.get("min") is None or "hist_day" not in aggs:
        return None
    end = min(stats["max"] / 1000, ((now or datetime.now(timezone.utc)) + timedelta(days=2)).timestamp())
    start = max(stats["min"] / 1000, ((now or datetime.now(timezone.utc)) - timedelta(days=3650)).timestamp())
    hourly = start >= ((now or datetime.now(timezone.utc)) - timedelta(days=7)).timestamp()
    source, unit = (aggs.get("hist_hour", {}), 3600) if hourly else (aggs.get("hist_day", {}), 86400)
    span = max(end - start, 3600.0)
    name, step = next(((n, sec) for n, sec in INTERVALS if sec >= unit and span / sec <= HISTOGRAM_BARS), INTERVALS[-1])
    first = start - start % step
    counts = [0] * (int((end - first) // step) + 1)
    for b in source.get("buckets", []):
        i = int((b["key"] / 1000 - first) // step)
        if 0 <= i < len(counts):
            counts[i] += int(b["doc_count"])
    buckets = [{"key_as_string": datetime.fromtimestamp(first + i * step, tz=timezone.utc).isoformat(),
                "key": int((first + i * step) * 1000), "doc_count": n} for i, n in enumerate(counts)]
    return {"buckets": buckets, "interval": name}


# fixed intervals a histogram may use, shortest first; one is chosen for about HISTOGRAM_BARS bars
INTERVALS = [("5m", 300), ("15m", 900), ("1h", 3600), ("3h", 10800), ("6h", 21600), ("12h", 43200), ("1d", 86400),
             ("7d", 604800), ("30d", 2592000), ("90d", 7776000), ("365d", 31536000)]
HISTOGRAM_BARS = 48


def histogram_agg(start: datetime, end: datetime, field: str = "published_at") -> dict[str, Any]:
    span = max(1.0, (end - start).total_seconds())
    name = next((n for n, sec in INTERVALS if span / sec <= HISTOGRAM_BARS), INTERVALS[-1][0])
    return {"date_histogram": {"field": field, "fixed_interval": name, "min_doc_count": 0,
                               "extended_bounds": {"min": start.isoformat(), "max": end.isoformat()},
                               "hard_bounds": {"min": start.isoformat(), "max": end.isoformat()}}}


def histogram_body(body: dict[str, Any], resp: dict[str, Any],
                   undated_span: Any = None) -> dict[str, Any] | None:
    """The second request when no match has a publication date: the same query, only the histogram, by
    indexing time, over the matches' own span (a bogus date decades away is clamped to 20 years back).
    When no match has a publication date, `undated_span(request)` runs REQUEST (the span of their indexing
    times) and returns (min, max) in epoch milliseconds."""
    aggs = resp.get("aggregations", {})
    field = "published_at"
    first, last = aggs.get("dates", {}).get("min"), aggs.get("dates", {}).get("max")
    if first is None or last is None:
        if not resp.get("hits", {}).get("total", {}).get("value"):
            return None
        field = "@timestamp"  # no match has a publication date: their indexing time (a small extra request)
        if undated_span is None:
            return None
        first, last = undated_span({"query": body["query"], "size": 0, "track_total_hits": False,
                                    "aggs": {"dates": {"stats": {"field": "@timestamp"}}}})
    else:
        return None  # dated articles: already in the first answer
    if first is None or last is None:
        return None
    hist = body["aggs"].get("histogram", {}).get("date_histogram")
    if hist:  # a bounded range whose matches carry no publication date: the same bounds, by indexing time
        return {"query": body["query"], "size": 0, "track_total_hits": False,
                "aggs": {"histogram": {"date_histogram": hist | {"field": field}}}}
    end = datetime.fromtimestamp(last / 1000, tz=timezone.utc)
    start = max(datetime.fromtimestamp(first / 1000, tz=timezone.utc), end - timedelta(days=365 * 20))
    if end - start < timedelta(hours=1):
        start = end - timedelta(hours=1)
    return {"query": body["query"], "size": 0, "track_total_hits": False,
            "aggs": {"histogram": histogram_agg(start, end + timedelta(seconds=1), field)}}


@dataclass
class Facet:
    name: str  # URL parameter
    title: str
    buckets: list[tuple[str, int, bool]]  # value, count, selected


@dataclass
class SearchView:
    total: int = 0
    stories: int | None = None
    hits: list[dict[str, Any]] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    map_counts: dict[str, int] = field(default_factory=dict)
    histogram: list[tuple[str, int]] = field(default_factory=list)
    interval: str = ""
    took_ms: int | None = None

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-(self.stories if self.stories is not None else self.total) // PAGE_SIZE)))


def read_response(st: SearchState, resp: dict[str, Any]) -> SearchView:
    from pipeline.query.search import parse_response

    result = parse_response(resp)
    sources = {h["_id"]: h.get("_source", {}) for h in resp.get("hits", {}).get("hits", [])}
    view = SearchView(total=result.total, stories=result.stories, took_ms=resp.get("took"))
    for h in result.hits:
        src = sources.get(h.id, {})
        title_hl = next((f for f in h.highlights if _plain(f) == h.title), None)
        view.hits.append({
            "id": h.id, "title": h.title, "title_hl": title_hl, "url": h.url, "published_at": h.published_at,
            "countries": h.countries, "regions": h.regions, "organizations": h.organizations,
            "persons": src.get("persons") or [], "source": src.get("source"), "language": src.get("language"),
            # a fragment that only repeats the title (a body starting with its headline) is left out
            "fragments": [f for f in h.highlights if f is not title_hl and _plain(f).strip(" .…") not in h.title][:3],
            "story_id": h.event_id or h.story_id,  # the story view is the event
            "story_articles": h.story_articles,
        })
    aggs = resp.get("aggregations", {})
    for name, (fld, title, _) in FILTERS.items():
        chosen = st.filters.get(name, [])
        agg = aggs.get("map" if name == "country" and "map" in aggs else fld, {})
        buckets = [(str(b["key"]), int(b["doc_count"])) for b in agg.get("buckets", [])][:FACET_SIZE]
        seen = {k for k, _ in buckets}
        view.facets.append(Facet(name, title, [(k, n, k in chosen) for k, n in buckets] +
                                 [(v, 0, True) for v in chosen if v not in seen]))
    view.map_counts = {str(b["key"]): int(b["doc_count"]) for b in aggs.get("map", {}).get("buckets", [])}
    hist = aggs.get("histogram", {})
    view.histogram = [(str(b.get("key_as_string") or b["key"]), int(b["doc_count"])) for b in hist.get("buckets", [])]
    view.interval = str(hist.get("interval", ""))
    return view


def _plain(fragment: str) -> str:
    return fragment.replace("<em>", "").replace("</em>", "")

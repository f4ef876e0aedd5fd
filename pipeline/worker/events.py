"""The worker's event desk: which event each enriched article belongs to, after the story desk, before it
leaves the worker (called from StoryDesk.assign).

This worker's recent events are in memory (`EventIndex`); what other workers and earlier runs placed is
in Elasticsearch, read for each batch by one scored query on the batch's features (`event_terms`) within
the event window: the recent articles sharing most with the batch, a bounded number per article, no
more_like_this needed. An article already indexed keeps its recorded event, so a redelivered article never moves.
Elasticsearch away: the desk decides from memory alone and says so in the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from pipeline.clients.elasticsearch import msearch
from pipeline.enrich.events import MIN_SHARED_TERMS, WINDOW_S, EventIndex, Remote, features
from pipeline.settings import Settings

log = logging.getLogger("newswatch.worker")
MAX_REMOTE = 1_000  # candidates read back per batch at most
CANDIDATES_PER_ARTICLE = 16  # the best-sharing recent articles per article (the memory keeps as many)
TERMS_PER_ARTICLE = 16  # an article's strongest words and names asked for
MAX_TERMS = 1_024
READ_PER_EVENT = 2  # an event this worker does not hold: its best-sharing members read back


def _epoch(doc: dict[str, Any], default: float) -> float:
    for key in ("published_at", "@timestamp"):
        try:
            return datetime.fromisoformat(str(doc[key])).timestamp()
        except (KeyError, ValueError, TypeError):
            continue
    return default


# What the enrichment pool computes for the desk beside the document (the features are in the document
# too, as `event_terms` / `event_weights`): (article id, features, published or enriched time, language)
EventHint = tuple[str, dict[str, float], float | None, str]


def hint(doc: dict[str, Any]) -> EventHint:
    """The desk's input from an enriched article's fields (the pool calls it; so do the tests)."""
    epoch = _epoch(doc, -1.0)
    return str(doc["id"]), features(doc), (epoch if epoch >= 0 else None), str(doc.get("language") or "en")


def article_hint(article: Any) -> EventHint:
    """The hint of an `EnrichedArticle` (in the enrichment pool), without dumping the whole model."""
    fields = {name: getattr(article, name) for name in (
        "id", "title", "body", "language", "persons", "organizations", "locations", "countries", "focus_countries",
        "published_at")}
    fields["@timestamp"] = article.timestamp
    fields["entities"] = [{"name": e.name, "count": e.count} for e in article.entities]
    return hint(fields)


class EventDesk:
    def __init__(self, s: Settings, es: Any | None = None) -> None:
        self.s = s
        self.es = es
        cap = s.story_memory_articles
        self.index = EventIndex(max_articles=cap, max_events=cap)

    async def assign(self, docs: list[dict[str, Any]]) -> None:
        """Set `event_id`, `event_terms` and `event_weights` on each document, in place (for callers that
        hold parsed documents; the worker calls `decide` with the pool's hints)."""
        hints = [hint(d) for d in docs]
        ids = await asyncio.to_thread(self.decide, hints)
        for d, (_, tf, _, _), eid in zip(docs, hints, ids, strict=True):
            d["event_terms"], d["event_weights"], d["event_id"] = list(tf), list(tf.values()), eid

    def decide(self, hints: list[EventHint]) -> list[str]:
        """Each article's event id, in order (blocking: run it off the event loop)."""
        if not hints:
            return []
        now = time.time()
        known: dict[str, str] = {}
        if self.es is not None:
            try:
                known, remote = self._lookup(hints)
                self.index.learn(remote)
            except Exception as exc:  # noqa: BLE001 - Elasticsearch away: this worker's memory decides
                log.warning("events decided without Elasticsearch (this worker's articles only): %s",
                            str(exc).splitlines()[0][:200])
        return [self.index.assign(aid, tf, now if at is None else at, lang, known=known.get(aid)).event_id
                for aid, tf, at, lang in hints]

    def _lookup(self, hints: list[EventHint]) -> tuple[dict[str, str], list[Remote]]:
        """Events already given to these articles, and recent articles sharing features with them."""
        assert self.es is not None
        ids = [h[0] for h in hints]
        # what the memory posts (words and names, not countries: alone they link every article about a
        # country), each article's strongest first; candidates share MIN_SHARED_TERMS of them and come
        # ranked by what they share, as in `EventIndex._linked`. A `terms` query scores every match
        # alike: its first thousand were an arbitrary (the oldest) slice of everything naming a country,
        # and reading their stored fields was most of Elasticsearch's work in a busy stream.
        terms = sorted({t for h in hints for t in [x for x in h[1] if x[0] != "c"][:TERMS_PER_ARTICLE]})[:MAX_TERMS]
        days = max(1, int(WINDOW_S // 86400))
        where = {"index": self.s.es_alias, "ignore_unavailable": True, "allow_no_indices": True}
        fields = {"_source": False, "docvalue_fields": ["id", "event_id", "story_id"]}
        searches: list[dict[str, Any]] = [where, {"size": len(ids), "query": {"ids": {"values": ids}}, **fields}]
        if terms:
            searches += [where, {
                "size": min(MAX_REMOTE, CANDIDATES_PER_ARTICLE * len(hints)), "track_total_hits": False, **fields,
                "query": {"bool": {"should": [{"term": {"event_terms": t}} for t in terms],
                                   "minimum_should_match": MIN_SHARED_TERMS,
                                   "filter": [{"range": {"@timestamp": {"gte": f"now-{days}d"}}}],
                                   "must_not": [{"ids": {"values": ids}}]}}}]
        responses = msearch(self.es, searches, "event lookup")
        known: dict[str, str] = {}
        unread: list[dict[str, str]] = []
        per_event: dict[str, int] = {}
        for i, r in enumerate(responses):
            for hit in r["hits"]["hits"]:
                f = hit.get("fields") or {}
                aid = (f.get("id") or [None])[0]
                eid = (f.get("event_id") or f.get("story_id") or [None])[0]
                if not aid or not eid:
                    continue
                if i == 0:
                    known[aid] = eid
                    continue
                # this worker's own articles, and events it holds, are in memory already; of the others, a
                # few members each (an event's centroid is what links)
                event = self.index.resolve(eid)
                if aid in self.index.articles or event in self.index.events or per_event.get(event, 0) >= READ_PER_EVENT:
                    continue
                per_event[event] = per_event.get(event, 0) + 1
                unread.append({"_index": hit["_index"], "_id": hit["_id"]})
        remote: list[Remote] = []
        if not unread:
            return known, remote
        docs = self.es.mget(docs=unread, source=["id", "event_id", "story_id", "event_terms", "event_weights",
                                                 "published_at", "@timestamp", "language"])["docs"]
        for doc in docs:
            src = doc.get("_source") or {}
            aid, eid = src.get("id"), src.get("event_id") or src.get("story_id")
            names, weights = src.get("event_terms") or [], src.get("event_weights") or []
            if aid and eid and names and len(names) == len(weights):
                remote.append(Remote(aid, eid, dict(zip(names, weights, strict=True)), _epoch(src, 0.0), src.get("language") or "en"))
        return known, remote

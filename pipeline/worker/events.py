"""The worker's event desk: which event each enriched article belongs to, after the story desk, before it
leaves the worker (called from StoryDesk.assign).

This worker's recent events are in memory (`EventIndex`); what other workers and earlier runs placed is
in Elasticsearch, read for each batch by one `terms` query on the batch's features (`event_terms`) within
the event window, no more_like_this needed (the core distribution has it, but a terms filter is cheaper and
bounded). An article already indexed keeps its recorded event, so a redelivered article never moves.
Elasticsearch away: the desk decides from memory alone and says so in the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from pipeline.enrich.events import WINDOW_S, EventIndex, Remote, features
from pipeline.settings import Settings

log = logging.getLogger("newswatch.worker")
MAX_REMOTE = 1_000  # candidates read back per batch: bounded, the batch's own ids first


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
        """Events already given to these articles, and recent articles sharing a feature with any of them."""
        assert self.es is not None
        ids = [h[0] for h in hints]
        terms = sorted({t for h in hints for t in h[1] if t[0] != "w"}
                       | {t for h in hints for t in list(h[1])[:12]})[:4_096]
        days = max(1, int(WINDOW_S // 86400))
        should: list[dict[str, Any]] = [{"constant_score": {"filter": {"ids": {"values": ids}}, "boost": 1000.0}}]
        if terms:
            should.append({"bool": {"should": [{"terms": {"event_terms": terms}}], "filter": [
                {"range": {"@timestamp": {"gte": f"now-{days}d"}}}]}})
        # ids and events first: in a storm most candidates are this worker's own articles, whose features
        # it holds already; only the others' features are read (a second, smaller request)
        res = self.es.search(index=self.s.es_alias, size=MAX_REMOTE, query={"bool": {"should": should}},
                             source=["id", "event_id", "story_id"], ignore_unavailable=True, allow_no_indices=True)
        known: dict[str, str] = {}
        unread: list[dict[str, str]] = []
        wanted = set(ids)
        for hit in res["hits"]["hits"]:
            src = hit.get("_source") or {}
            aid, eid = src.get("id"), src.get("event_id") or src.get("story_id")
            if not aid or not eid:
                continue
            if aid in wanted:
                known[aid] = eid
            elif aid not in self.index.articles:
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

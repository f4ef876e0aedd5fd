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


class EventDesk:
    def __init__(self, s: Settings, es: Any | None = None) -> None:
        self.s = s
        self.es = es
        self.index = EventIndex()

    async def assign(self, docs: list[dict[str, Any]]) -> None:
        """Set `event_id`, `event_terms` and `event_weights` on each document, in place."""
        if not docs:
            return
        now = time.time()
        tfs = []
        for d in docs:
            tf = features(d)
            d["event_terms"], d["event_weights"] = list(tf), list(tf.values())
            tfs.append(tf)
        known: dict[str, str] = {}
        if self.es is not None:
            try:
                known, remote = await asyncio.to_thread(self._lookup, docs)
                self.index.learn(remote)
            except Exception as exc:  # noqa: BLE001 - Elasticsearch away: this worker's memory decides
                log.warning("events decided without Elasticsearch (this worker's articles only): %s",
                            str(exc).splitlines()[0][:200])
        for d, tf in zip(docs, tfs, strict=True):
            decision = self.index.assign(d["id"], tf, _epoch(d, now), d.get("language") or "en", known=known.get(d["id"]))
            d["event_id"] = decision.event_id

    def _lookup(self, docs: list[dict[str, Any]]) -> tuple[dict[str, str], list[Remote]]:
        """Events already given to these articles, and recent articles sharing a feature with any of them."""
        assert self.es is not None
        ids = [d["id"] for d in docs]
        terms = sorted({t for d in docs for t in d["event_terms"] if t[0] != "w"}
                       | {t for d in docs for t in d["event_terms"][:12]})[:4_096]
        days = max(1, int(WINDOW_S // 86400))
        should: list[dict[str, Any]] = [{"constant_score": {"filter": {"ids": {"values": ids}}, "boost": 1000.0}}]
        if terms:
            should.append({"bool": {"should": [{"terms": {"event_terms": terms}}], "filter": [
                {"range": {"@timestamp": {"gte": f"now-{days}d"}}}]}})
        res = self.es.search(index=self.s.es_alias, size=MAX_REMOTE, query={"bool": {"should": should}},
                             source=["id", "event_id", "story_id", "event_terms", "event_weights", "published_at",
                                     "@timestamp", "language"],
                             ignore_unavailable=True, allow_no_indices=True)
        known: dict[str, str] = {}
        remote: list[Remote] = []
        wanted = set(ids)
        for hit in res["hits"]["hits"]:
            src = hit.get("_source") or {}
            aid, eid = src.get("id"), src.get("event_id") or src.get("story_id")
            if not aid or not eid:
                continue
            if aid in wanted:
                known[aid] = eid
                continue
            names, weights = src.get("event_terms") or [], src.get("event_weights") or []
            if names and len(names) == len(weights):
                remote.append(Remote(aid, eid, dict(zip(names, weights, strict=True)), _epoch(src, 0.0), src.get("language") or "en"))
        return known, remote

"""The worker's story desk: which story each enriched article belongs to, before it leaves the worker.

The articles this worker saw are in memory (`StoryIndex`); what other workers and earlier runs saw is in
Elasticsearch, searched by LSH band for each batch, and an article already indexed keeps the story it was
given, so a redelivered article is never moved to another story. Elasticsearch away: the desk decides from
memory alone and says so in the log; near-duplicates split across workers meanwhile stay apart.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from pipeline.enrich.stories import Member, Sketch, Story, StoryIndex
from pipeline.settings import Settings
from pipeline.worker.events import EventDesk

log = logging.getLogger("newswatch.worker")
Result = tuple[str | None, bytes | None, str | None]
MAX_REMOTE = 2_000


class StoryDesk:
    def __init__(self, s: Settings, es: Any | None = None) -> None:
        self.s = s
        self.es = es
        self.index = StoryIndex(window_s=s.story_window_days * 86400.0)
        self.events = EventDesk(s, es)  # one event per happening (pipeline/worker/events.py)

    async def assign(self, results: list[Result]) -> list[Result]:
        docs: list[tuple[int, dict[str, Any], Sketch | None]] = []
        for i, (_, doc, _) in enumerate(results):
            if doc is not None:
                d = json.loads(doc)
                docs.append((i, d, Sketch.decode(d["story_sketch"]) if d.get("story_sketch") else None))
        if not docs:
            return results
        known: dict[str, Story] = {}
        elsewhere: list[Member] = []
        if self.es is not None:
            try:
                known, elsewhere = await asyncio.to_thread(self._lookup, docs)
            except Exception as exc:  # noqa: BLE001 - Elasticsearch away: this worker's memory decides
                log.warning("stories decided without Elasticsearch (this worker's articles only): %s",
                            str(exc).splitlines()[0][:200])
        await self.events.assign([d for _, d, _ in docs])  # event_id, beside the story (worker/events.py)
        out = list(results)
        for i, d, sk in docs:
            story = self.index.assign(d["id"], sk, elsewhere=elsewhere, known=known.get(d["id"]))
            d["story_id"], d["duplicate_of"] = story.story_id, story.duplicate_of
            out[i] = (results[i][0], json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode(), None)
        return out

    def _lookup(self, docs: list[tuple[int, dict[str, Any], Sketch | None]]) -> tuple[dict[str, Story], list[Member]]:
        """Stories already given to these articles, and recent articles sharing a band with any of them."""
        assert self.es is not None
        ids = [d["id"] for _, d, _ in docs]
        bands = sorted({b for _, d, _ in docs for b in d.get("story_bands") or []})
        # the batch's own ids score (the band filter does not), so they come first and the MAX_REMOTE cap on
        # band candidates can never cut a recorded story: a redelivered article keeps its story
        should: list[dict[str, Any]] = [{"constant_score": {"filter": {"ids": {"values": ids}}, "boost": 1.0}}]
        if bands:
            should.append({"bool": {"filter": [
                {"terms": {"story_bands": bands}},
                {"range": {"@timestamp": {"gte": f"now-{self.s.story_window_days}d"}}},
            ]}})
        res = self.es.search(index=self.s.es_alias, size=MAX_REMOTE, query={"bool": {"should": should}},
                             source=["id", "story_id", "duplicate_of", "story_sketch"],
                             sort=["_score", {"@timestamp": "asc"}], ignore_unavailable=True, allow_no_indices=True)
        known: dict[str, Story] = {}
        elsewhere: list[Member] = []
        wanted = set(ids)
        for hit in res["hits"]["hits"]:
            src = hit.get("_source") or {}
            aid, story_id = src.get("id"), src.get("story_id")
            if not aid or not story_id:
                continue
            if aid in wanted:
                known[aid] = Story(story_id, src.get("duplicate_of"))
                continue
            sk = Sketch.decode(src.get("story_sketch") or "")
            if sk is not None:
                elsewhere.append(Member(aid, story_id, sk, 0.0))
        return known, elsewhere

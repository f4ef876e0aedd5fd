"""The worker's story desk: which story each enriched article belongs to, before it leaves the worker.

The articles this worker saw are in memory (`StoryIndex`); what other workers and earlier runs saw is in
Elasticsearch, searched by LSH band for each batch, and an article already indexed keeps the story it was
given, so a redelivered article is never moved to another story. Elasticsearch away: the desk decides from
memory alone and says so in the log; near-duplicates split across workers meanwhile stay apart.

The enrichment pool hands each document over serialised once, without its story fields, and the sketch
beside it (`Enriched`); the desk appends `story_id` and `duplicate_of` to those bytes, so no document is
parsed or serialised again on the worker. The whole batch is decided in a thread: the event loop goes on
heartbeating and matching rules meanwhile, and a story's cost per article is bounded (`StoryIndex`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from pipeline.clients.elasticsearch import msearch
from pipeline.enrich.stories import MAX_REPRESENTATIVES, Member, Sketch, Story, StoryIndex
from pipeline.settings import Settings
from pipeline.worker.events import EventDesk, EventHint

log = logging.getLogger("newswatch.worker")
Result = tuple[str | None, bytes | None, str | None]  # (article id, document, rejection reason)
# from the pool: (article id, document without its story fields, rejection reason, encoded sketch, what
# the event desk needs)
Enriched = tuple[str | None, bytes | None, str | None, str | None, EventHint | None]
MAX_STORIES = 250  # stories sharing a band with a batch, read back at most (their first member each)
STORY_FIELDS = ("story_id", "duplicate_of", "event_id")  # left out by the pool, appended here


def with_story(doc: bytes, story: Story, event_id: str | None = None) -> bytes:
    """The document (a JSON object without the story fields) with `story_id`, `duplicate_of` and
    `event_id` (the story's when no event was decided) last."""
    if not doc.endswith(b"}"):
        raise ValueError("an enriched document must be a JSON object")
    tail = json.dumps({"story_id": story.story_id, "duplicate_of": story.duplicate_of,
                       "event_id": event_id or story.story_id}, ensure_ascii=False, separators=(",", ":")).encode()
    return doc[:-1] + (b"," if doc[:-1].rstrip() != b"{" else b"") + tail[1:]


class StoryDesk:
    def __init__(self, s: Settings, es: Any | None = None) -> None:
        self.s = s
        self.es = es
        self.index = StoryIndex(max_articles=s.story_memory_articles, window_s=s.story_window_days * 86400.0)
        self.events = EventDesk(s, es)  # one event per happening (pipeline/worker/events.py)

    async def assign(self, results: list[Enriched]) -> list[Result]:
        """Each enriched article with its story, in order; rejections pass through."""
        return await asyncio.to_thread(self.assign_now, results)

    def assign_now(self, results: list[Enriched]) -> list[Result]:
        out: list[Result] = [(aid, doc, reason) for aid, doc, reason, _, _ in results]
        docs = [(i, aid or "", Sketch.decode(sk) if sk else None, h)
                for i, (aid, doc, _, sk, h) in enumerate(results) if doc is not None]
        if not docs:
            return out
        known: dict[str, Story] = {}
        elsewhere = StoryIndex.of(())
        if self.es is not None:
            try:
                known, remote = self._lookup(docs)
                elsewhere = StoryIndex.of(remote)  # once per batch: each article reads it by band
            except Exception as exc:  # noqa: BLE001 - Elasticsearch away: this worker's memory decides
                log.warning("stories decided without Elasticsearch (this worker's articles only): %s",
                            str(exc).splitlines()[0][:200])
        events = self.events.decide([h for _, _, _, h in docs if h is not None])  # worker/events.py
        next_event = iter(events)
        for i, aid, sk, h in docs:
            story = self.index.assign(aid, sk, elsewhere=elsewhere, known=known.get(aid))
            doc = results[i][1]
            assert doc is not None
            out[i] = (results[i][0], with_story(doc, story, next(next_event) if h is not None else None), None)
        return out

    def _lookup(self, docs: list[tuple[int, str, Sketch | None, EventHint | None]]) -> tuple[dict[str, Story], list[Member]]:
        """Stories already given to these articles, and recent articles sharing a band with any of them."""
        assert self.es is not None
        ids = [aid for _, aid, _, _ in docs]
        bands = sorted({b for _, _, sk, _ in docs if sk is not None for b in sk.bands})
        # two searches in one request: the stories recorded for the batch's own articles (a redelivered
        # article keeps its story, whatever the candidates), and the stories sharing a band, one hit each:
        # its first member (doc values only, no stored text read)
        where = {"index": self.s.es_alias, "ignore_unavailable": True, "allow_no_indices": True}
        searches: list[dict[str, Any]] = [
            where, {"size": len(ids), "query": {"ids": {"values": ids}}, "_source": ["id", "story_id", "duplicate_of"]}]
        if bands:
            searches += [where, {
                "size": MAX_STORIES, "_source": False, "sort": [{"@timestamp": "asc"}],
                "docvalue_fields": ["id"], "query": self._sharing(bands, ids), "collapse": {"field": "story_id"}}]
        responses = msearch(self.es, searches, "story lookup")
        known: dict[str, Story] = {}
        for hit in responses[0]["hits"]["hits"]:
            src = hit.get("_source") or {}
            if src.get("id") and src.get("story_id"):
                known[src["id"]] = Story(src["story_id"], src.get("duplicate_of"))
        # The stories this worker does not follow (it does follow those whose first member it holds: their
        # representatives are in memory): their first MAX_REPRESENTATIVES members, in one search for the
        # batch, each story's first member first, the rest by time. Inner hits re-ran the band query for
        # each story over the stored text: most of Elasticsearch's work in a busy stream.
        heads: dict[str, str] = {}
        for group in responses[1]["hits"]["hits"] if bands else []:
            fields = group.get("fields") or {}
            story_id, head = (fields.get("story_id") or [None])[0], (fields.get("id") or [None])[0]
            if story_id and head and self.index.get(head) is None:
                heads[story_id] = group["_id"]
        if not heads:
            return known, []
        query = self._sharing(bands, ids)
        query["bool"]["filter"].append({"terms": {"story_id": sorted(heads)}})
        query["bool"]["should"] = [{"constant_score": {"filter": {"ids": {"values": sorted(heads.values())}}, "boost": 10.0}}]
        reps = msearch(self.es, [where, {
            "size": min(MAX_STORIES, len(heads)) * MAX_REPRESENTATIVES, "query": query,
            "sort": ["_score", {"@timestamp": "asc"}], "_source": ["id", "story_id", "story_sketch"]}], "story lookup")[0]
        elsewhere: list[Member] = []
        for hit in reps["hits"]["hits"]:
            src = hit.get("_source") or {}
            sk = Sketch.decode(src.get("story_sketch") or "")
            if src.get("id") and src.get("story_id") and sk is not None and self.index.get(src["id"]) is None:
                elsewhere.append(Member(src["id"], src["story_id"], sk, 0.0))
        return known, elsewhere  # StoryIndex.of keeps MAX_REPRESENTATIVES a story

    def _sharing(self, bands: list[str], ids: list[str]) -> dict[str, Any]:
        """Recent articles, not the batch's own, sharing a band."""
        return {"bool": {"filter": [{"terms": {"story_bands": bands}},
                                    {"range": {"@timestamp": {"gte": f"now-{self.s.story_window_days}d"}}}],
                         "must_not": [{"ids": {"values": ids}}]}}

"""Kafka `articles.enriched` -> Elasticsearch, at least once and idempotently (a `consumers.sink.Sink`).

The document `_id` is the article id, so a redelivered batch overwrites itself instead of doubling.
Documents Elasticsearch rejects for what they are (mapping errors) go to the dead-letter topic; failures
of Elasticsearch itself (unavailable, 429, 5xx) raise RetryableError, so nothing is committed until
they pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from kafka import KafkaProducer
from pydantic import ValidationError

from consumers.dead_letters import DeadLetters
from consumers.es_indices import article_index, ensure_article_index
from consumers.sink import RetryableError
from pipeline.observe import metrics
from pipeline.settings import Settings
from schemas import EnrichedArticle

RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class BatchResult:
    indexed: int = 0
    dead_lettered: int = 0


class ElasticsearchIndexer:
    def __init__(self, s: Settings, es: Elasticsearch, dlq: KafkaProducer) -> None:
        self.s = s
        self.es = es
        self.dead = DeadLetters(s, dlq, "index", s.topic_enriched)
        self._index = ""  # this month's index, once ensured

    def open(self) -> None:
        self._index = ensure_article_index(self.es, self.s)

    def _current_index(self) -> str:
        """This month's index (created when the month turns)."""
        if article_index(self.s) != self._index:
            self._index = ensure_article_index(self.es, self.s)
        return self._index

    def _locate(self, ids: list[str]) -> dict[str, str]:
        """Where each already-indexed article lives: a redelivered or replayed article is written over
        itself in its own month's index, never a second copy in this month's."""
        if not ids:
            return {}
        try:
            hits = self.es.search(index=self.s.es_alias, query={"ids": {"values": ids}}, size=len(ids) * 2,
                                  source=False)["hits"]["hits"]
        except NotFoundError:  # no index under the alias yet
            hits = []
        where = {h["_id"]: h["_index"] for h in hits}
        rest = [i for i in ids if i not in where]
        if rest:  # search sees what was refreshed (1 s): a real-time get covers the newest, in this month's index
            got = self.es.mget(index=self._index, ids=rest, source=False)["docs"]
            where |= {d["_id"]: self._index for d in got if d.get("found")}
        return where

    def write(self, records: list[Any]) -> BatchResult:
        result = BatchResult()
        if not records:
            return result
        # Last write wins within a batch: the same article twice is one document.
        docs: dict[str, tuple[Any, dict[str, Any]]] = {}
        for rec in records:
            try:
                art = EnrichedArticle.model_validate_json(rec.value or b"")
            except (ValidationError, ValueError) as exc:
                why = exc.errors()[0].get("msg", str(exc)) if isinstance(exc, ValidationError) else str(exc)
                self.dead.of_record(rec, f"not an enriched article: {why}"[:1000])
                result.dead_lettered += 1
                continue
            docs[art.id] = (rec, art.document())
        try:
            current = self._current_index()
            where = self._locate(list(docs))
        except Exception as exc:  # Elasticsearch away: retry the batch
            raise RetryableError(f"could not look up where the batch's articles live: {type(exc).__name__}") from exc
        retry = 0
        for chunk in _chunks(docs, MAX_BULK_BYTES):
            retry += self._bulk(chunk, result, {i: where.get(i, current) for i in chunk})
        if retry:
            raise RetryableError(f"{retry} document(s) hit a retryable error")
        self.dead.confirm()
        now = time.time()
        for rec, _ in docs.values():
            if getattr(rec, "timestamp", None):  # ms: the produce time, carried by the worker
                metrics.SEARCHABLE_SECONDS.observe(max(0.0, now - rec.timestamp / 1000))
        metrics.ARTICLES.labels("index", "in").inc(len(records))
        metrics.ARTICLES.labels("index", "out").inc(result.indexed)
        metrics.ARTICLES.labels("index", "dead_lettered").inc(result.dead_lettered)
        return result

    def _bulk(self, docs: dict[str, tuple[Any, dict[str, Any]]], result: BatchResult, index: dict[str, str]) -> int:
        """One bulk request; the number of documents to retry."""
        ops: list[dict[str, Any]] = []
        for doc_id, (_, doc) in docs.items():
            ops.append({"index": {"_index": index[doc_id], "_id": doc_id}})
            ops.append(doc)
        try:
            with metrics.BULK_SECONDS.time():
                resp = self.es.bulk(operations=ops, refresh=False)
        except Exception as exc:  # connection errors and the like: retry the batch
            raise RetryableError(f"bulk request failed: {type(exc).__name__}") from exc
        retry = 0
        for (doc_id, (rec, _)), item in zip(docs.items(), resp["items"], strict=True):
            res = item.get("index", {})
            status = res.get("status", 500)
            if status < 300:
                result.indexed += 1
            elif status in RETRYABLE:
                retry += 1
            else:
                err = res.get("error", {})
                self.dead.of_record(rec, f"elasticsearch rejected it ({status}): {err.get('type')}: {err.get('reason')}",
                                  doc_id)
                result.dead_lettered += 1
        return retry

    def close(self) -> None:
        self.dead.producer.flush()


# Elasticsearch refuses a request over http.max_content_length (100 MB); a batch of large articles is
# sent as several requests well under it.
MAX_BULK_BYTES = 32 * 1024 * 1024


def _chunks(docs: dict[str, tuple[Any, dict[str, Any]]], max_bytes: int) -> list[dict[str, tuple[Any, dict[str, Any]]]]:
    chunks: list[dict[str, tuple[Any, dict[str, Any]]]] = []
    current: dict[str, tuple[Any, dict[str, Any]]] = {}
    size = 0
    for doc_id, (rec, doc) in docs.items():
        n = len(rec.value or b"") + 256
        if current and size + n > max_bytes:
            chunks.append(current)
            current, size = {}, 0
        current[doc_id] = (rec, doc)
        size += n
    if current:
        chunks.append(current)
    return chunks

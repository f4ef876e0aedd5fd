"""Kafka `articles.enriched` -> Elasticsearch, at least once and idempotently.

Lifecycle of every sink: open, write a batch, commit offsets after the sink acknowledged, close. The
document `_id` is the article id, so a redelivered batch overwrites itself instead of doubling. Documents
Elasticsearch rejects for what they are (mapping errors) go to the dead-letter topic; failures of
Elasticsearch itself (unavailable, 429, 5xx) are retried and nothing is committed until they pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import CommitFailedError
from pydantic import ValidationError

from consumers.es_indices import ensure_article_index
from pipeline.settings import Settings
from schemas import DeadLetter, EnrichedArticle

log = logging.getLogger("newswatch.indexer")
RETRYABLE = {429, 500, 502, 503, 504}


class RetryableError(RuntimeError):
    """Elasticsearch could not take the batch now; try the same batch again."""


@dataclass
class BatchResult:
    indexed: int = 0
    dead_lettered: int = 0


class ElasticsearchIndexer:
    def __init__(self, s: Settings, es: Elasticsearch, dlq: KafkaProducer) -> None:
        self.s = s
        self.es = es
        self.dlq = dlq

    def open(self) -> None:
        ensure_article_index(self.es, self.s)

    def _dead_letter(self, rec: Any, reason: str, article_id: str | None = None) -> None:
        dl = DeadLetter.of_record("index", reason, rec, source=self.s.topic_enriched, article_id=article_id)
        self.dlq.send(self.s.topic_dlq, key=rec.key, value=dl.model_dump(mode="json"))
        log.warning("dead-lettered %s[%d]@%d: %s", rec.topic, rec.partition, rec.offset, reason)

    def write(self, records: list[Any]) -> BatchResult:
        result = BatchResult()
        # Last write wins within a batch: the same article twice is one document.
        docs: dict[str, tuple[Any, dict[str, Any]]] = {}
        for rec in records:
            try:
                art = EnrichedArticle.model_validate_json(rec.value or b"")
            except ValidationError as exc:
                self._dead_letter(rec, f"not an enriched article: {exc.errors()[0].get('msg', exc)}")
                result.dead_lettered += 1
                continue
            docs[art.id] = (rec, art.document())
        if docs:
            ops: list[dict[str, Any]] = []
            for doc_id, (_, doc) in docs.items():
                ops.append({"index": {"_index": self.s.es_alias, "_id": doc_id}})
                ops.append(doc)
            try:
                resp = self.es.bulk(operations=ops, refresh=False)
            except Exception as exc:  # noqa: BLE001 - connection errors and the like: retry the batch
                raise RetryableError(f"bulk request failed: {exc}") from exc
            retry = []
            for (doc_id, (rec, _)), item in zip(docs.items(), resp["items"], strict=True):
                res = item.get("index", {})
                status = res.get("status", 500)
                if status < 300:
                    result.indexed += 1
                elif status in RETRYABLE:
                    retry.append(doc_id)
                else:
                    err = res.get("error", {})
                    self._dead_letter(rec, f"elasticsearch rejected it ({status}): {err.get('type')}: {err.get('reason')}",
                                      doc_id)
                    result.dead_lettered += 1
            if retry:
                raise RetryableError(f"{len(retry)} document(s) hit a retryable error")
        self.dlq.flush()
        return result

    def close(self) -> None:
        self.dlq.flush()


def run(
    s: Settings,
    consumer: KafkaConsumer,
    indexer: ElasticsearchIndexer,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[BatchResult], None] = lambda r: None,
) -> None:
    """Poll, write, commit; a failed write is retried with backoff and the offsets stay where they were."""
    indexer.open()
    backoff = 0.5
    try:
        while not should_stop():
            polled = consumer.poll(timeout_ms=s.indexer_batch_window_ms, max_records=s.indexer_batch_size)
            records = [r for batch in polled.values() for r in batch]
            if not records:
                continue
            while True:
                try:
                    result = indexer.write(records)
                    break
                except RetryableError as exc:
                    log.warning("%s; retrying in %.1fs", exc, backoff)
                    time.sleep(backoff)
                    backoff = min(backoff * 2, 30.0)
                    if should_stop():
                        return
            backoff = 0.5
            try:
                consumer.commit()
            except CommitFailedError as exc:  # the group moved on: the batch is redelivered, idempotently
                log.warning("offset commit failed, batch will be redelivered: %s", exc)
            on_batch(result)
    finally:
        indexer.close()


"""The one path from every source into Kafka: validate, send valid articles to `articles.raw` keyed by
id, send rejected records to `articles.dlq` with the reason, and keep the tally."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaProducer

from pipeline.clients.kafka import encode_json
from pipeline.observe import metrics
from pipeline.settings import Settings
from producers.record import SourceRecord
from schemas import DeadLetter, RawArticle, ValidationLimits


@dataclass
class Summary:
    """What a run sent and rejected. The lists keep the first KEEP entries: a poller runs for weeks."""

    KEEP = 100_000
    sent: int = 0
    rejected: int = 0
    failed: int = 0  # accepted by us but not acknowledged by Kafka
    reasons: Counter[str] = field(default_factory=Counter)
    rejections: list[dict[str, str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "rejected": self.rejected, "failed": self.failed,
                "rejections": self.rejections, "ids": self.ids}


class ArticlePublisher:
    def __init__(self, settings: Settings, producer: KafkaProducer) -> None:
        self.s = settings
        self.producer = producer
        self.limits = ValidationLimits(settings.max_article_bytes)
        self.summary = Summary()
        self._futures: list[tuple[str | None, Any]] = []  # (article id, or None for a dead letter)

    def send(self, rec: SourceRecord) -> str | None:
        """Returns the article id, or None when the record was rejected (and dead-lettered)."""
        reason = rec.error
        article = None
        if reason is None:
            try:
                article = RawArticle.from_payload(rec.payload or {}, self.limits)
            except ValueError as exc:
                reason = str(exc)
        if article is None:
            self.reject(rec, reason or "invalid")
            return None
        assert article.id is not None
        # the size that counts is the message's: a 1 MB body of control characters is 6 MB of JSON
        value = encode_json(article.model_dump(mode="json", exclude_none=True))
        if len(value) > self.s.max_message_bytes:
            self.reject(rec, f"record is {len(value)} bytes once serialised, over the limit of "
                             f"{self.s.max_message_bytes} bytes")
            return None
        self._futures.append((article.id, self.producer.send(self.s.topic_raw, key=article.id, value=value)))
        metrics.ARTICLES.labels("produce", "out").inc()
        self.summary.sent += 1
        if len(self.summary.ids) < Summary.KEEP:
            self.summary.ids.append(article.id)
        return article.id

    def reject(self, rec: SourceRecord, reason: str) -> None:
        # the original text; a record that could not be read at all has none (its source names the file)
        original = rec.raw if rec.raw or rec.payload is None else json.dumps(rec.payload, ensure_ascii=False)
        dl = DeadLetter(stage="produce", reason=reason, payload=original,
                        source=rec.origin).fit(self.s.max_message_bytes)
        if rec.original is not None:  # the source kept only an excerpt
            dl = dl.model_copy(update={"truncated": True, "payload_bytes": rec.original[0],
                                       "payload_sha256": rec.original[1]})
        self._futures.append((None, self.producer.send(self.s.topic_dlq, key=rec.origin, value=dl.model_dump(mode="json"))))
        self.summary.rejected += 1
        metrics.ARTICLES.labels("produce", "dead_lettered").inc()
        metrics.dead_lettered("produce", reason)
        if len(self.summary.reasons) < 1000 or reason in self.summary.reasons:
            self.summary.reasons[reason] += 1
        if len(self.summary.rejections) < Summary.KEEP:
            self.summary.rejections.append({"where": rec.origin, "reason": reason})

    def flush(self, timeout: float = 120.0) -> Summary:
        self.acknowledge(timeout)
        return self.summary

    def acknowledge(self, timeout: float = 120.0) -> set[str]:
        """Wait for Kafka; the ids of the articles sent since the last call that it did not take."""
        try:
            self.producer.flush(timeout=timeout)
        except Exception:  # noqa: BLE001, S110 - a flush timeout: the futures below say which records failed
            pass
        failed: set[str] = set()
        for article_id, fut in self._futures:
            try:
                fut.get(timeout=0)
            except Exception:  # noqa: BLE001 - counted and reported, never silently lost
                self.summary.failed += 1
                if article_id is not None:
                    failed.add(article_id)
        self._futures.clear()
        return failed

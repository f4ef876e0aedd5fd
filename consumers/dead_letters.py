"""Dead letters from a sink: sent while the batch is written, and confirmed by Kafka before the batch's
offsets may move (a dead letter that never reached Kafka would be a record lost)."""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaProducer

from consumers.sink import RetryableError
from pipeline.observe import metrics
from pipeline.settings import Settings
from schemas import DeadLetter
from schemas.deadletter import Stage

log = logging.getLogger("newswatch.consumers")


class DeadLetters:
    def __init__(self, s: Settings, producer: KafkaProducer, stage: Stage, source: str) -> None:
        self.s = s
        self.producer = producer
        self.stage: Stage = stage
        self.source = source  # the topic the sink reads
        self._futures: list[Any] = []

    def of_record(self, rec: Any, reason: str, article_id: str | None = None) -> None:
        """A Kafka record the sink could not take."""
        self.send(DeadLetter.of_record(self.stage, reason, rec, source=self.source, article_id=article_id), rec.key)
        log.warning("dead-lettered %s[%d]@%d: %s", rec.topic, rec.partition, rec.offset, reason[:300])

    def send(self, dl: DeadLetter, key: Any) -> None:
        metrics.dead_lettered(self.stage, dl.reason)
        value = dl.fit(self.s.max_message_bytes).model_dump(mode="json")
        self._futures.append(self.producer.send(self.s.topic_dlq, key=key, value=value))

    def confirm(self, timeout: float = 30.0) -> None:
        """Every dead letter sent so far is in Kafka; RetryableError (the batch is written again) if not."""
        futures, self._futures = self._futures, []
        if not futures:
            return
        try:
            self.producer.flush(timeout=timeout)
        except Exception as exc:  # a flush timeout: Kafka is away
            raise RetryableError(f"dead letters not acknowledged by Kafka: {exc}") from exc
        failed = [f for f in futures if not f.is_done or f.failed()]
        if failed:
            raise RetryableError(f"{len(failed)} dead letter(s) not acknowledged by Kafka")

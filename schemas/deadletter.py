"""What lands in `articles.dlq`: enough to see why, and to replay the original."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field

Stage = Literal["produce", "enrich", "index", "alert"]


class DeadLetter(BaseModel):
    stage: Stage
    reason: str
    payload: str = Field(..., description="the original record, as UTF-8 text (undecodable bytes replaced)")
    source: str | None = Field(None, description="file, topic or feed the record came from")
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    article_id: str | None = None
    failed_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def of_record(cls, stage: Stage, reason: str, record: Any, *, source: str | None,
                  article_id: str | None = None) -> DeadLetter:
        """For a Kafka record (kafka-python's or aiokafka's: both have topic, partition, offset, key, value)."""
        return cls(
            stage=stage, reason=reason, payload=(record.value or b"").decode("utf-8", "replace"), source=source,
            topic=record.topic, partition=record.partition, offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None, article_id=article_id,
        )

"""What lands in `articles.dlq`: enough to see why, and to replay the original.

A record too big for Kafka cannot be dead-lettered whole (that is often why it was rejected): its dead
letter keeps a bounded excerpt, the original's size and its sha256, and says so (`truncated`).
"""

from __future__ import annotations

import hashlib
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
    truncated: bool = Field(False, description="payload is an excerpt; the original's size and sha256 follow")
    payload_bytes: int | None = None
    payload_sha256: str | None = None

    def fit(self, max_bytes: int) -> DeadLetter:
        """This dead letter, or its excerpt version when its JSON would exceed `max_bytes`."""
        if len(self.model_dump_json().encode("utf-8")) <= max_bytes:
            return self
        original = self.payload.encode("utf-8", "surrogatepass")
        # JSON escaping can make a character 6 bytes (a control character) and 4 bytes of UTF-8 one
        # character: an eighth of the limit always fits, with room for the other fields
        excerpt = self.payload[: max(0, max_bytes // 8 - len(self.reason) - 1024)]
        return self.model_copy(update={"payload": excerpt, "truncated": True, "payload_bytes": len(original),
                                       "payload_sha256": hashlib.sha256(original).hexdigest()})

    @classmethod
    def of_record(cls, stage: Stage, reason: str, record: Any, *, source: str | None,
                  article_id: str | None = None) -> DeadLetter:
        """For a Kafka record (kafka-python's or aiokafka's: both have topic, partition, offset, key, value)."""
        return cls(
            stage=stage, reason=reason, payload=(record.value or b"").decode("utf-8", "replace"), source=source,
            topic=record.topic, partition=record.partition, offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None, article_id=article_id,
        )

"""Dead letters you can act on: read them (filtered), count them, and send them back to the stage they
failed at once the cause is fixed. Replays are idempotent: an article's id is its Elasticsearch id, and an
alert's id its `news-alerts` id, so a replay (or two) never doubles anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.settings import Settings
from schemas import DeadLetter


@dataclass(frozen=True)
class Letter:
    ref: str  # "partition:offset" on the dead-letter topic: what `dlq show` and `dlq replay --id` take
    timestamp_ms: int
    letter: DeadLetter | None  # None: the record on the topic is not a dead letter at all
    raw: bytes


def read(s: Settings, *, since: datetime | None = None, stage: str | None = None, reason: str | None = None,
         refs: set[str] | None = None, limit: int | None = None) -> Iterator[Letter]:
    """The dead-letter topic from `since` (or its start) to its end now, filtered."""
    from kafka import TopicPartition

    from pipeline.clients.kafka import make_consumer

    consumer = make_consumer(s, group_id=None, consumer_timeout_ms=1000)
    try:
        parts = [TopicPartition(s.topic_dlq, p) for p in sorted(consumer.partitions_for_topic(s.topic_dlq) or ())]
        if not parts:
            return
        consumer.assign(parts)
        ends = consumer.end_offsets(parts)
        if since is not None:
            starts = consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in parts})
            for tp in parts:
                consumer.seek(tp, starts[tp].offset if starts.get(tp) else ends[tp])
        else:
            consumer.seek_to_beginning(*parts)
        given = 0
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            polled = consumer.poll(timeout_ms=1000, max_records=2000)
            if not polled:
                break
            for tp, records in polled.items():
                for rec in records:
                    if rec.offset >= ends[tp]:
                        continue
                    item = _letter(rec)
                    if _wanted(item, stage, reason, refs):
                        yield item
                        given += 1
                        if limit is not None and given >= limit:
                            return
    finally:
        consumer.close()


def _letter(rec: Any) -> Letter:
    try:
        letter: DeadLetter | None = DeadLetter.model_validate_json(rec.value or b"")
    except ValueError:
        letter = None
    return Letter(f"{rec.partition}:{rec.offset}", rec.timestamp, letter, rec.value or b"")


def _wanted(item: Letter, stage: str | None, reason: str | None, refs: set[str] | None) -> bool:
    if refs is not None and item.ref not in refs:
        return False
    if item.letter is None:
        return stage is None and reason is None
    if stage and item.letter.stage != stage:
        return False
    return not reason or reason.lower() in item.letter.reason.lower()


def replay_target(s: Settings, dl: DeadLetter) -> tuple[str, bytes | None, bytes] | str:
    """(topic, key, value) that retries the dead letter at its stage, or why it cannot be replayed."""
    if dl.truncated:
        return f"only an excerpt was kept ({dl.payload_bytes} bytes, sha256 {dl.payload_sha256}): send the original again"
    if not dl.payload:
        return "no payload was kept (the source could not be read): send it again from its source"
    key = dl.key.encode("utf-8") if dl.key else None
    value = dl.payload.encode("utf-8", "surrogatepass")
    if dl.stage == "produce":  # validated again by the publisher, on the way to articles.raw
        return "produce", key, value
    if dl.stage == "enrich":
        return s.topic_raw, key, value
    if dl.stage == "index":
        return s.topic_enriched, key, value
    if dl.source == s.topic_rules:
        return "a bad rule record: fix it with `newswatch rules add` (or remove it with `rules rm`)"
    return s.topic_alerts, key, value


def summary(letters: list[Letter]) -> dict[str, Any]:
    """Counts by stage and by reason class, for `dlq stats`."""
    from pipeline.observe.metrics import reason_class

    by_stage: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for item in letters:
        stage = item.letter.stage if item.letter else "unreadable"
        cls = reason_class(item.letter.reason) if item.letter else "unreadable"
        by_stage[stage] = by_stage.get(stage, 0) + 1
        by_reason[f"{stage}/{cls}"] = by_reason.get(f"{stage}/{cls}", 0) + 1
    return {"total": len(letters), "by_stage": by_stage, "by_reason": by_reason}


def describe(item: Letter) -> dict[str, Any]:
    if item.letter is None:
        return {"ref": item.ref, "unreadable": item.raw[:200].decode("utf-8", "replace")}
    return {"ref": item.ref, **json.loads(item.letter.model_dump_json())}

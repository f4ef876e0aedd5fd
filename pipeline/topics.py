"""Every topic the pipeline uses, declared once: its name (from Settings), partitions, topic configs and
the pydantic model its values carry.

Read by the clients (`ensure_topics` creates exactly these), the worker (its Faust topics), `newswatch stack
up`, and tests/unit/test_layout.py, which checks the manifests in `deploy/` against it. Faust adds its own
topics beside these (a table's changelog), named and sized by Faust from the worker's group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from pydantic import BaseModel

from pipeline.settings import Settings
from schemas import DeadLetter, EnrichedArticle, RawArticle
from schemas.alerts import AlertEvent, AlertRule

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Topic(Generic[M]):
    name: str
    partitions: int
    config: Mapping[str, str]
    payload: type[M]  # what a value is (a tombstone, on a compacted topic, has none)
    key: str  # what a key is, for people reading the topic


@dataclass(frozen=True)
class Topics:
    raw: Topic[RawArticle]
    enriched: Topic[EnrichedArticle]
    dlq: Topic[DeadLetter]
    alerts: Topic[AlertEvent]
    rule_hits: Topic[AlertEvent]
    rules: Topic[AlertRule]

    def __iter__(self) -> Iterator[Topic[BaseModel]]:
        return (getattr(self, f.name) for f in fields(self))


def topics(s: Settings) -> Topics:
    """The pipeline's topics as `s` names and sizes them."""
    keep = {"retention.ms": str(int(s.topic_retention_hours * 3_600_000))}
    # replicated: an acks=all write needs two in-sync copies, so losing one broker loses nothing
    durable = {"min.insync.replicas": "2"} if s.topic_replication >= 3 else {}
    n = s.topic_partitions
    return Topics(
        raw=Topic(s.topic_raw, n, {**durable, "max.message.bytes": str(s.max_message_bytes), **keep},
                  RawArticle, "article id"),
        enriched=Topic(s.topic_enriched, n, {**durable, "max.message.bytes": str(s.max_enriched_bytes), **keep},
                       EnrichedArticle, "article id"),
        dlq=Topic(s.topic_dlq, n, {**durable, "max.message.bytes": str(s.max_enriched_bytes),
                                   "retention.ms": str(int(s.dlq_retention_days * 86_400_000))},
                  DeadLetter, "the failed record's key"),
        alerts=Topic(s.topic_alerts, n, {**durable, **keep}, AlertEvent, "alert id"),
        # matches of frequency, spike and once-per-story rules, keyed by rule: one actor owns each rule's count
        rule_hits=Topic(s.topic_rule_hits, n, {**durable, **keep}, AlertEvent, "rule name"),
        # compacted, one partition: the whole rule set is read by every worker, in order. The log rolls
        # hourly: compaction never touches the active segment, so without it a week of puts and tombstones
        # stays for every reader that starts from the beginning
        rules=Topic(s.topic_rules, 1, {**durable, "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1",
                                       "segment.ms": "3600000"},
                    AlertRule, "rule name"),
    )

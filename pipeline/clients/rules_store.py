"""Alert rules live in a compacted Kafka topic keyed by rule name: every worker reads all of it, a
change reaches every worker within seconds, and the rules survive restarts of everything."""

from __future__ import annotations

import time

from kafka import TopicPartition

from pipeline.clients.kafka import ensure_topics, make_consumer, make_producer
from pipeline.settings import Settings
from schemas.alerts import AlertRule


def decode(key: bytes | None, value: bytes | None) -> tuple[str, AlertRule | None]:
    """One record of the rules topic: (rule name, the rule, or None for a tombstone). Raises ValueError."""
    name = key.decode() if key else ""
    return name, None if value is None else AlertRule.model_validate_json(value)


def put_rule(s: Settings, rule: AlertRule) -> None:
    ensure_topics(s)
    producer = make_producer(s, client_id="newswatch-rules")
    try:
        producer.send(s.topic_rules, key=rule.name, value=rule.model_dump(mode="json")).get(timeout=30)
    finally:
        producer.close()


def delete_rule(s: Settings, name: str) -> None:
    """A tombstone: compaction eventually drops the rule's history too."""
    ensure_topics(s)
    producer = make_producer(s, client_id="newswatch-rules")
    try:
        producer.send(s.topic_rules, key=name, value=None).get(timeout=30)
    finally:
        producer.close()


def load_rules(s: Settings, *, timeout: float = 30.0) -> dict[str, AlertRule]:
    """The current rules: the topic read from the beginning to its end, last value per name."""
    ensure_topics(s)
    consumer = make_consumer(s, group_id=None)
    try:
        parts = [TopicPartition(s.topic_rules, p) for p in (consumer.partitions_for_topic(s.topic_rules) or {0})]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        rules: dict[str, AlertRule] = {}
        deadline = time.monotonic() + timeout
        while any(consumer.position(p) < end[p] for p in parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {s.topic_rules} to its end within {timeout:.0f}s")
            for batch in consumer.poll(timeout_ms=500).values():
                for rec in batch:
                    name, rule = decode(rec.key, rec.value)
                    if rule is None:
                        rules.pop(name, None)
                    else:
                        rules[name] = rule
        return rules
    finally:
        consumer.close()

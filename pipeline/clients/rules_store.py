"""Alert rules live in a compacted Kafka topic keyed by rule name: every worker reads all of it, a
change reaches every worker within seconds, and the rules survive restarts of everything."""

from __future__ import annotations

import time

from kafka import TopicPartition

from pipeline.clients.kafka import ensure_topics, make_consumer, make_producer
from pipeline.settings import Settings
from schemas.alerts import AlertRule


def decode(key: bytes | None, value: bytes | None) -> tuple[str, AlertRule | None]:
    """One record of the rules topic: (rule name, the rule, or None for a tombstone). Raises ValueError
    (the name comes back in `BadRule.name` so the caller can still drop whatever the key held before)."""
    name = key_name(key)
    if value is None:
        return name, None
    try:
        rule = AlertRule.model_validate_json(value)
    except ValueError as exc:
        raise BadRule(name, f"not a rule: {str(exc)[:300]}") from exc
    if rule.name != name:
        raise BadRule(name, f"the record's key {name!r} is not the rule's name {rule.name!r}")
    return name, rule


def key_name(key: bytes | None) -> str:
    """A key as text; bytes that are not UTF-8 are shown escaped, and `rules rm` takes that form back."""
    return key.decode("utf-8", "backslashreplace") if key else ""


def key_bytes(name: str) -> bytes:
    """The inverse of `key_name`, so any key, even one that is not UTF-8, can be tombstoned."""
    import codecs

    if "\\x" in name:
        try:
            return codecs.escape_decode(name.encode("utf-8"))[0]  # typeshed: bytes
        except ValueError:
            pass
    return name.encode("utf-8")


class BadRule(ValueError):
    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason
        super().__init__(reason)


def put_rule(s: Settings, rule: AlertRule) -> None:
    put_rules(s, [rule])


def put_rules(s: Settings, rules: list[AlertRule]) -> None:
    """Publish rules in order, one producer for all (a benchmark loads thousands)."""
    ensure_topics(s)
    producer = make_producer(s, client_id="newswatch-rules")
    try:
        futures = [producer.send(s.topic_rules, key=r.name, value=r.model_dump(mode="json")) for r in rules]
        for f in futures:
            f.get(timeout=30)
    finally:
        producer.close()


def delete_rule(s: Settings, name: str) -> None:
    """A tombstone: compaction eventually drops the rule's history too."""
    delete_rules(s, [name])


def delete_rules(s: Settings, names: list[str]) -> None:
    ensure_topics(s)
    producer = make_producer(s, client_id="newswatch-rules")
    try:
        futures = [producer.send(s.topic_rules, key=key_bytes(n), value=None) for n in names]
        for f in futures:
            f.get(timeout=30)
    finally:
        producer.close()


def load_rules(s: Settings, *, timeout: float = 30.0, bad: dict[str, str] | None = None) -> dict[str, AlertRule]:
    """The current rules: the topic read from the beginning to its end, last value per name. A record
    that is not a rule is skipped (its name and reason go into `bad`, when given) and drops what its key
    held before: the rule as published is not the one that would run."""
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
                    try:
                        name, rule = decode(rec.key, rec.value)
                    except BadRule as exc:
                        rules.pop(exc.name, None)
                        if bad is not None:
                            bad[exc.name] = exc.reason
                        continue
                    if bad is not None:
                        bad.pop(name, None)
                    if rule is None:
                        rules.pop(name, None)
                    else:
                        rules[name] = rule
        return rules
    finally:
        consumer.close()

"""Alert rules live in a compacted Kafka topic keyed by rule name: every worker reads all of it, a
change reaches every worker within seconds, and the rules survive restarts of everything."""

from __future__ import annotations

import time
from typing import Any

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
    reader = RuleReader(s)
    try:
        rules = reader.read(timeout=timeout)
    finally:
        reader.close()
    if bad is not None:
        bad.update(reader.bad)
    return rules


class RuleReader:
    """Follows the rules topic: the first read takes it from the beginning, each later one only what was
    appended since. A process that re-reads the rules whenever an alert names a new one (the deliverer)
    then pays for the change, not for the topic's whole history: compaction leaves every put and
    tombstone of the active segment in place, and a benchmark loads thousands of rules a run."""

    def __init__(self, s: Settings) -> None:
        self.s = s
        self.rules: dict[str, AlertRule] = {}
        self.bad: dict[str, str] = {}  # name -> why its last record is not a rule
        self._consumer: Any = None
        self._parts: list[TopicPartition] = []

    def read(self, *, timeout: float = 30.0) -> dict[str, AlertRule]:
        """The current rules (a copy), once everything written before this call has been read."""
        consumer = self._open()
        end = consumer.end_offsets(self._parts)
        if any(consumer.position(p) > end[p] for p in self._parts):  # the topic was recreated: start again
            self.rules.clear()
            self.bad.clear()
            consumer.seek_to_beginning(*self._parts)
        deadline = time.monotonic() + timeout
        while any(consumer.position(p) < end[p] for p in self._parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {self.s.topic_rules} to its end within {timeout:.0f}s")
            for batch in consumer.poll(timeout_ms=500).values():
                for rec in batch:
                    self._apply(rec.key, rec.value)
        return dict(self.rules)

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        try:
            name, rule = decode(key, value)
        except BadRule as exc:
            self.rules.pop(exc.name, None)
            self.bad[exc.name] = exc.reason
            return
        self.bad.pop(name, None)
        if rule is None:
            self.rules.pop(name, None)
        else:
            self.rules[name] = rule

    def _open(self) -> Any:
        if self._consumer is None:
            ensure_topics(self.s)
            consumer = make_consumer(self.s, group_id=None)
            try:
                self._parts = [TopicPartition(self.s.topic_rules, p)
                               for p in (consumer.partitions_for_topic(self.s.topic_rules) or {0})]
                consumer.assign(self._parts)
                consumer.seek_to_beginning(*self._parts)
            except Exception:
                consumer.close()
                raise
            self._consumer = consumer
        return self._consumer

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

"""Every worker reads the whole compacted rules topic from the beginning and keeps following it, so a new
or removed rule takes effect within seconds on every worker, without a restart."""

from __future__ import annotations

import logging
from collections.abc import Callable

from pipeline.clients.kafka import make_aiokafka_consumer
from pipeline.clients.rules_store import decode
from pipeline.query.rules import RuleSet
from pipeline.settings import Settings

log = logging.getLogger("newswatch.worker")


async def follow_rules(s: Settings, rules: RuleSet, *, should_stop: Callable[[], bool]) -> None:
    from aiokafka import TopicPartition

    consumer = make_aiokafka_consumer(s)
    await consumer.start()
    try:
        parts = [TopicPartition(s.topic_rules, p) for p in (consumer.partitions_for_topic(s.topic_rules) or {0})]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        while not should_stop():
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                for rec in batch:
                    apply(rules, rec.key, rec.value)
    finally:
        await consumer.stop()


def apply(rules: RuleSet, key: bytes | None, value: bytes | None) -> None:
    """One record into the rule set; a bad rule is logged and skipped, never stops the others."""
    try:
        name, rule = decode(key, value)
        if rule is None:
            rules.remove(name)
            log.info("rule %s removed (%d rules)", name, len(rules.rules))
        else:
            rules.put(rule)
            log.info("rule %s loaded (%d rules)", name, len(rules.rules))
    except Exception as exc:  # noqa: BLE001 - one bad rule never stops the others
        log.error("rule %s ignored: %s", key.decode("utf-8", "replace") if key else "", exc)

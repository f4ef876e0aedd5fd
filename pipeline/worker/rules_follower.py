"""Every worker reads the whole compacted rules topic from the beginning and keeps following it, so a new
or removed rule takes effect within seconds on every worker, without a restart."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pipeline.clients.kafka import make_aiokafka_consumer
from pipeline.clients.rules_store import decode, key_name
from pipeline.query.rules import RuleSet
from pipeline.settings import Settings

log = logging.getLogger("newswatch.worker")


async def follow_rules(s: Settings, rules: RuleSet, *, should_stop: Callable[[], bool],
                       on_bad: Callable[[Any, str], Awaitable[None]] | None = None) -> None:
    """`on_bad(record, reason)` for a record that is not a rule (the worker dead-letters it)."""
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
                    reason = apply(rules, rec.key, rec.value)
                    if reason and on_bad is not None:
                        await on_bad(rec, reason)
    finally:
        await consumer.stop()


def apply(rules: RuleSet, key: bytes | None, value: bytes | None) -> str | None:
    """One record into the rule set. A record that is not a usable rule (not JSON, not a rule, a query
    that does not parse) is skipped and drops the rule its key held before: the rule as published is not
    the one running. Returns why, for the dead-letter topic; never raises."""
    name = key_name(key)
    try:
        name, rule = decode(key, value)
        if rule is None:
            rules.remove(name)
            log.info("rule %s removed (%d rules)", name, len(rules.rules))
        else:
            rules.put(rule)
            log.info("rule %s loaded (%d rules)", name, len(rules.rules))
        return None
    except Exception as exc:  # noqa: BLE001 - one bad rule never stops the others
        rules.remove(name)
        reason = f"rule {name!r} skipped: {str(exc)[:300]}"
        log.error("%s", reason)
        return reason

"""Every worker reads the whole compacted rules topic from the beginning and keeps following it, so a new
or removed rule takes effect within seconds on every worker, without a restart. `ready` is set once the
rules the topic held at the start are read: a worker restarted with a backlog matches none of it against
a half-read rule set (5,000 rules take seconds to read and compile)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pipeline.clients.kafka import make_aiokafka_consumer
from pipeline.clients.rules_store import decode, key_name
from pipeline.observe import metrics
from pipeline.query.rules import RuleSet
from pipeline.settings import Settings

log = logging.getLogger("newswatch.worker")


async def follow_rules(s: Settings, rules: RuleSet, *, should_stop: Callable[[], bool],
                       on_bad: Callable[[Any, str], Awaitable[None]] | None = None,
                       ready: asyncio.Event | None = None) -> None:
    """`on_bad(record, reason)` for a record that is not a rule (the worker dead-letters it). A failure of
    the reading itself (Kafka away while it starts) is retried with backoff: the topic is read again."""
    from consumers.sink import Backoff

    ready = ready or asyncio.Event()
    backoff = Backoff(30.0)
    while not should_stop():
        try:
            await _follow(s, rules, should_stop=should_stop, on_bad=on_bad, ready=ready)
        except Exception as exc:  # noqa: BLE001 - the worker goes on with the rules it has
            backoff.failed(f"reading the rules topic failed: {type(exc).__name__}: {exc}")
            await asyncio.sleep(backoff.delay)


async def _follow(s: Settings, rules: RuleSet, *, should_stop: Callable[[], bool],
                  on_bad: Callable[[Any, str], Awaitable[None]] | None, ready: asyncio.Event) -> None:
    from aiokafka import TopicPartition

    consumer = make_aiokafka_consumer(s)
    await consumer.start()
    try:
        parts = [TopicPartition(s.topic_rules, p) for p in (consumer.partitions_for_topic(s.topic_rules) or {0})]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        if not ready.is_set():
            # what the topic held: each rule's last record only (compaction lags: a topic of benchmark runs
            # held 410,104 records for 5,000 rules), each compiled once, then one line for all
            latest: dict[bytes | None, Any] = {}
            while not should_stop() and not all([await consumer.position(p) >= end[p] for p in parts]):
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    latest.update((rec.key, rec) for rec in batch)
            for n, rec in enumerate(latest.values(), 1):
                await _apply(rules, rec, on_bad, quiet=True)
                if n % 200 == 0:
                    await asyncio.sleep(0)  # compiling is CPU: heartbeats and the other agents get their turn
            ready.set()
            log.info("rules read: %d rules from %d records", len(rules.rules), sum(end.values()))
        metrics.RULES.labels("match").set(len(rules.rules))
        while not should_stop():
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                for rec in batch:
                    await _apply(rules, rec, on_bad)
                metrics.RULES.labels("match").set(len(rules.rules))
    finally:
        await consumer.stop()


async def _apply(rules: RuleSet, rec: Any, on_bad: Callable[[Any, str], Awaitable[None]] | None, *,
                 quiet: bool = False) -> None:
    reason = apply(rules, rec.key, rec.value, quiet=quiet)
    if reason and on_bad is not None:
        await on_bad(rec, reason)


def apply(rules: RuleSet, key: bytes | None, value: bytes | None, *, quiet: bool = False) -> str | None:
    """One record into the rule set. A record that is not a usable rule (not JSON, not a rule, a query
    that does not parse) is skipped and drops the rule its key held before: the rule as published is not
    the one running. Returns why, for the dead-letter topic; never raises."""
    name = key_name(key)
    try:
        name, rule = decode(key, value)
        level = logging.DEBUG if quiet else logging.INFO
        if rule is None:
            rules.remove(name)
            log.log(level, "rule %s removed (%d rules)", name, len(rules.rules))
        else:
            rules.put(rule)
            log.log(level, "rule %s loaded (%d rules)", name, len(rules.rules))
        return None
    except Exception as exc:  # noqa: BLE001 - one bad rule never stops the others
        rules.remove(name)
        reason = f"rule {name!r} skipped: {str(exc)[:300]}"
        log.error("%s", reason)
        return reason

"""The rules topic against the real broker: a reader that follows it pays for what changed, not the history."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.clients.kafka import make_producer
from pipeline.clients.rules_store import RuleReader, delete_rule, load_rules, put_rule, put_rules
from schemas.alerts import AlertRule
from tests.support import poll, settings_for

pytestmark = pytest.mark.integration


def test_a_rule_reader_reads_only_what_was_appended_since_its_last_read(env: dict[str, str]) -> None:
    s = settings_for(env)
    put_rules(s, [AlertRule(name=f"r{i}", query=f"word{i}") for i in range(50)])
    reader = RuleReader(s)
    applied: list[Any] = []
    apply = reader._apply

    def counted(key: bytes | None, value: bytes | None) -> None:
        applied.append(key)
        apply(key, value)

    reader._apply = counted  # type: ignore[method-assign]  # counts the records each read takes
    try:
        assert set(reader.read()) == {f"r{i}" for i in range(50)}
        assert len(applied) == 50
        put_rule(s, AlertRule(name="r50", query="word50"))
        delete_rule(s, "r0")
        producer = make_producer(s)  # bytes pass through: a record no rule parses from
        producer.send(s.topic_rules, key=b"r1", value=b"{not a rule").get(timeout=30)
        producer.close()
        rules = reader.read()
        assert len(applied) == 53  # the three new records, not the topic again
        assert "r50" in rules and "r0" not in rules and "r1" not in rules and "r1" in reader.bad
        assert reader.read() == rules and len(applied) == 53  # nothing new: nothing read
        bad: dict[str, str] = {}
        assert load_rules(s, bad=bad) == rules and set(bad) == {"r1"}  # the one-shot read agrees
    finally:
        reader.close()



def test_the_worker_s_follower_is_ready_only_with_every_rule_it_started_with(env: dict[str, str]) -> None:
    """The worker matches nothing until `ready`: set early, a restarted worker's backlog would meet half
    the rules and fire none of the others' alerts."""
    import asyncio

    from pipeline.query.rules import RuleSet
    from pipeline.worker.rules_follower import follow_rules

    s = settings_for(env)
    put_rules(s, [AlertRule(name=f"r{i}", query=f"word{i} AND (quake* OR flood*)") for i in range(1500)])
    delete_rule(s, "r7")
    put_rule(s, AlertRule(name="r3", query="updated"))  # a rule's last record is the one that runs
    producer = make_producer(s)
    producer.send(s.topic_rules, key=b"r5", value=b"{not a rule").get(timeout=30)
    producer.close()
    rules = RuleSet()
    at_ready: list[int] = []
    bad: list[str] = []

    async def on_bad(rec: Any, reason: str) -> None:
        bad.append(reason)

    class Ready(asyncio.Event):
        def set(self) -> None:
            at_ready.append(len(rules.rules))  # the rules read at the moment matching may begin
            super().set()

    async def follow() -> None:
        ready, stop = Ready(), asyncio.Event()
        task = asyncio.create_task(follow_rules(s, rules, should_stop=stop.is_set, ready=ready, on_bad=on_bad))
        try:
            await asyncio.wait_for(ready.wait(), timeout=60)
            assert at_ready == [1498]
            assert len(rules.rules) == 1498 and "r7" not in rules.rules and "r1499" in rules.rules
            assert rules.rules["r3"].query == "updated" and "r5" not in rules.rules
            assert len(bad) == 1 and "r5" in bad[0]  # dead-lettered once, as the worker does
            put_rule(s, AlertRule(name="later", query="later"))  # and it keeps following
            await asyncio.to_thread(poll, lambda: "later" in rules.rules, timeout=30, what="the rule added later")
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)

    asyncio.run(follow())

"""The one loop every sink runs on: commit only after the sink took the batch, retry without committing."""

from __future__ import annotations

from typing import Any

import pytest

from consumers import sink
from consumers.sink import RetryableError


class FakeConsumer:
    def __init__(self, polls: list[list[str]]) -> None:
        self.polls = list(polls)
        self.log: list[str] = []

    def poll(self, *, timeout_ms: int, max_records: int = 500) -> dict[str, list[str]]:
        batch = self.polls.pop(0) if self.polls else []
        return {"tp": batch} if batch else {}

    def commit(self) -> None:
        self.log.append("commit")


def _no_wait(consumer: Any, seconds: float, should_stop: Any) -> None:
    consumer.log.append("wait")


class FakeSink:
    def __init__(self, consumer: FakeConsumer, failures: int = 0) -> None:
        self.consumer = consumer
        self.failures = failures
        self.opened = self.closed = False

    def open(self) -> None:
        self.opened = True

    def write(self, records: list[Any]) -> int:
        if records and self.failures:
            self.failures -= 1
            self.consumer.log.append(f"fail {records}")
            raise RetryableError("server away")
        self.consumer.log.append(f"write {records}")
        return len(records)

    def close(self) -> None:
        self.closed = True


def _run(consumer: FakeConsumer, s: FakeSink, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Until every scripted poll has been taken and handled."""
    monkeypatch.setattr(sink, "_wait", _no_wait)
    results: list[int] = []
    sink.run(consumer, s, batch_size=10, window_ms=1, should_stop=lambda: not consumer.polls, on_batch=results.append)
    return results


def test_commits_after_each_written_batch_and_writes_idle_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    c = FakeConsumer([["a", "b"], [], ["c"]])
    s = FakeSink(c)
    assert _run(c, s, monkeypatch) == [2, 1]
    assert c.log == ["write ['a', 'b']", "commit", "write []", "write ['c']", "commit"]
    assert s.opened and s.closed


def test_a_retryable_failure_writes_the_same_batch_again_before_any_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    c = FakeConsumer([["a"], ["b"]])
    s = FakeSink(c, failures=2)
    assert _run(c, s, monkeypatch) == [1, 1]
    assert c.log == ["fail ['a']", "wait", "fail ['a']", "wait", "write ['a']", "commit", "write ['b']", "commit"]


def test_an_unexpected_error_is_waited_out_like_an_outage_and_the_sink_closed_on_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(FakeSink):
        def write(self, records: list[Any]) -> int:
            self.consumer.log.append("fail")
            raise ValueError("bug")

    c = FakeConsumer([["a"]])
    s = Broken(c)
    monkeypatch.setattr(sink, "_wait", _no_wait)
    sink.run(c, s, batch_size=10, window_ms=1, should_stop=lambda: c.log.count("fail") >= 3)
    assert s.closed and "commit" not in c.log and c.log == ["fail", "wait", "fail", "wait", "fail", "wait"]


def test_an_open_that_fails_is_retried_until_it_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    class LateSink(FakeSink):
        def open(self) -> None:
            if self.consumer.log.count("wait") < 2:
                raise ConnectionError("Elasticsearch not up yet")
            self.opened = True

    c = FakeConsumer([["a"]])
    s = LateSink(c)
    assert _run(c, s, monkeypatch) == [1]
    assert c.log == ["wait", "wait", "write ['a']", "commit"] and s.opened


def test_waiting_keeps_polling_with_partitions_paused_and_gives_back_what_a_rebalance_brought() -> None:
    class Rec:
        def __init__(self, offset: int) -> None:
            self.offset = offset

    class GroupConsumer:
        def __init__(self) -> None:
            self.assigned = {"p0"}
            self.paused_set: set[str] = set()
            self.calls: list[str] = []

        def assignment(self) -> set[str]:
            return set(self.assigned)

        def pause(self, *tps: str) -> None:
            self.paused_set |= set(tps)

        def paused(self) -> set[str]:
            return set(self.paused_set)

        def resume(self, *tps: str) -> None:
            self.paused_set -= set(tps)
            self.calls.append(f"resume {sorted(tps)}")

        def poll(self, *, timeout_ms: int) -> dict[str, list[Rec]]:
            self.calls.append(f"poll paused={sorted(self.paused_set)}")
            if "p1" not in self.assigned:  # a rebalance hands us p1, not paused yet
                self.assigned.add("p1")
                return {"p1": [Rec(7), Rec(8)]}
            return {}

        def seek(self, tp: str, offset: int) -> None:
            self.calls.append(f"seek {tp} {offset}")

    c = GroupConsumer()
    polls = iter(range(1000))
    sink._wait(c, 5.0, should_stop=lambda: next(polls) >= 3)
    assert c.calls[:2] == ["poll paused=['p0']", "seek p1 7"]
    assert "poll paused=['p0', 'p1']" in c.calls and c.calls[-1] == "resume ['p0', 'p1']"


def test_a_batch_of_large_documents_is_sent_as_several_bulk_requests() -> None:
    from consumers.indexer import _chunks

    class Rec:
        def __init__(self, n: int) -> None:
            self.value = b"x" * n

    docs = {f"d{i}": (Rec(6_000_000), {"id": f"d{i}"}) for i in range(20)}
    chunks = _chunks(docs, 32 * 1024 * 1024)
    assert [len(c) for c in chunks] == [5, 5, 5, 5]
    assert [k for c in chunks for k in c] == list(docs)  # every document once, in order
    big = (Rec(100_000_000), {"id": "big"})
    assert _chunks({"a": docs["d0"], "big": big, "b": docs["d1"]}, 32 * 1024 * 1024) == [
        {"a": docs["d0"]}, {"big": big}, {"b": docs["d1"]}]  # an oversize one alone; never an empty request

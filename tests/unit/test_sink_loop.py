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

    def poll(self, *, timeout_ms: int, max_records: int) -> dict[str, list[str]]:
        batch = self.polls.pop(0) if self.polls else []
        return {"tp": batch} if batch else {}

    def commit(self) -> None:
        self.log.append("commit")


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
    monkeypatch.setattr(sink.time, "sleep", lambda _: None)
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
    assert c.log == ["fail ['a']", "fail ['a']", "write ['a']", "commit", "write ['b']", "commit"]


def test_the_sink_is_closed_when_a_write_fails_for_good(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(FakeSink):
        def write(self, records: list[Any]) -> int:
            raise ValueError("bug")

    c = FakeConsumer([["a"]])
    s = Broken(c)
    with pytest.raises(ValueError):
        _run(c, s, monkeypatch)
    assert s.closed and "commit" not in c.log


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

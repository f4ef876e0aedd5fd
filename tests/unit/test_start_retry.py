"""A long-running process that starts during a broker's outage waits it out instead of exiting."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import NodeNotReadyError, TopicAuthorizationFailedError
from faust.transport.drivers.aiokafka import Transport
from kafka.errors import KafkaTimeoutError, TopicAuthorizationFailedError as KTopicAuthorizationFailedError

from pipeline.clients import kafka as kafka_clients
from pipeline.settings import Settings
from pipeline.worker import transport as transport_mod
from pipeline.worker.transport import TolerantTransport, transient


class _Owner:
    should_stop = False


class _Client:
    def __init__(self) -> None:
        self.refreshes = 0

    async def force_metadata_update(self) -> bool:
        self.refreshes += 1
        return True


def _failing(errors: list[BaseException]) -> Any:
    calls: list[str] = []

    async def create(self: Any, owner: Any, client: Any, topic: str, *a: Any, **kw: Any) -> None:
        calls.append(topic)
        if errors:
            raise errors.pop(0)

    return create, calls


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    async def sleep(_: float) -> None:
        return None

    monkeypatch.setattr(transport_mod.asyncio, "sleep", sleep)


def _transport(retry_for_s: float = 300.0) -> TolerantTransport:
    return TolerantTransport([], object(), retry_for_s=retry_for_s)


def test_a_dead_broker_still_in_the_metadata_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    create, calls = _failing([NodeNotReadyError("node 2"), NodeNotReadyError("node 2"),
                              RuntimeError("Invalid controller: 2")])
    monkeypatch.setattr(Transport, "_create_topic", create)
    client = _Client()
    asyncio.run(_transport()._create_topic(_Owner(), client, "w-rule-windows-changelog", 4, 1))  # type: ignore[arg-type]
    assert calls == ["w-rule-windows-changelog"] * 4
    assert client.refreshes == 3  # fresh metadata before every new attempt


def test_an_error_asking_again_cannot_fix_stops_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    create, calls = _failing([TopicAuthorizationFailedError("no rights")])
    monkeypatch.setattr(Transport, "_create_topic", create)
    with pytest.raises(TopicAuthorizationFailedError):
        asyncio.run(_transport()._create_topic(_Owner(), _Client(), "t", 4, 1))  # type: ignore[arg-type]
    assert calls == ["t"]


def test_the_outage_is_given_up_on_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    create, calls = _failing([NodeNotReadyError("node 2")] * 1000)
    monkeypatch.setattr(Transport, "_create_topic", create)
    clock = iter(range(0, 10_000, 7))  # every look at the clock: 7 s later
    monkeypatch.setattr(transport_mod.time, "monotonic", lambda: float(next(clock)))
    with pytest.raises(NodeNotReadyError):
        asyncio.run(_transport(retry_for_s=60)._create_topic(_Owner(), _Client(), "t", 4, 1))  # type: ignore[arg-type]
    assert 2 <= len(calls) <= 10


def test_what_counts_as_transient() -> None:
    assert transient(NodeNotReadyError("x")) and transient(TimeoutError()) and transient(ConnectionRefusedError())
    assert transient(RuntimeError("Invalid controller: 3"))
    assert not transient(RuntimeError("something else")) and not transient(ValueError("bad config"))
    assert not transient(TopicAuthorizationFailedError("no rights"))


class _Admin:
    def __init__(self, existing: list[str]) -> None:
        self.existing, self.created = existing, []  # type: ignore[var-annotated]
        self.closed = False

    def list_topics(self) -> list[str]:
        return self.existing

    def create_topics(self, new: list[Any]) -> None:
        self.created.extend(t.name for t in new)

    def close(self) -> None:
        self.closed = True


def test_ensure_topics_asks_again_while_kafka_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    admins: list[_Admin] = []
    outage = [KafkaTimeoutError("Unable to bootstrap"), KafkaTimeoutError("Unable to bootstrap")]

    def make_admin(s: Settings) -> _Admin:
        if outage:
            raise outage.pop(0)
        admins.append(_Admin(existing=[s.topic_raw]))
        return admins[-1]

    monkeypatch.setattr(kafka_clients, "make_admin", make_admin)
    monkeypatch.setattr(kafka_clients.time, "sleep", lambda _: None)
    s = Settings()
    created = kafka_clients.ensure_topics(s, timeout=300)
    assert s.topic_raw not in created and s.topic_enriched in created
    assert len(admins) == 1 and admins[0].closed and admins[0].created == created


def test_ensure_topics_does_not_retry_what_cannot_succeed(monkeypatch: pytest.MonkeyPatch) -> None:
    tries: list[int] = []

    def make_admin(s: Settings) -> _Admin:
        tries.append(1)
        raise KTopicAuthorizationFailedError("no rights")

    monkeypatch.setattr(kafka_clients, "make_admin", make_admin)
    monkeypatch.setattr(kafka_clients.time, "sleep", lambda _: None)
    with pytest.raises(KTopicAuthorizationFailedError):
        kafka_clients.ensure_topics(Settings(), timeout=300)
    assert tries == [1]

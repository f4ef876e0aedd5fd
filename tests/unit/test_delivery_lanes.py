"""A channel's lane: one request at a time while it keeps up (a kill repeats at most one), many at once
when it falls behind, each alert still its own request and its own delivery record."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from consumers.alerts import channels
from consumers.alerts.deliverer import AlertDeliverer, Lane
from pipeline.settings import Settings
from schemas.alerts import AlertEvent, AlertRule


class _FakeES:
    def __init__(self) -> None:
        self.updates: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def mget(self, **_: Any) -> dict[str, Any]:
        return {"docs": []}

    def bulk(self, operations: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        with self.lock:
            for op, body in zip(operations[::2], operations[1::2], strict=True):
                if "update" in op:
                    self.updates.append((op["update"]["_id"], body["doc"]))
        return {"errors": False, "items": [{"create": {"status": 201}} for _ in operations[::2]]}


class _Receiver:
    """A slow receiver: counts the requests it holds at once (each takes `delay_s`, the test's subject)."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s, self.now, self.most = delay_s, 0, 0
        self.order: list[Any] = []
        self.lock = threading.Lock()

    def __call__(self, ch: Any, rule: str, alerts: list[AlertEvent], digest: bool, s: Settings) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.order.append(alerts[0].article_id)
        time.sleep(self.delay_s)
        with self.lock:
            self.now -= 1


def _deliver(monkeypatch: pytest.MonkeyPatch, n: int, **settings: Any) -> tuple[_Receiver, _FakeES]:
    receiver, es = _Receiver(0.02), _FakeES()
    monkeypatch.setattr(channels, "deliver", receiver)
    rule = AlertRule(name="busy", query="anything", webhooks=["https://hooks.example.org/a"])
    d = AlertDeliverer(Settings(**settings), es, object(), rules=lambda: {"busy": rule})  # type: ignore[arg-type]
    d.refresh_rules(force=True)
    try:
        d.deliver([AlertEvent(rule="busy", article_id=f"a{i:03d}", title=f"Alert {i}") for i in range(n)])
    finally:
        d.pool.shutdown(wait=True)
        d.requests.shutdown(wait=True)
    return receiver, es


def test_a_channel_that_keeps_up_gets_one_request_at_a_time_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver, es = _deliver(monkeypatch, 12, alert_channel_concurrency=8, alert_channel_widen_s=60.0)
    assert receiver.most == 1
    assert receiver.order == [f"a{i:03d}" for i in range(12)]
    delivered = {i for i, doc in es.updates if "deliveries" in doc}
    assert delivered == {f"busy:a{i:03d}" for i in range(12)}


def test_a_channel_behind_gets_its_bounded_concurrency_and_each_alert_its_record(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver, es = _deliver(monkeypatch, 60, alert_channel_concurrency=8, alert_channel_widen_s=0.0)
    assert 1 < receiver.most <= 8
    records = [(i, doc) for i, doc in es.updates if "deliveries" in doc]
    assert sorted(i for i, _ in records) == sorted(f"busy:a{i:03d}" for i in range(60))  # one record each
    ids = {next(iter(doc["deliveries"].values()))["id"] for _, doc in records}
    assert len(ids) == 60  # each alert its own delivery id
    assert all(doc["status"] == "delivered" for i, doc in es.updates if "status" in doc)


def test_a_lane_widens_after_its_wait_and_narrows_when_it_keeps_up() -> None:
    lane = Lane(wide=32, widen_s=3.0)
    assert lane.window(waiting_since=100.0, now=102.9) == 1
    assert lane.window(waiting_since=100.0, now=103.0) == 32
    lane.batch(50)
    assert lane.window(waiting_since=200.0, now=200.0) == 32  # still behind: stays wide
    lane.batch(1)
    assert lane.window(waiting_since=300.0, now=300.0) == 1

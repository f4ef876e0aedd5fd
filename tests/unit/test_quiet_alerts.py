"""Watch rules without a channel fire by the dozen per article under a big rule set: each costs one record,
no read-back, and the terminal shows a bounded share of them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consumers.alerts import channels
from consumers.alerts.deliverer import AlertDeliverer
from pipeline.cli import alerts as alerts_cli
from pipeline.settings import Settings
from schemas.alerts import AlertEvent, AlertRule


class _RecordingES:
    """Creates refuse an id seen before (409), as Elasticsearch does; every mget is noted."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.gets: list[list[str]] = []

    def mget(self, *, index: str, ids: list[str], **_: Any) -> dict[str, Any]:
        self.gets.append(list(ids))
        return {"docs": [{"_id": i, "found": i in self.docs, "_source": self.docs.get(i, {})} for i in ids]}

    def bulk(self, operations: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        items = []
        for op, body in zip(operations[::2], operations[1::2], strict=True):
            if "create" in op:
                i = op["create"]["_id"]
                items.append({"create": {"status": 409 if i in self.docs else 201}})
                self.docs.setdefault(i, json.loads(body) if isinstance(body, str) else body)
            else:
                self.docs.setdefault(op["update"]["_id"], {}).update(body["doc"])
                items.append({"update": {"status": 200}})
        return {"errors": False, "items": items}


def _deliverer(es: _RecordingES, rules: dict[str, AlertRule]) -> AlertDeliverer:
    d = AlertDeliverer(Settings(), es, object(), rules=lambda: rules)  # type: ignore[arg-type]
    d.refresh_rules(force=True)
    return d


def _stop(d: AlertDeliverer) -> None:
    for pool in (d.recorder, d.pool, d.requests):
        pool.shutdown(wait=True)


def test_channel_less_alerts_are_created_without_a_read_and_a_redelivery_counts_none(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    monkeypatch.setattr(channels, "deliver", lambda ch, rule, alerts, digest, s: sent.extend(a.id for a in alerts))
    rules = {"watch": AlertRule(name="watch", query="flood"),
             "paged": AlertRule(name="paged", query="flood", webhooks=["https://hooks.example.org/a"])}
    es = _RecordingES()
    d = _deliverer(es, rules)
    batch = [AlertEvent(rule=r, article_id=f"a{i}", title="Flood") for i in range(3) for r in ("watch", "paged")]
    try:
        assert d.deliver(batch) == 6
        assert es.gets == [["paged:a0", "paged:a1", "paged:a2"]]  # only the rule with a channel is read back
        assert {i: es.docs[i]["status"] for i in es.docs if i.startswith("watch:")} == {f"watch:a{i}": "delivered" for i in range(3)}
        assert sent == ["paged:a0", "paged:a1", "paged:a2"]
        # Kafka redelivers the batch: nothing is new, nothing is sent again
        assert d.deliver(batch) == 0
        assert sent == ["paged:a0", "paged:a1", "paged:a2"]
    finally:
        _stop(d)


def test_the_watch_rules_records_do_not_hold_up_a_notification(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook is called while the batch's channel-less records are still being written; the batch
    returns only once they are written (it is committed after)."""
    import threading

    release, sent = threading.Event(), threading.Event()
    es = _RecordingES()
    bulk = es.bulk

    def slow_bulk(operations: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
        if any(op.get("create", {}).get("_id", "").startswith("watch:") for op in operations[::2]):
            assert release.wait(10), "the notification never went out while the records were written"
        return bulk(operations, **kw)

    def deliver(ch: Any, rule: Any, alerts: Any, digest: Any, s: Any) -> None:
        sent.set()
        release.set()

    es.bulk = slow_bulk  # type: ignore[method-assign]
    monkeypatch.setattr(channels, "deliver", deliver)
    rules = {"watch": AlertRule(name="watch", query="flood"),
             "paged": AlertRule(name="paged", query="flood", webhooks=["https://hooks.example.org/a"])}
    d = _deliverer(es, rules)
    try:
        batch = [AlertEvent(rule="watch", article_id=f"a{i}", title="Flood") for i in range(200)]
        assert d.deliver([*batch, AlertEvent(rule="paged", article_id="a0", title="Flood")]) == 201
        assert sent.is_set() and len([i for i in es.docs if i.startswith("watch:")]) == 200
    finally:
        _stop(d)


def test_a_throttled_rule_without_channels_is_still_read_back() -> None:
    es = _RecordingES()
    d = _deliverer(es, {"calm": AlertRule(name="calm", query="flood", throttle_s=600)})
    try:
        d.deliver([AlertEvent(rule="calm", article_id="a1", title="Flood")])
        assert es.gets == [["calm:a1"]]
    finally:
        _stop(d)


def test_the_terminal_shows_a_bounded_share_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    summaries: list[str] = []
    monkeypatch.setattr(alerts_cli, "_show", lambda a, as_json: shown.append(a.id))
    monkeypatch.setattr(alerts_cli.out, "print", lambda text: summaries.append(text))
    now = [0.0]
    echo = alerts_cli.Echo(False, per_s=10, summary_s=10, clock=lambda: now[0])
    for i in range(1000):  # a thousand alerts in the first second
        now[0] = i / 1000
        echo(AlertEvent(rule=f"r{i % 7}", article_id=f"a{i}", title="t"))
    assert 10 <= len(shown) <= 20
    assert summaries == []
    now[0] = 11.0
    echo(AlertEvent(rule="r0", article_id="late", title="t"))
    assert shown[-1] == "r0:late"
    assert len(summaries) == 1 and f"{1000 - (len(shown) - 1):,} more alert(s) from 7 rule(s)" in summaries[0]


def test_json_echo_is_every_alert(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(alerts_cli, "_show", lambda a, as_json: shown.append(a.id))
    echo = alerts_cli.Echo(True, per_s=1, clock=lambda: 0.0)
    for i in range(50):
        echo(AlertEvent(rule="r", article_id=f"a{i}", title="t"))
    assert len(shown) == 50

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from consumers.alerts.channels import deliver_webhook
from consumers.alerts.targets import Resolved
from consumers.alerts.throttle import Throttle
from pipeline.query.rules import RuleSet, snippet
from schemas.alerts import AlertEvent, AlertRule, parse_duration

ARTICLE = {"id": "a1", "title": "Strikes on Kharkiv", "body": "Missiles hit the Kharkiv region overnight.",
           "countries": ["UA"], "regions": ["Eastern Europe"], "@timestamp": "2026-01-01T00:00:00Z"}


def test_rules_fire_with_matched_words_and_snippet() -> None:
    rs = RuleSet()
    rs.put(AlertRule(name="k", query="kharkiv missil*", countries=["UA"]))
    rs.put(AlertRule(name="jp", query="kharkiv", countries=["JP"]))
    [ev] = rs.match(ARTICLE, now=datetime(2026, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    assert ev.rule == "k" and ev.id == "k:a1" and ev.matched == ["kharkiv", "missiles"]
    assert "<em>Kharkiv</em>" in ev.snippet and "<em>Missiles</em>" in ev.snippet
    assert ev.ingested_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    rs.remove("k")
    assert rs.match(ARTICLE) == []


def test_snippet_is_a_window_around_the_first_match() -> None:
    text = "x " * 300 + "the Kharkiv region " + "y " * 300
    s = snippet(text, ["kharkiv"])
    assert s.startswith("…") and s.endswith("…") and "<em>Kharkiv</em>" in s and len(s) < 260


def test_durations() -> None:
    assert parse_duration("30s") == 30 and parse_duration("5m") == 300 and parse_duration("1h") == 3600
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_rule_validation() -> None:
    with pytest.raises(ValueError):
        AlertRule(name="bad name", query="x")
    with pytest.raises(ValueError):
        AlertRule(name="r", query="x", webhooks=["ftp://x"])
    assert AlertRule(name="r", query="x", countries=["ua"]).full_query() == "(x) AND (countries:UA)"


def _alert(n: int) -> AlertEvent:
    return AlertEvent(rule="r", article_id=f"a{n}", title=f"t{n}")


def test_throttle_holds_and_digests() -> None:
    rule = AlertRule(name="r", query="x", throttle_s=60)
    t = Throttle()
    assert t.offer(rule, _alert(1), now=0) is True
    assert t.offer(rule, _alert(2), now=10) is False
    assert t.offer(rule, _alert(3), now=20) is False
    assert t.due({"r": rule}, now=30) == []
    [(name, held)] = t.due({"r": rule}, now=61)
    assert name == "r" and [a.article_id for a in held] == ["a2", "a3"]


def test_webhook_retries_with_backoff_and_one_delivery_id() -> None:
    slept: list[float] = []
    target = Resolved("http://127.0.0.1:9/none", "127.0.0.1", "127.0.0.1", 9)
    with pytest.raises(RuntimeError, match="failed after 3 attempt"):
        deliver_webhook(target, "r", [_alert(1)], False, "nw_1", secret=None, timeout=0.5, retries=2,
                        sleep=slept.append)
    assert slept == [0.5, 1.0]


def test_throttle_state_read_back_after_a_restart() -> None:
    rule = AlertRule(name="r", query="x", throttle_s=60)
    t = Throttle()
    t.restore({"r": [_alert(2), _alert(3)]}, {"r": 1000.0})
    assert t.offer(rule, _alert(4), now=1010) is False  # still inside the period that began before the restart
    [(name, held)] = t.due({"r": rule}, now=1061)
    assert [a.article_id for a in held] == ["a2", "a3", "a4"]

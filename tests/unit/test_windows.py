"""Frequency and spike rules, one hit at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from pipeline.query.windows import step
from schemas.alerts import AlertEvent, AlertRule

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def _hit(n: int, seconds: float) -> AlertEvent:
    return AlertEvent(rule="r", article_id=f"a{n}", title="t", fired_at=T0 + timedelta(seconds=seconds))


def _run(rule: AlertRule, times: Sequence[float]) -> list[AlertEvent]:
    state, fired = None, []
    for i, t in enumerate(times):
        state, alert = step(rule, state, _hit(i, t))
        if alert:
            fired.append(alert)
    return fired


def test_frequency_fires_at_n_within_t_and_counts_again_after() -> None:
    rule = AlertRule(name="r", query="x", kind="frequency", min_count=3, window_s=60)
    assert _run(rule, [0, 100, 200, 300]) == []  # never 3 within a minute
    [a] = _run(rule, [0, 10, 20, 25])  # the third within the minute fires; the fourth starts a new count
    assert a.article_id == "a2" and a.kind == "count" and a.count == 3 and a.window_s == 60
    assert len(_run(rule, [0, 1, 2, 3, 4, 5])) == 2


def test_spike_fires_once_per_window_over_the_baseline() -> None:
    rule = AlertRule(name="r", query="x", kind="spike", window_s=60, spike_factor=3, baseline_windows=3, min_count=3,
                     created_at=T0 - timedelta(hours=1))
    steady = [w * 60 + 5 for w in range(3)]  # one match a minute for three minutes: baseline 1
    burst = [180 + i for i in range(6)]  # then six in one minute
    fired = _run(rule, steady + burst)
    assert len(fired) == 1 and fired[0].count == 3 and fired[0].baseline == 1.0  # 3 >= 3 x 1, once in that window
    quiet = AlertRule(name="r", query="x", kind="spike", window_s=60, min_count=5, created_at=T0 - timedelta(hours=1))
    assert _run(quiet, [180 + i for i in range(4)]) == []  # under the minimum count


def test_a_new_rule_has_no_silent_history_to_compare_with() -> None:
    rule = AlertRule(name="r", query="x", kind="spike", window_s=60, min_count=2, created_at=T0)
    assert _run(rule, [1, 2]) == []  # no previous window: the baseline counts as 1, and 2 < 3 x 1
    [a] = _run(rule, [1, 2, 3])
    assert a.count == 3 and a.baseline == 0.0


def test_a_replayed_match_counts_once() -> None:
    rule = AlertRule(name="r", query="x", kind="frequency", min_count=3, window_s=60)
    state, _ = step(rule, None, _hit(1, 0))
    state, _ = step(rule, state, _hit(2, 1))
    state, again = step(rule, state, _hit(2, 1))  # the worker restarted before committing this match's offset
    assert again is None and len(state["times"]) == 2
    state, fired = step(rule, state, _hit(3, 2))
    assert fired is not None and fired.article_id == "a3"


def test_once_per_story_fires_for_a_storys_first_match_only() -> None:
    rule = AlertRule(name="r", query="x", once_per_story=True)
    state: dict | None = None
    fired = []
    for n, story in enumerate(["s1", "s1", "s2", "s1", "s2", "s3"]):
        state, alert = step(rule, state, _hit(n, n).model_copy(update={"story_id": story}))
        fired.append(alert.article_id if alert else None)
    assert fired == ["a0", None, "a2", None, None, "a5"]


def test_once_per_story_counts_stories_not_copies() -> None:
    rule = AlertRule(name="r", query="x", kind="frequency", min_count=2, window_s=60, once_per_story=True)
    state, alert = step(rule, None, _hit(0, 0).model_copy(update={"story_id": "s1"}))
    state, alert = step(rule, state, _hit(1, 1).model_copy(update={"story_id": "s1"}))
    assert alert is None  # one story twice is one
    state, alert = step(rule, state, _hit(2, 2).model_copy(update={"story_id": "s2"}))
    assert alert is not None and alert.count == 2

"""Rules over counts, as ElastAlert users know them, decided one hit at a time (pure: state in, state out).

- frequency: at least `min_count` matches within `window_s`. The state is the times of the last
  `min_count` hits; when the oldest of them is within the window, the rule fires and the count starts
  again (the next alert needs `min_count` new matches).
- once_per_story (with any kind): an article whose story the rule already fired on or counted is skipped;
  a plain match rule with it fires for the first matching article of each story.
- spike: this window's matches against the mean of the previous `baseline_windows` windows. It fires
  once per window, when the current count is at least `min_count` and at least `spike_factor` times that
  mean (a mean of 0 counts as 1, so a rule's first busy window after silence can fire).

The worker keeps each rule's state in a Faust table (changelogged: a restarted worker carries on), keyed
by rule name on a topic partitioned by it, so one worker owns each rule's count. A table update and the
offset commit of the match that caused it are not atomic, so a restart can replay matches the table has
already counted: the state remembers the last SEEN article ids and a replayed match counts once.
"""

from __future__ import annotations

import math
from typing import Any

from schemas.alerts import AlertEvent, AlertRule

SEEN = 512  # article ids remembered per rule, to count a replayed match once
STORIES = 4096  # stories remembered per rule with once_per_story: a story this many stories old may fire again


def step(rule: AlertRule, state: dict[str, Any] | None, hit: AlertEvent) -> tuple[dict[str, Any], AlertEvent | None]:
    """The rule's new state after one match, and the alert it fires (or None)."""
    state = dict(state or {})
    seen = [str(x) for x in state.get("seen", [])]
    if hit.article_id in seen:
        return state, None  # a replay after a restart: already counted
    state["seen"] = [*seen, hit.article_id][-SEEN:]
    if rule.once_per_story and hit.story_id:
        stories = [str(x) for x in state.get("stories", [])]
        if hit.story_id in stories:
            return state, None  # a near-duplicate of an article this rule already fired on (or counted)
        state["stories"] = [*stories, hit.story_id][-STORIES:]
    if rule.kind == "match":
        return state, hit  # once per story: the story's first matching article alerts
    ts = hit.fired_at.timestamp()
    if rule.kind == "frequency":
        return _frequency(rule, state, hit, ts)
    return _spike(rule, state, hit, ts)


def _frequency(rule: AlertRule, state: dict[str, Any], hit: AlertEvent, ts: float) -> tuple[dict[str, Any], AlertEvent | None]:
    n, window = rule.min_count or 1, rule.window_s or 60.0
    times = sorted([*[float(t) for t in state.get("times", [])], ts])[-n:]
    if len(times) >= n and times[-1] - times[0] <= window:
        return {**state, "times": []}, _fired(hit, count=len(times), window_s=window)
    return {**state, "times": times}, None


def _spike(rule: AlertRule, state: dict[str, Any], hit: AlertEvent, ts: float) -> tuple[dict[str, Any], AlertEvent | None]:
    window, k = rule.window_s or 600.0, rule.baseline_windows or 6
    current = math.floor(ts / window)
    counts = {int(w): int(c) for w, c in state.get("counts", {}).items() if current - k <= int(w) <= current}
    counts[current] = counts.get(current, 0) + 1
    # the mean over the previous k windows, counting the silent ones (but not those before the rule existed)
    first = max(current - k, math.floor(rule.created_at.timestamp() / window))
    previous = [counts.get(w, 0) for w in range(first, current)]
    baseline = sum(previous) / len(previous) if previous else 0.0
    fired = None
    if (int(state.get("fired", -1)) != current and counts[current] >= (rule.min_count or 1)
            and counts[current] >= (rule.spike_factor or 3.0) * max(baseline, 1.0)):
        fired = _fired(hit, count=counts[current], window_s=window, baseline=round(baseline, 3))
        state["fired"] = current
    return {**state, "counts": {str(w): c for w, c in counts.items()}, "fired": state.get("fired", -1)}, fired


def _fired(hit: AlertEvent, **facts: Any) -> AlertEvent:
    # the article that tipped the count stands for the alert: its id makes the alert's id
    return hit.model_copy(update={"kind": "count", **facts})

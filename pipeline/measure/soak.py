"""A soak: the running pipeline fed a steady mixed stream for minutes, sampled as it goes, so a leak
shows as a slope. Every `interval_s`: the RSS of each pipeline process and of its children (the
enrichment pool), each consumer group's lag, and the alert latency of the articles sent in that interval
(produce -> webhook, as `bench alerts` times it). The processes come from the caller (the CLI reads the
local stack's pid files): this module knows nothing of how they were started.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

PROC = Path("/proc")


def rss_mb(pid: int) -> float | None:
    """Resident set size from /proc (None: gone, or not Linux)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> list[int]:
    """Direct children of `pid` (the worker's enrichment processes), from /proc/*/stat."""
    out = []
    for d in PROC.glob("[0-9]*"):
        try:
            stat = (d / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(out)


def sample_rss(processes: dict[str, int]) -> dict[str, float]:
    """name -> MB for each process and each child (`worker/child-1`, ...), the living only."""
    out: dict[str, float] = {}
    for name, pid in processes.items():
        if (mb := rss_mb(pid)) is not None:
            out[name] = mb
        for i, child in enumerate(children(pid), 1):
            if (mb := rss_mb(child)) is not None:
                out[f"{name}/child-{i}"] = mb
    return out


@dataclass
class Sample:
    minute: float
    sent: int
    delivered: int
    p50_ms: float
    p99_ms: float
    rss_mb: dict[str, float]
    lag: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"minute": round(self.minute, 2), "sent": self.sent, "delivered": self.delivered,
                "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "rss_mb": self.rss_mb, "lag": self.lag}


@dataclass
class Soak:
    rate: float
    minutes: float
    samples: list[Sample] = field(default_factory=list)

    def growth(self, after_min: float = 5.0) -> dict[str, dict[str, float]]:
        """Per process: RSS at the first sample from `after_min` on, at the end, growth in % and the
        least-squares slope in MB per minute over that span."""
        span = [x for x in self.samples if x.minute >= after_min] or self.samples[-1:]
        out: dict[str, dict[str, float]] = {}
        for name in span[0].rss_mb if span else {}:
            pts = [(x.minute, x.rss_mb[name]) for x in span if name in x.rss_mb]
            first, last = pts[0][1], pts[-1][1]
            out[name] = {"from_mb": first, "to_mb": last, "growth_pct": round((last - first) / first * 100, 1),
                         "mb_per_min": round(_slope(pts), 2)}
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"rate_per_s": self.rate, "minutes": self.minutes, "samples": [x.as_dict() for x in self.samples],
                "rss_after_5_min": self.growth()}


def _slope(pts: list[tuple[float, float]]) -> float:
    if len(pts) < 2:
        return 0.0
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else 0.0


def run_soak(s: Settings, *, minutes: float, rate: float, body: str, bodies: list[tuple[str, str]] | None,
             processes: Callable[[], dict[str, int]], interval_s: float = 30.0, storm_share: float = 0.3,
             on_sample: Callable[[Sample], None] | None = None) -> Soak:
    """Produce `plan`'s mixed stream at `rate` for `minutes` (the plan drawn again every interval, so it
    never runs out), sampling every `interval_s`."""
    from pipeline.clients.kafka import ensure_topics, group_lag, make_producer
    from pipeline.clients.rules_store import delete_rules, put_rules
    from pipeline.measure.alerts_bench import Receiver, _send, _wait, plan
    from schemas.alerts import AlertRule

    token = "zq" + uuid.uuid4().hex[:10]
    receiver = Receiver()
    rule = AlertRule(name=f"bench-{token}", query=f"title:{token}", webhooks=[receiver.url])
    ensure_topics(s)
    put_rules(s, [rule])
    producer = make_producer(s, client_id="newswatch-bench")
    sent: dict[str, float] = {}
    soak = Soak(rate, minutes)
    groups = {"worker": (s.worker_group, [s.topic_raw]), "indexer": (s.indexer_group, [s.topic_enriched]),
              "alerts": (s.alerts_group, [s.topic_alerts])}
    samplers: list[threading.Thread] = []

    def take(timed: dict[str, float]) -> None:  # in a thread: Kafka's lag answers must not pause the stream
        soak.samples.append(_sample(s, start, timed, receiver.received, processes, groups, group_lag))
        soak.samples.sort(key=lambda x: x.minute)
        if on_sample:
            on_sample(soak.samples[-1])

    try:
        _send(producer, s, token, "warmup", body, sent)
        _wait(300, receiver.received, sent)  # the worker may still be loading its models
        sent.clear()
        start = time.perf_counter()
        end = start + minutes * 60
        next_sample = start + interval_s
        window: dict[str, float] = {}  # sent since the last sample, and earlier ones whose alert is late
        planned: list[Any] = []
        i = 0
        while True:
            now = time.perf_counter()
            if now >= next_sample:
                samplers.append(threading.Thread(target=take, args=(dict(window),), daemon=True))
                samplers[-1].start()
                window = {k: t for k, t in window.items() if k not in receiver.received}
                next_sample += interval_s
                continue
            target = start + i / rate
            if target >= end:
                break
            if target > now:
                time.sleep(min(target, next_sample) - now)
                continue
            if i % len(planned or [0]) == 0:  # drawn again each round: the stream never runs out
                planned = plan(max(1, int(rate * interval_s)), body, bodies, storm_share=storm_share, seed=i)
            _send(producer, s, token, str(i), planned[i % len(planned)].body, window)
            i += 1
        producer.flush()
        with suppress(TimeoutError):  # the last alerts: those still missing count as undelivered
            _wait(30, receiver.received, window)
        take(window)
        for t in samplers:
            t.join(timeout=60)
    finally:
        producer.close()
        delete_rules(s, [rule.name])
        receiver.close()
    return soak


def _sample(s: Settings, start: float, window: dict[str, float], received: dict[str, float],
            processes: Callable[[], dict[str, int]], groups: dict[str, tuple[str, list[str]]],
            group_lag: Callable[..., dict[Any, int]]) -> Sample:
    from pipeline.measure.alerts_bench import _latency

    lat = _latency(window, received)
    lag: dict[str, int] = {}
    for name, (group, topics) in groups.items():
        try:
            lag[name] = sum(group_lag(s, group, topics).values())
        except Exception:  # noqa: BLE001 - Kafka busy: this sample has no lag for the group, the next may
            lag[name] = -1
    return Sample((time.perf_counter() - start) / 60, len(window), lat["delivered"], lat["p50_ms"], lat["p99_ms"],
                  sample_rss(processes()), lag)


__all__ = ["Sample", "Soak", "children", "rss_mb", "run_soak", "sample_rss"]

"""`newswatch status`: everything an operator checks, gathered once: each process (its metrics endpoint
answers, its uptime, memory, last-minute rates and latencies), Kafka and Elasticsearch, lag per consumer
group, dead letters of the last hour, failing feeds, disk used. `problems` lists what needs a person.

The servers and the feeds are asked through `Servers` and `Feeds`, handed in by the caller (the CLI, the
console), so this module stays below `deploy/` and `producers/`."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from prometheus_client.parser import text_string_to_metric_families

from pipeline.settings import Settings
from schemas.status import GroupLag, ProcessStatus, StatusReport

PIPELINE = ("worker", "indexer", "alerts")


class Servers(Protocol):
    """Kafka and Elasticsearch as status sees them (`deploy.local.stack.LocalStack` is one)."""

    @property
    def kafka_dir(self) -> Path: ...
    @property
    def es_dir(self) -> Path: ...
    def kafka_healthy(self) -> bool: ...
    def es_healthy(self) -> bool: ...


class Feeds(Protocol):
    """The feed poller as status sees it (`producers.feeds.health.FeedHealth` is one)."""

    def configured(self) -> bool:
        """Whether feeds.toml lists feeds (then the poller is expected to run)."""
        ...

    def failing(self) -> list[str]:
        """One line per feed whose last poll failed: its name and the error."""
        ...


def collect(s: Settings, *, servers: Servers, feeds: Feeds, expect: set[str] | None = None,
            max_lag: int | None = None) -> StatusReport:
    expected = expect if expect is not None else {*PIPELINE, *(("feeds",) if feeds.configured() else ())}
    report = StatusReport(ok=True)
    kafka_up, es_up = servers.kafka_healthy(), servers.es_healthy()
    report.processes += [
        ProcessStatus(name="kafka", up=kafka_up, expected=True, detail=",".join(s.kafka_brokers)),
        ProcessStatus(name="elasticsearch", up=es_up, expected=True, detail=s.es_url.split("@")[-1]),
    ]
    ports = {"worker": s.metrics_port_worker, "indexer": s.metrics_port_indexer, "alerts": s.metrics_port_alerts,
             "feeds": s.metrics_port_feeds}
    for name, port in ports.items():
        report.processes.append(scrape(name, s.metrics_host, port, expected=name in expected))
    for p in report.processes:
        if p.expected and not p.up:
            report.problems.append(f"{p.name} is down ({p.detail})")
    if kafka_up:
        limit = s.status_max_lag if max_lag is None else max_lag
        report.lag = lags(s)
        report.problems += [f"{g.group} is {g.lag} record(s) behind on {g.topic}" for g in report.lag if g.lag > limit]
        report.dead_letters_last_hour = dead_letters_since(s, time.time() - 3600)
    report.failing_feeds = feeds.failing()
    report.problems += [f"feed failing: {f}" for f in report.failing_feeds]
    report.disk_bytes = {"kafka": _du(servers.kafka_dir), "elasticsearch": _du(servers.es_dir)}
    report.ok = not report.problems
    return report


def scrape(name: str, host: str, port: int, *, expected: bool) -> ProcessStatus:
    """One process, from its /metrics endpoint."""
    if not port:
        return ProcessStatus(name=name, up=False, expected=False, detail="metrics turned off")
    url = f"http://{host}:{port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:  # our own 127.0.0.1 endpoint
            text = resp.read(8 * 1024 * 1024).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        reason = "not running" if isinstance(getattr(exc, "reason", exc), ConnectionRefusedError) else "not responding"
        return ProcessStatus(name=name, up=False, expected=expected, detail=f"{reason} on {host}:{port}")
    st = ProcessStatus(name=name, up=True, expected=expected, detail=f"{host}:{port}")
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "process_start_time_seconds":
                st.uptime_s = round(time.time() - sample.value, 1)
            elif sample.name == "process_resident_memory_bytes":
                st.rss_bytes = int(sample.value)
            elif sample.name == "newswatch_last_minute_rate_per_second" and sample.value:
                labels = dict(kv.split("=", 1) for kv in sample.labels["labels"].split(",") if "=" in kv)
                what = " ".join(v for k, v in sorted(labels.items())) or sample.labels["metric"]
                key = f"{sample.labels['metric'].removeprefix('newswatch_').removesuffix('_total')} {what}"
                st.rates_per_s[key] = sample.value
            elif sample.name == "newswatch_last_minute_seconds":
                q = "p50" if sample.labels["quantile"] == "0.5" else "p99"
                st.latency_s[f"{sample.labels['metric'].removeprefix('newswatch_')} {q}"] = sample.value
    return st


def lags(s: Settings) -> list[GroupLag]:
    from pipeline.clients.kafka import group_lag

    out = []
    for group, topics in ((s.worker_group, [s.topic_raw, s.topic_enriched]), (s.indexer_group, [s.topic_enriched]),
                          (s.alerts_group, [s.topic_alerts])):
        per = group_lag(s, group, topics)
        for topic in topics:
            parts = {p: n for (t, p), n in per.items() if t == topic}
            out.append(GroupLag(group=group, topic=topic, lag=sum(parts.values()), partitions=parts))
    return out


def dead_letters_since(s: Settings, since: float, *, cap: int = 100_000) -> dict[str, int]:
    """Dead letters by stage written since `since` (Unix seconds); at most `cap` are read."""
    from datetime import datetime, timezone

    from pipeline.observe import dlq

    counts: dict[str, int] = {}
    for item in dlq.read(s, since=datetime.fromtimestamp(since, tz=timezone.utc), limit=cap):
        stage = item.letter.stage if item.letter else "unreadable"
        counts[stage] = counts.get(stage, 0) + 1
    return counts


def _du(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                continue
    return total

"""Prometheus metrics: every long-running process (worker, indexer, alert deliverer, feed poller) serves
`/metrics` on its own 127.0.0.1 port (`NEWSWATCH_METRICS_PORT_*`; 0 turns it off).

Names follow Prometheus conventions: `newswatch_` prefix, `_total` counters, base units (`_seconds`,
`_bytes`). Label values come from small fixed sets (a dead letter's reason is reduced to its class), so a
hostile input cannot create series. The client's process collector adds `process_resident_memory_bytes`,
`process_start_time_seconds` and CPU time.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

from pipeline.settings import Settings

log = logging.getLogger("newswatch.metrics")

# seconds: from a few milliseconds (one article) to minutes (a backlog)
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

ARTICLES = Counter("newswatch_articles_total", "Articles (or alerts, for stage alert) through a stage",
                   ["stage", "outcome"])  # stage: produce enrich match index alert feed; outcome: in out dead_lettered
DEAD_LETTERS = Counter("newswatch_dead_letters_total", "Records sent to the dead-letter topic", ["stage", "reason"])
ENRICH_SECONDS = Histogram("newswatch_enrich_batch_seconds", "Enrichment time of one batch (pool round trip)",
                           buckets=_LATENCY)
MATCH_SECONDS = Histogram("newswatch_match_batch_seconds", "Rule matching time of one batch", buckets=_LATENCY)
BULK_SECONDS = Histogram("newswatch_bulk_seconds", "Elasticsearch bulk request latency", buckets=_LATENCY)
SEARCHABLE_SECONDS = Histogram("newswatch_produce_to_searchable_seconds",
                               "From an article's produce to its bulk acknowledgement (search sees it within the "
                               "index refresh interval, 1 s, after)", buckets=_LATENCY)
ALERT_SECONDS = Histogram("newswatch_produce_to_alert_seconds",
                          "From the produce of the article an alert is about to its first delivered channel",
                          buckets=_LATENCY)
ALERTS_FIRED = Counter("newswatch_alerts_fired_total", "Alerts fired by the worker", ["kind"])
# labelled so that only the worker shows it, once it has read the rules topic
RULES = Gauge("newswatch_rules", "Alert rules the worker matches against", ["stage"])
DELIVERIES = Counter("newswatch_alert_deliveries_total", "Alert notifications per channel kind", ["channel", "outcome"])
LAG = Gauge("newswatch_consumer_lag", "Records not yet committed by a consumer group",
            ["group", "topic", "partition"])
FEED_POLLS = Counter("newswatch_feed_polls_total", "Feed polls", ["feed", "status"])  # status: new unchanged error
FEED_ITEMS = Counter("newswatch_feed_items_total", "Feed items", ["feed", "outcome"])  # produced dead_lettered

# What `newswatch status` shows without a Prometheus server: each process works these out from its own
# counters and histograms, over the last minute.
LAST_MINUTE_RATE = Gauge("newswatch_last_minute_rate_per_second", "A counter's rate over the last minute",
                         ["metric", "labels"])
LAST_MINUTE_SECONDS = Gauge("newswatch_last_minute_seconds", "A latency histogram's quantile over the last minute",
                            ["metric", "quantile"])

_REASONS = [  # (class, pattern): the first that matches names a dead letter's reason
    ("too_large", r"over the limit|too large|too big|once serialised"),
    ("bad_json", r"not JSON|nested more than|digits|not UTF-8|expected a JSON object|unreadable record"),
    ("invalid_article", r"title|body|url|published_at|language|field|validation|not an? (enriched )?article"),
    ("timeout", r"timed out|did not finish|timeout"),
    ("enrichment_failed", r"enrichment failed"),
    ("rejected_by_elasticsearch", r"elasticsearch rejected"),
    ("delivery_failed", r"webhook|file:|email:|delivery|redirect|refused"),
    ("bad_rule", r"rule .* skipped|not a rule"),
    ("unreadable_file", r"cannot read|file is"),
]


def reason_class(reason: str) -> str:
    for name, pattern in _REASONS:
        if re.search(pattern, reason, re.IGNORECASE):
            return name
    return "other"


def dead_lettered(stage: str, reason: str) -> None:
    DEAD_LETTERS.labels(stage, reason_class(reason)).inc()


def serve(port: int, process: str, s: Settings) -> int | None:
    """Start the /metrics endpoint; a port in use is a warning, never a reason not to run."""
    if not port:
        return None
    try:
        start_http_server(port, addr=s.metrics_host)
    except OSError as exc:
        log.warning("metrics for %s not served on %s:%d (%s); the process runs without them", process,
                    s.metrics_host, port, exc)
        return None
    log.info("metrics on http://%s:%d/metrics", s.metrics_host, port)
    threading.Thread(target=_sample_forever, name="metrics-last-minute", daemon=True).start()
    return port


Snapshot = dict[tuple[str, str, tuple[tuple[str, str], ...]], float]


def _snapshot() -> Snapshot:
    out: Snapshot = {}
    for family in REGISTRY.collect():
        if not family.name.startswith("newswatch_"):
            continue
        for sample in family.samples:
            if family.type == "counter" and sample.name.endswith("_total"):
                out[("c", sample.name, tuple(sorted(sample.labels.items())))] = sample.value
            elif family.type == "histogram" and sample.name.endswith("_bucket"):
                out[("h", family.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def last_minute(old: Snapshot, new: Snapshot, seconds: float) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """(rates per (counter, labels), quantiles per (histogram, quantile)) between two snapshots."""
    rates: dict[tuple[str, str], float] = {}
    buckets: dict[str, list[tuple[float, float]]] = {}
    for key, value in new.items():
        kind, name, labels = key
        delta = value - old.get(key, 0.0)
        if kind == "c":
            rates[(name, ",".join(f"{k}={v}" for k, v in labels))] = delta / seconds if seconds > 0 else 0.0
        else:
            le = dict(labels).get("le", "+Inf")
            buckets.setdefault(name, []).append((float(le), delta))
    quantiles = {}
    for name, bs in buckets.items():
        for q in (0.5, 0.99):
            v = bucket_quantile(q, sorted(bs))
            if v is not None:
                quantiles[(name, str(q))] = v
    return rates, quantiles


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus's histogram_quantile over cumulative (upper bound, count) buckets; None without data."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if upper == float("inf"):
                return lower
            return lower + (upper - lower) * ((rank - below) / (count - below) if count > below else 0.0)
        lower, below = upper, count
    return lower


def _sample_forever(every_s: float = 5.0, span_s: float = 60.0) -> None:
    history: list[tuple[float, Snapshot]] = []
    while True:
        now = time.monotonic()
        history.append((now, _snapshot()))
        while len(history) > 2 and now - history[1][0] >= span_s:
            history.pop(0)
        (t0, old), (t1, new) = history[0], history[-1]
        rates, quantiles = last_minute(old, new, t1 - t0)
        for (name, labels), v in rates.items():
            LAST_MINUTE_RATE.labels(name, labels).set(round(v, 3))
        LAST_MINUTE_SECONDS.clear()
        for (name, q), v in quantiles.items():
            LAST_MINUTE_SECONDS.labels(name, q).set(round(v, 4))
        time.sleep(every_s)


def export_lag(s: Settings, group: str, topics: Iterable[str], *, every_s: float = 10.0) -> threading.Thread:
    """A daemon thread that sets `newswatch_consumer_lag` for `group` every `every_s` seconds."""
    from pipeline.clients.kafka import group_lag

    wanted = list(topics)

    def loop() -> None:
        failures = 0
        while True:
            try:
                for (topic, partition), lag in group_lag(s, group, wanted).items():
                    LAG.labels(group, topic, str(partition)).set(lag)
                failures = 0
            except Exception as exc:  # noqa: BLE001 - Kafka away: the next round tries again
                failures += 1
                if failures == 1:
                    log.warning("consumer lag not measured (%s: %s); retrying every %gs", type(exc).__name__, exc,
                                every_s)
            time.sleep(every_s)

    t = threading.Thread(target=loop, name=f"lag-{group}", daemon=True)
    t.start()
    return t

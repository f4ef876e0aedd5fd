"""Worker start-ups into a burst, counted for stall-watch firings: the figure behind "the stall watch never
fires in a healthy start-up". Each run starts a worker (its own process group) while articles arrive at a
steady rate (with a frequency rule, so a table's changelog is recovered too), waits until the group has
committed every partition to its end, reads the worker's log for
the stall watch's warning, and stops the worker with SIGTERM; the next run restarts into a new burst from
the committed offsets, as `tests/e2e/test_pipeline.py` does once. Needs Kafka and Elasticsearch
(`newswatch stack up`); the runs use topics and a group of their own, deleted afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

STALL_LINE = "records waiting behind a commit unchanged"  # pipeline/worker/app.py's watch_stalls warning
REREAD_LINES = {
    "reread_hole": "arrived where",  # Contiguity sent a partition back
    "reread_dropped": "were dropped unprocessed",  # a skipped or dropped hand-over read again
}


def _burst(s: Settings, tag: str, n: int, per_s: float) -> threading.Thread:
    """`n` articles at `per_s` from a thread (the load the worker starts into)."""
    from pipeline.clients.kafka import make_producer
    from producers.publisher import ArticlePublisher
    from producers.record import SourceRecord

    def run() -> None:
        publisher = ArticlePublisher(s, make_producer(s, client_id="newswatch-bench"))
        start = time.monotonic()
        for i in range(n):
            delay = start + i / per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the load
            publisher.send(SourceRecord(f"{tag}-{i}", {"title": f"Report {tag} {i}", "body": f"Floods in Dhaka, "
                                        f"Bangladesh, report {tag} {i}.", "url": f"https://bench.example/{tag}/{i}"}))
        publisher.flush(timeout=300)
        publisher.producer.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _wait(cond: Callable[[], bool], timeout: float, what: str, *, until: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while cond() is not until:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(1.0)  # polling Kafka, with the deadline above


def _caught_up(s: Settings, p: subprocess.Popen[bytes]) -> bool:
    """The worker runs and its group has committed every partition of the raw topic to its end."""
    from pipeline.clients.kafka import group_lag

    if p.poll() is not None:
        raise RuntimeError(f"the worker exited with {p.returncode}")
    try:
        return not any(group_lag(s, s.worker_group, [s.topic_raw]).values())
    except Exception:  # noqa: BLE001 - the group's coordinator is still loading: ask again next round
        return False


def _stop(p: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=60)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)


def run_startups(s: Settings, *, runs: int, articles: int = 2000, per_s: float = 200.0, partitions: int = 4,
                 logdir: Path, progress: Callable[[int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    from pipeline.clients.kafka import ensure_topics, make_admin

    sfx = uuid.uuid4().hex[:8]
    names = {"topic_raw": f"b{sfx}.articles.raw", "topic_enriched": f"b{sfx}.articles.enriched",
             "topic_dlq": f"b{sfx}.articles.dlq", "topic_alerts": f"b{sfx}.alerts", "topic_rules": f"b{sfx}.alert-rules",
             "topic_rule_hits": f"b{sfx}.alert-rule-hits", "worker_group": f"b{sfx}-worker",
             "es_alias": f"b{sfx}-news-articles", "es_index": f"b{sfx}-news-articles-v1"}
    bs = s.model_copy(update={**names, "topic_partitions": partitions})
    env = {**os.environ, **{f"NEWSWATCH_{k.upper()}": str(v) for k, v in names.items()},
           "NEWSWATCH_TOPIC_PARTITIONS": str(partitions), "NEWSWATCH_METRICS_PORT_WORKER": "0",
           "PYTHONUNBUFFERED": "1"}
    logdir.mkdir(parents=True, exist_ok=True)
    env["NEWSWATCH_ALERTS_DIR"] = str(logdir / "alerts")
    ensure_topics(bs)
    # a frequency rule every article matches: its counts live in a Faust table, so each start-up also
    # recovers a changelog (the flow stays suspended meanwhile), as in the e2e start-up test
    subprocess.run([sys.executable, "-m", "pipeline", "rules", "add", "floods", "Dhaka", "--frequency", "1000000",
                    "--within", "1h", "--file", "floods.jsonl"], env=env, check=True, capture_output=True, timeout=120)
    results: list[dict[str, Any]] = []
    try:
        # run 0 is the warm-up: the group's first commits, so every later start seeks to committed offsets
        for i in range(runs + 1):
            log = logdir / f"worker-{i}.log"
            load = _burst(bs, f"{sfx}-{i}", articles if i else 100, per_s)
            t0 = time.monotonic()
            with open(log, "wb") as fh:
                p = subprocess.Popen([sys.executable, "-m", "pipeline", "worker"], env=env, stdout=fh,
                                     stderr=subprocess.STDOUT, start_new_session=True)
            crashed = ""
            try:
                _wait(load.is_alive, 300, "the burst sent", until=False)
                _wait(partial(_caught_up, bs, p), 600, "every partition committed to its end")
            except (RuntimeError, TimeoutError) as exc:  # died, or never caught up: reported; the next run goes on
                crashed = str(exc)
                _wait(load.is_alive, 300, "the burst sent", until=False)
            finally:
                seconds = time.monotonic() - t0
                _stop(p)
            text = log.read_text(errors="replace")
            r = {"run": i, "seconds": round(seconds, 1), "crashed": crashed, "stall_fired": text.count(STALL_LINE),
                 **{k: text.count(v) for k, v in REREAD_LINES.items()}, "log": str(log)}
            if i:
                results.append(r)
            if progress:
                progress(i, r)
    finally:
        admin = make_admin(bs)
        try:
            mine = [t for t in admin.list_topics() if t.startswith(f"b{sfx}")]
            if mine:
                admin.delete_topics(mine)
        finally:
            admin.close()
    fired = [r for r in results if r["stall_fired"]]
    return {"runs": len(results), "startups_with_stall": len(fired), "stall_firings": sum(r["stall_fired"] for r in results),
            "crashed": sum(1 for r in results if r["crashed"]),
            "articles_per_burst": articles, "per_s": per_s, "partitions": partitions, "results": results}

"""Operating the pipeline: every long-running process serves metrics that move while articles flow, lag
drops to 0, and `newswatch status` says when a process is dead or a group is falling behind."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest

from pipeline.measure.localsite import FeedSite
from prometheus_client.parser import text_string_to_metric_families
from tests.support import SEED, Proc, free_port, newswatch, poll, settings_for

pytestmark = pytest.mark.e2e


def _scrape(port: int) -> dict[str, float]:
    """`name{label=value,...}` -> value (the labels sorted)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for smp in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(smp.labels.items()))
            out[f"{smp.name}{{{labels}}}"] = smp.value
    return out


def _value(port: int, name: str, **labels: str) -> float:
    try:
        metrics = _scrape(port)
    except OSError:
        return -1.0
    key = f"{name}{{{','.join(f'{k}={v}' for k, v in sorted(labels.items()))}}}"
    return metrics.get(key, 0.0)


def test_metrics_move_lag_drains_and_status_names_what_needs_a_person(
    env: dict[str, str], procs: Callable[..., Proc], site: FeedSite, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in ("worker", "indexer", "alerts", "feeds")}
    env = {**env, **{f"NEWSWATCH_METRICS_PORT_{k.upper()}": str(v) for k, v in ports.items()},
           "NEWSWATCH_ENRICH_PROCESSES": "1", "NEWSWATCH_FEEDS_FILE": str(tmp_path / "feeds.toml"),
           "NEWSWATCH_STATE_DIR": str(tmp_path / "state"), "NEWSWATCH_STATUS_MAX_LAG": "0"}
    site.feeds = {"/news.xml": ("rss2", [1, 2, 3])}
    assert newswatch(["feeds", "add", site.url("/news.xml"), "--name", "local", "--interval", "1h"], env).returncode == 0
    assert newswatch(["rules", "add", "floods", "flood*", "--file", "floods.jsonl"], env).returncode == 0
    worker, indexer = procs(["worker"], env), procs(["index"], env)
    deliverer, poller = procs(["alerts", "run"], env), procs(["feeds", "run"], env)

    folder = tmp_path / "in"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(20):
        (folder / f"{i}.json").write_text(json.dumps({"title": f"Floods report {i}", "body": f"Floods in Dhaka. {text}",
                                                      "url": f"https://example.org/op/{i}"}))
    (folder / "bad.json").write_text('{"title": "no body"}')
    assert newswatch(["produce", str(folder)], env).returncode == 0

    s = settings_for(env)
    poll(lambda: worker.alive() and indexer.alive() and deliverer.alive() and poller.alive()
         and _value(ports["worker"], "newswatch_articles_total", stage="enrich", outcome="out") >= 23
         and _value(ports["indexer"], "newswatch_articles_total", stage="index", outcome="out") >= 23
         and _value(ports["alerts"], "newswatch_articles_total", stage="alert", outcome="in") >= 20
         and _value(ports["feeds"], "newswatch_feed_polls_total", feed="local", status="new") >= 1,
         timeout=300, what="every process's counters to move")
    worker_metrics = _scrape(ports["worker"])
    assert worker_metrics["newswatch_enrich_batch_seconds_count{}"] > 0
    assert worker_metrics["process_resident_memory_bytes{}"] > 10_000_000
    assert worker_metrics["newswatch_rules{stage=match}"] == 1  # the rules topic read: the one rule
    assert _value(ports["indexer"], "newswatch_produce_to_searchable_seconds_count") >= 23
    assert _value(ports["alerts"], "newswatch_produce_to_alert_seconds_count") >= 20
    assert _value(ports["feeds"], "newswatch_feed_items_total", feed="local", outcome="produced") == 3

    from pipeline.clients.kafka import group_lag

    poll(lambda: not any(group_lag(s, s.indexer_group, [s.topic_enriched]).values())
         and not any(group_lag(s, s.alerts_group, [s.topic_alerts]).values()), timeout=120, what="lag to drop to 0")
    poll(lambda: _value(ports["indexer"], "newswatch_consumer_lag", group=s.indexer_group, topic=s.topic_enriched,
                        partition="0") == 0, timeout=60, what="the exported lag gauge at 0")
    healthy = newswatch(["status", "--json"], env)
    report = json.loads(healthy.stdout)
    assert healthy.returncode == 0 and report["ok"], report["problems"]
    assert {p["name"]: p["up"] for p in report["processes"]} == {"kafka": True, "elasticsearch": True, "worker": True,
                                                                 "indexer": True, "alerts": True, "feeds": True}
    assert report["dead_letters_last_hour"].get("produce") == 1

    deliverer.kill()  # dead
    os.killpg(indexer.p.pid, signal.SIGSTOP)  # paused: its group falls behind
    try:
        for i in range(3):
            (folder / f"more-{i}.json").write_text(json.dumps({"title": f"More {i}", "body": "More floods in Dhaka.",
                                                               "url": f"https://example.org/more/{i}"}))
            assert newswatch(["produce", str(folder / f"more-{i}.json")], env).returncode == 0
        poll(lambda: group_lag(s, s.indexer_group, [s.topic_enriched]) and
             sum(group_lag(s, s.indexer_group, [s.topic_enriched]).values()) >= 3, timeout=120,
             what="the indexer's group to fall behind")
        bad = newswatch(["status", "--json"], env)
        report = json.loads(bad.stdout)
        assert bad.returncode == 1 and not report["ok"]
        procs_by_name: dict[str, Any] = {p["name"]: p for p in report["processes"]}
        assert not procs_by_name["alerts"]["up"] and "not running" in procs_by_name["alerts"]["detail"]
        assert not procs_by_name["indexer"]["up"] and "not responding" in procs_by_name["indexer"]["detail"]
        assert any("alerts is down" in p for p in report["problems"])
        assert any(s.indexer_group in p and "behind" in p for p in report["problems"])
        text_view = newswatch(["status"], env)
        assert text_view.returncode == 1 and "problem" in text_view.stdout
    finally:
        os.killpg(indexer.p.pid, signal.SIGCONT)


def test_a_dead_letter_replayed_after_the_fix_is_indexed_once(
    env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path
) -> None:
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import group_lag
    from schemas import RawArticle

    raw = {"title": "Long report", "body": "Floods in Dhaka, Bangladesh. " * 20, "url": "https://example.org/long"}
    article_id = RawArticle.from_payload(raw).id
    (tmp_path / "long.json").write_text(json.dumps(raw))
    too_strict = {**env, "NEWSWATCH_MAX_ARTICLE_BYTES": "100"}  # the cause: a limit set too low
    sent = json.loads(newswatch(["produce", str(tmp_path / "long.json"), "--json"], too_strict).stdout)
    assert sent["rejected"] == 1 and sent["sent"] == 0

    listed = json.loads(newswatch(["dlq", "list", "--stage", "produce", "--json"], env).stdout)
    assert len(listed) == 1 and "over the limit" in listed[0]["reason"]
    shown = newswatch(["dlq", "show", listed[0]["ref"], "--json"], env)
    assert json.loads(shown.stdout)["payload"] == json.dumps(raw)  # the file's text, as it was
    stats = json.loads(newswatch(["dlq", "stats", "--since", "1h", "--json"], env).stdout)
    assert stats["total"] == 1 and stats["by_reason"] == {"produce/too_large": 1}

    worker, indexer = procs(["worker"], env), procs(["index"], env)  # the fix: the default limit
    s = settings_for(env)
    es = make_es(s)

    def indexed() -> int:
        if not es.indices.exists_alias(name=s.es_alias):
            return 0
        es.indices.refresh(index=s.es_alias)
        return int(es.count(index=s.es_alias, query={"ids": {"values": [article_id]}})["count"])

    for attempt in range(2):  # replayed twice: still one document
        replay = newswatch(["dlq", "replay", "--stage", "produce", "--json"], env)
        assert replay.returncode == 0 and json.loads(replay.stdout)["replayed"] == {"produce": 1}, replay.stderr
        poll(lambda: worker.alive() and indexer.alive() and indexed() == 1
             and not any(group_lag(s, s.indexer_group, [s.topic_enriched]).values())
             and not any(group_lag(s, s.worker_group, [s.topic_raw]).values()), timeout=180,
             what=f"the replayed article indexed (replay {attempt + 1})")
    assert int(es.count(index=s.es_alias)["count"]) == 1

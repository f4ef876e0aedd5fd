"""The whole pipeline as processes: `newswatch produce` -> Kafka -> Faust worker -> indexer -> Elasticsearch."""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path
from typing import Any, Callable

import pytest
from elasticsearch import Elasticsearch

from deploy.local.processes import pid_alive
from tests.support import SEED, PacedProducer, Proc, newswatch, poll, read_topic, settings_for

pytestmark = pytest.mark.e2e


def _es(env: dict[str, str]) -> Elasticsearch:
    from pipeline.clients.elasticsearch import make_es

    return make_es(settings_for(env))


def _count(es: Elasticsearch, alias: str) -> int:
    if not es.indices.exists_alias(name=alias):
        return 0
    es.indices.refresh(index=alias)
    return int(es.count(index=alias)["count"])


def _start_pipeline(procs: Callable[..., Proc], env: dict[str, str]) -> tuple[Proc, Proc]:
    return procs(["worker"], env), procs(["index"], env)


def test_seed_article_end_to_end(env: dict[str, str], procs: Callable[..., Proc]) -> None:
    worker, indexer = _start_pipeline(procs, env)
    out = newswatch(["produce", str(SEED), "--source", "seeds", "--json"], env)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["sent"] == 1 and summary["rejected"] == 0
    [article_id] = summary["ids"]

    es = _es(env)
    alias = env["NEWSWATCH_ES_ALIAS"]
    poll(lambda: worker.alive() and indexer.alive() and _count(es, alias) == 1, timeout=180,
         what="the seed in Elasticsearch")
    doc: dict[str, Any] = es.get(index=alias, id=article_id)["_source"]
    assert {"JP", "RU", "UA", "US", "GB"} <= set(doc["countries"])
    assert {"Eastern Asia", "Eastern Europe", "Europe", "Asia"} <= set(doc["regions"])
    assert "Ria Novosti" in doc["organizations"]
    assert [o for o in doc["organizations"] if "Ministry of Defense" in o] == ["Japanese Ministry of Defense"]
    assert doc["id"] == article_id and doc["source"] == "seeds"

    found = newswatch(["search", "Kharkiv", "--json"], env)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["total"] == 1 and result["hits"][0]["id"] == article_id
    assert any("<em>Kharkiv</em>" in h for h in result["hits"][0]["highlights"])
    assert ["UA", 1] in result["facets"]["countries"]


def test_malformed_lines_go_to_dlq_and_the_rest_is_indexed(
    env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path
) -> None:
    worker, indexer = _start_pipeline(procs, env)
    lines = [json.dumps({"title": f"Story {i}", "body": f"Flooding in Bangladesh, report {i}.", "source": "t"})
             for i in range(4)]
    lines.insert(2, '{"title": "broken", "body": ')
    lines.append(json.dumps({"title": "No body", "body": "   "}))
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join(lines) + "\n")

    out = newswatch(["produce", str(f)], env)
    assert out.returncode == 0, out.stderr
    assert "sent 4" in out.stderr and "rejected 2" in out.stderr
    assert "mixed.jsonl:3" in out.stderr and "not JSON" in out.stderr
    assert "mixed.jsonl:6" in out.stderr and "body is empty" in out.stderr

    es = _es(env)
    poll(lambda: worker.alive() and indexer.alive() and _count(es, env["NEWSWATCH_ES_ALIAS"]) == 4, timeout=180,
         what="the 4 valid articles indexed")
    dlq = read_topic(settings_for(env), env["NEWSWATCH_TOPIC_DLQ"], expect=2)
    assert sorted(d["source"].rsplit(":", 1)[1] for d in dlq) == ["3", "6"]
    hits = es.search(index=env["NEWSWATCH_ES_ALIAS"], query={"match": {"body": "Bangladesh"}})["hits"]["hits"]
    assert {h["_source"]["countries"][0] for h in hits} == {"BD"}


def _articles(n: int) -> list[dict[str, str]]:
    """Distinct, realistic-length articles: the seed's sentences reshuffled, with distinct headlines."""
    sentences = [s for s in SEED.read_text(encoding="utf-8").splitlines() if s.strip()]
    cities = ["Kyiv", "Tokyo", "Moscow", "London", "Washington", "Kharkiv", "Osaka", "Warsaw", "Berlin", "Paris"]
    rng = random.Random(7)
    out = []
    for i in range(n):
        body = sentences[:]
        rng.shuffle(body)
        city = cities[i % len(cities)]
        text = f"{city.upper()}, March {1 + i % 28} - Dispatch {i} from {city}.\n" + "\n".join(body)
        out.append({"title": f"Dispatch {i} from {city}", "body": text, "source": "kill-test",
                    "url": f"https://news.example.org/dispatch/{i}"})
    return out


@pytest.mark.slow
def test_sigkill_of_the_worker_loses_and_doubles_nothing(
    env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path
) -> None:
    # 150 (was 400: the NER of 250 more articles, a minute of CPU on a loaded machine): the kill lands after
    # 24 are indexed, with over a hundred still to enrich, batches in flight and offsets uncommitted
    total = 150
    env = {**env, "NEWSWATCH_ENRICH_PROCESSES": "1", "NEWSWATCH_ENRICH_BATCH_SIZE": "8"}
    f = tmp_path / "many.jsonl"
    f.write_text("\n".join(json.dumps(a) for a in _articles(total)) + "\n")
    out = newswatch(["produce", str(f), "--json"], env)
    assert out.returncode == 0, out.stderr
    sent = json.loads(out.stdout)
    assert sent["sent"] == total and len(set(sent["ids"])) == total

    es = _es(env)
    alias = env["NEWSWATCH_ES_ALIAS"]
    worker = procs(["worker"], env)
    indexer = procs(["index"], env)
    poll(lambda: worker.alive() and indexer.alive() and _count(es, alias) >= 24, timeout=180,
         what="the first articles indexed")
    worker.kill(signal.SIGKILL)
    at_kill = _count(es, alias)
    assert at_kill < total, "the worker finished before it could be killed: the test proves nothing"

    restarted = procs(["worker"], env)
    poll(lambda: restarted.alive() and indexer.alive() and _count(es, alias) >= total, timeout=600,
         what=f"all {total} articles after the restart")
    assert _count(es, alias) == total
    ids = {h["_id"] for h in es.search(index=alias, size=total + 10, query={"match_all": {}}, _source=False)["hits"]["hits"]}  # type: ignore[call-arg]  # the client maps _source
    assert ids == set(sent["ids"])


@pytest.mark.slow
def test_a_worker_started_while_articles_arrive_loses_none_and_commits_every_partition(
    env: dict[str, str], procs: Callable[..., Proc]
) -> None:
    """Records the fetcher takes while Faust has the flow suspended (start-up, table recovery, any
    rebalance) are dropped by Faust yet marked read: without the seek back after the rebalance, a fetch per
    partition went missing and that partition's commits stopped for good."""
    from pipeline.clients.kafka import group_lag

    env = {**env, "NEWSWATCH_TOPIC_PARTITIONS": "4"}
    s = settings_for(env)
    es = _es(env)
    alias = env["NEWSWATCH_ES_ALIAS"]
    # a frequency rule: its counts live in a Faust table, so the restart also recovers a changelog
    assert newswatch(["rules", "add", "floods", "Dhaka", "--frequency", "1000000", "--within", "1h",
                      "--file", "floods.jsonl"], env).returncode == 0
    first = PacedProducer(s, "before", 100, per_s=1000)
    worker, indexer = _start_pipeline(procs, env)
    poll(lambda: first.done() and _count(es, alias) >= 100, timeout=180, what="a first 100 articles indexed")
    worker.kill(signal.SIGTERM)  # the group has committed offsets now: the restart seeks to them
    total = 1000  # ten seconds: across the worker's whole start (2,000 at 200/s cost twice the CPU, no more start)
    load = PacedProducer(s, "startup", total, per_s=100)
    worker = procs(["worker"], env)
    poll(load.done, timeout=120, what="every article sent")
    assert load.publisher.summary.sent == total
    total += 100
    poll(lambda: worker.alive() and indexer.alive() and _count(es, alias) >= total, timeout=600,
         what=f"all {total} articles indexed")
    poll(lambda: not any(group_lag(s, s.worker_group, [s.topic_raw]).values()), timeout=60,
         what="the worker committed every partition to its end")
    ids = {h["_id"] for h in es.search(index=alias, size=total + 10, query={"match_all": {}}, _source=False)["hits"]["hits"]}  # type: ignore[call-arg]  # the client maps _source
    assert ids == load.ids() | first.ids()


def test_poison_written_straight_to_the_raw_topic_costs_only_itself(
    env: dict[str, str], procs: Callable[..., Proc]
) -> None:
    """Records no producer of ours would send, inside the batches of valid ones: each valid article is
    indexed, each poison record is dead-lettered with its reason, and the worker never restarts."""
    from pipeline.clients.kafka import ensure_topics, make_producer

    s = settings_for(env)
    ensure_topics(s)
    env = {**env, "NEWSWATCH_ENRICH_PROCESSES": "1", "NEWSWATCH_ENRICH_BATCH_SIZE": "16"}
    poison = [b"[" * 100_000 + b"]" * 100_000, b'{"title": "t", "body": "b", "n": ' + b"7" * 5000 + b"}",
              b'{"title": "\xff", "body": "b"}', b"not json at all", b'{"title": "t", "body": ""}']
    valid = [json.dumps({"title": f"Report {i}", "body": f"Flooding in Bangladesh, report {i}.", "source": "t",
                         "url": f"https://example.org/poison/{i}"}).encode() for i in range(10)]
    producer = make_producer(s)
    for i, v in enumerate(valid):  # two valid records around each poison one, all in one batch
        producer.send(s.topic_raw, key=f"v{i}", value=v)
        if i % 2 and i // 2 < len(poison):
            producer.send(s.topic_raw, key=f"p{i // 2}", value=poison[i // 2])
    producer.flush()
    producer.close()

    worker, indexer = _start_pipeline(procs, env)
    es = _es(env)
    poll(lambda: worker.alive() and indexer.alive() and _count(es, env["NEWSWATCH_ES_ALIAS"]) == len(valid),
         timeout=180, what="every valid article indexed")
    dlq = read_topic(s, s.topic_dlq, expect=len(poison))
    reasons = {d["key"]: d["reason"] for d in dlq}
    assert sorted(reasons) == [f"p{i}" for i in range(len(poison))]
    assert all(d["stage"] == "enrich" for d in dlq)
    assert "nested" in reasons["p0"] and "digits" in reasons["p1"] and "UTF-8" in reasons["p2"]
    assert "body is empty" in reasons["p4"]
    assert "Traceback" not in worker.log() and "restart" not in worker.log().lower()


def _children(pid: int, marker: str) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and marker in cmdline:
            out.append(int(stat.parent.name))
    return out


def test_a_killed_worker_takes_its_enrichment_processes_with_it(
    env: dict[str, str], procs: Callable[..., Proc]
) -> None:
    worker = procs(["worker"], {**env, "NEWSWATCH_ENRICH_PROCESSES": "2"})
    poll(lambda: worker.alive() and "enrichment pool ready" in worker.log(), timeout=180,
         what="the enrichment pool warmed up")
    children = _children(worker.p.pid, "spawn_main")
    assert len(children) == 2, children
    os.kill(worker.p.pid, signal.SIGKILL)  # the worker alone, as the OOM killer would: not its group
    worker.p.wait(timeout=30)
    poll(lambda: not any(pid_alive(c) for c in children), timeout=30, what="the pool's processes to exit")

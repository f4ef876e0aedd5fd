"""Scale-out, proven on one machine: three KRaft brokers and three Elasticsearch nodes (the same servers
the local stack runs), two workers and two indexers; a broker and a node SIGKILLed mid-stream, a worker
added and one killed. Every article ends up searchable exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from typing import Any, Callable

import pytest

from deploy.local.java import find_java
from deploy.local.processes import group_alive, port_open
from deploy.local.stack import LocalStack
from pipeline.settings import Settings
from tests.support import ROOT, PacedProducer, Proc, poll

# under xdist the module runs in one worker, beside the rest of the suite (tests/conftest.py)
pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster(stack: Any) -> Iterator[LocalStack]:
    s = Settings(state_dir=ROOT / ".newswatch-cluster", stack_cache_dir=stack.cache, stack_kafka_brokers=3,
                 stack_es_nodes=3, stack_kafka_port=19092, stack_kafka_controller_port=19093, stack_es_port=19200,
                 stack_start_timeout_s=300,
                 # C1 only: six JVMs start at once on two cores, then carry a light load (see settings.py)
                 stack_java_opts="-XX:TieredStopAtLevel=1")
    st = LocalStack(s, log=lambda m: print(f"[cluster] {m}"))
    st.up()
    yield st
    _kill_and_clear(st)


def _kill_and_clear(st: LocalStack) -> None:
    """The cluster's end: nothing in it needs a clean stop (each test deleted its topics and indices), so
    every server is SIGKILLed at once, not stopped one after another (over a minute), and its data
    cleared: the next run starts from empty folders, as a fresh clone does. The logs stay."""
    servers = [*st.kafka_nodes, *st.es_nodes]
    pids = [pid for srv in servers if (pid := srv.pid()) is not None]
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def gone() -> bool:
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)  # ours (started by this process): reap, or it stays a zombie
            except ChildProcessError:
                pass
        return not any(group_alive(pid) for pid in pids)

    poll(gone, timeout=60, what="the cluster's servers to exit")
    for srv in servers:
        srv.pid_file.unlink(missing_ok=True)
    for i in range(1, len(st.kafka_nodes) + 1):
        shutil.rmtree(st._kafka_dir(i), ignore_errors=True)
    for i in range(1, len(st.es_nodes) + 1):
        shutil.rmtree(st._es_dir(i), ignore_errors=True)
    (st.root / "kafka-cluster-id").unlink(missing_ok=True)


@pytest.fixture()
def cenv(cluster: LocalStack, tmp_path: Any) -> Iterator[dict[str, str]]:
    sfx = uuid.uuid4().hex[:8]
    e = {**cluster.client_env(), "NEWSWATCH_TOPIC_PARTITIONS": "4", "NEWSWATCH_ENRICH_PROCESSES": "1",
         "NEWSWATCH_TOPIC_RAW": f"c{sfx}.raw", "NEWSWATCH_TOPIC_ENRICHED": f"c{sfx}.enriched",
         "NEWSWATCH_TOPIC_DLQ": f"c{sfx}.dlq", "NEWSWATCH_TOPIC_ALERTS": f"c{sfx}.alerts",
         "NEWSWATCH_TOPIC_RULES": f"c{sfx}.rules", "NEWSWATCH_TOPIC_RULE_HITS": f"c{sfx}.hits",
         "NEWSWATCH_WORKER_GROUP": f"c{sfx}-worker", "NEWSWATCH_INDEXER_GROUP": f"c{sfx}-indexer",
         "NEWSWATCH_ES_ALIAS": f"c{sfx}-news-articles", "NEWSWATCH_ES_INDEX": f"c{sfx}-news-articles-v1",
         "NEWSWATCH_STATE_DIR": str(tmp_path / "state"), "NEWSWATCH_SESSION_TIMEOUT_S": "6",
         **{f"NEWSWATCH_METRICS_PORT_{p}": "0" for p in ("WORKER", "INDEXER", "ALERTS", "FEEDS")}}
    yield e
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import make_admin

    s = _settings(e)
    es = make_es(s)
    for name in es.options(ignore_status=404).indices.get(index=f"c{sfx}-*"):
        es.options(ignore_status=404).indices.delete(index=name)
    admin = make_admin(s)
    try:
        admin.delete_topics([t for t in admin.list_topics() if t.startswith(f"c{sfx}")])
    finally:
        admin.close()


def _settings(env: dict[str, str]) -> Settings:
    keys: dict[str, Any] = {k[len("NEWSWATCH_"):].lower(): v for k, v in env.items() if k.startswith("NEWSWATCH_")}
    return Settings(**keys)


def _sigkill(server: Any, port: int) -> None:
    """SIGKILL the server's whole process group; dead means its port is closed too (a JVM under load
    can take a while to be torn down after its launcher is gone)."""
    pid = server.pid()
    assert pid is not None, f"{server.name} is not running"
    os.killpg(pid, signal.SIGKILL)
    poll(lambda: server.pid() is None and not port_open(port), timeout=60, what=f"{server.name} to die")


def _searchable(s: Settings, ids: set[str]) -> int:
    from pipeline.clients.elasticsearch import make_es

    es = make_es(s)
    if not es.indices.exists_alias(name=s.es_alias):
        return 0
    es.indices.refresh(index=s.es_alias)
    return int(es.count(index=s.es_alias, query={"ids": {"values": sorted(ids)}})["count"])


def _total(s: Settings) -> int:
    """Every document under the alias: with the articles all found, anything more would be a double."""
    from pipeline.clients.elasticsearch import make_es

    es = make_es(s)
    es.indices.refresh(index=s.es_alias)
    return int(es.count(index=s.es_alias)["count"])


def test_a_broker_and_a_node_killed_mid_stream_lose_and_double_nothing(
    cluster: LocalStack, cenv: dict[str, str], procs: Callable[..., Proc]
) -> None:
    from pipeline.clients.kafka import group_lag

    s = _settings(cenv)
    workers = [procs(["worker"], cenv) for _ in range(2)]
    indexers = [procs(["index"], cenv) for _ in range(2)]
    load = PacedProducer(s, "a", 2000, per_s=40)
    poll(lambda: load.sent >= 500, timeout=120, what="500 articles sent")
    _sigkill(cluster.kafka_nodes[1], cluster.kafka_port(2))  # a broker dies mid-stream
    poll(lambda: load.sent >= 900, timeout=120, what="900 articles sent with a broker down")
    cluster.start_kafka(find_java(cluster.s, min_major=17, log=print), 2)
    poll(cluster.kafka_healthy, timeout=120, what="the broker back in the cluster")
    poll(lambda: load.sent >= 1300, timeout=120, what="1,300 articles sent")
    _sigkill(cluster.es_nodes[2], cluster.es_port(3))  # a data node dies; two master-eligible nodes remain
    poll(lambda: load.sent >= 1700, timeout=120, what="1,700 articles sent with a node down")
    cluster.start_es(find_java(cluster.s, min_major=21, log=print), 3)
    poll(load.done, timeout=180, what="every article sent")
    ids = load.ids()
    assert load.publisher.summary.failed == 0 and load.publisher.summary.sent == 2000
    poll(lambda: all(w.alive() for w in workers + indexers) and _searchable(s, ids) == 2000, timeout=600,
         what="all 2,000 articles searchable")
    poll(lambda: cluster.es_health() == "green", timeout=300, what="the cluster back to green")
    poll(lambda: not any(group_lag(s, s.worker_group, [s.topic_raw]).values()), timeout=120,
         what="every partition committed to its end")
    assert _searchable(s, ids) == 2000 and _total(s) == 2000


def test_a_worker_joins_and_one_is_killed_and_the_group_keeps_every_article_once(
    cluster: LocalStack, cenv: dict[str, str], procs: Callable[..., Proc]
) -> None:
    from pipeline.clients.kafka import group_lag

    s = _settings(cenv)
    workers = [procs(["worker"], cenv) for _ in range(2)]
    indexer = procs(["index"], cenv)
    load = PacedProducer(s, "b", 1000, per_s=40)
    poll(lambda: load.sent >= 300, timeout=120, what="300 articles sent")
    workers.append(procs(["worker"], cenv))  # a third joins: the group rebalances
    poll(lambda: load.sent >= 600, timeout=120, what="600 articles sent")
    workers[0].kill()  # SIGKILL one of the first two
    poll(load.done, timeout=180, what="every article sent")
    ids = load.ids()
    poll(lambda: all(w.alive() for w in workers[1:]) and indexer.alive() and _searchable(s, ids) == 1000,
         timeout=600, what="all 1,000 articles searchable")
    poll(lambda: not any(group_lag(s, s.worker_group, [s.topic_raw]).values())
         and not any(group_lag(s, s.indexer_group, [s.topic_enriched]).values()), timeout=120, what="lag back to 0")
    assert len(ids) == 1000 and _total(s) == 1000  # every article once

"""Fixtures only; the helpers tests share live in `tests/support`."""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy.local.processes import group_alive
from tests.support import SEED, Proc


@pytest.fixture(scope="session")
def seed_raw() -> dict[str, str]:
    """The seed article as `newswatch produce` reads a .txt file."""
    text = SEED.read_text(encoding="utf-8")
    title = next(line.strip() for line in text.splitlines() if line.strip())
    return {"title": title, "body": text, "source": "seeds"}


# --- real servers: the local stack, started once per session -----------------------------------------


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The local stack, started unless it runs. Under xdist every worker process asks: a lock lets one
    start it and the others find it up; the controller stops it after the last worker (`pytest_sessionfinish`)."""
    from deploy.local.stack import LocalStack
    from pipeline.settings import Settings

    st = LocalStack(Settings(), log=lambda m: print(f"[stack] {m}", file=sys.stderr))
    st.root.mkdir(parents=True, exist_ok=True)
    with open(st.root / "tests-stack.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = not (st.kafka_healthy() and st.es_healthy())
        st.up()
    workeroutput = getattr(request.config, "workeroutput", None)
    if workeroutput is not None and started:
        workeroutput["started_stack"] = True  # the controller stops it (pytest_testnodedown)
    yield st
    if started and workeroutput is None:
        st.down()


_STARTED_BY_A_WORKER: list[bool] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist, in the controller: a worker that started the stack says so when it ends."""
    if getattr(node, "workeroutput", {}).get("started_stack"):
        _STARTED_BY_A_WORKER.append(True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _STARTED_BY_A_WORKER and not hasattr(session.config, "workerinput"):
        from deploy.local.stack import LocalStack
        from pipeline.settings import Settings

        LocalStack(Settings(), log=lambda m: print(f"[stack] {m}", file=sys.stderr)).down()


@pytest.fixture()
def env(stack: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for one test: its own topics, consumer groups and index, so tests never see each other."""
    from elasticsearch import Elasticsearch

    sfx = uuid.uuid4().hex[:8]
    e = {
        **os.environ,
        "NEWSWATCH_TOPIC_RAW": f"t{sfx}.articles.raw",
        "NEWSWATCH_TOPIC_ENRICHED": f"t{sfx}.articles.enriched",
        "NEWSWATCH_TOPIC_DLQ": f"t{sfx}.articles.dlq",
        "NEWSWATCH_TOPIC_ALERTS": f"t{sfx}.alerts",
        "NEWSWATCH_TOPIC_RULES": f"t{sfx}.alert-rules",
        "NEWSWATCH_TOPIC_RULE_HITS": f"t{sfx}.alert-rule-hits",
        "NEWSWATCH_ALERTS_GROUP": f"t{sfx}-alerts",
        "NEWSWATCH_ES_ALERTS_ALIAS": f"t{sfx}-news-alerts",
        "NEWSWATCH_ES_ALERTS_INDEX": f"t{sfx}-news-alerts-v1",
        "NEWSWATCH_TOPIC_PARTITIONS": "2",
        "NEWSWATCH_WORKER_GROUP": f"t{sfx}-worker",
        "NEWSWATCH_INDEXER_GROUP": f"t{sfx}-indexer",
        "NEWSWATCH_ES_ALIAS": f"t{sfx}-news-articles",
        "NEWSWATCH_ES_INDEX": f"t{sfx}-news-articles-v1",
        "NEWSWATCH_SESSION_TIMEOUT_S": "6",
        # no fixed ports: tests run side by side (xdist) and beside `make run`'s pipeline; a test that
        # reads a metrics endpoint or opens the console picks a free port of its own
        **{f"NEWSWATCH_METRICS_PORT_{p}": "0" for p in ("WORKER", "INDEXER", "ALERTS", "FEEDS")},
        "NEWSWATCH_CONSOLE_PORT": "0",
        # one enrichment process per worker (each loads the ~450 MB model): on a 2-core machine a second one
        # only competes with the first and with the other processes; the tests that need two say so
        "NEWSWATCH_ENRICH_PROCESSES": "1",
        # the tests' webhooks listen on 127.0.0.1, which only the allow-list opens; files go under tmp
        "NEWSWATCH_ALERTS_ALLOW_TARGETS": "127.0.0.1",
        "NEWSWATCH_ALERTS_DIR": str(tmp_path / "alerts"),
        "PYTHONUNBUFFERED": "1",
    }
    yield e
    es = Elasticsearch(f"http://127.0.0.1:{stack.s.stack_es_port}")
    # the monthly indices by name (a wildcard delete is refused by default)
    for name in es.options(ignore_status=404).indices.get(index=e["NEWSWATCH_ES_INDEX"] + "*"):
        es.options(ignore_status=404).indices.delete(index=name)
    es.options(ignore_status=404).indices.delete_index_template(name=e["NEWSWATCH_ES_ALIAS"])
    es.options(ignore_status=404).indices.delete(index=e["NEWSWATCH_ES_ALERTS_INDEX"])
    es.options(ignore_status=404).indices.delete_index_template(name=e["NEWSWATCH_ES_ALERTS_ALIAS"])
    _delete_topics(stack.s, prefix=f"t{sfx}")  # the test's own and Faust's (changelogs): Kafka's disk stays small


def _delete_topics(s: Any, *, prefix: str) -> None:
    from pipeline.clients.kafka import make_admin

    admin = make_admin(s)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    except Exception as exc:  # noqa: BLE001 - cleanup: never the reason a test fails
        print(f"[cleanup] topics {prefix}*: {exc}", file=sys.stderr)
    finally:
        admin.close()


@pytest.fixture()
def procs(tmp_path: Path, env: dict[str, str]) -> Iterator[Callable[..., Proc]]:
    """Start pipeline commands as processes; whatever is still running is stopped after the test (before
    `env` deletes the test's topics and indices: it depends on `env` for that order)."""
    started: list[Proc] = []

    def start(args: list[str], env: dict[str, str]) -> Proc:
        p = Proc(args, env, tmp_path / f"{args[0]}-{len(started)}.log")
        started.append(p)
        return p

    yield start
    for p in started:
        if p.p.poll() is None or group_alive(p.p.pid):
            p.kill(signal.SIGTERM)


@pytest.fixture()
def site() -> Iterator[Any]:
    """A local news site with feeds and article pages (see pipeline/measure/localsite.py)."""
    from pipeline.measure.localsite import FeedSite

    s = FeedSite()
    yield s
    s.close()


# --- scheduling under xdist (`make test`: -n N) ------------------------------------------------------

# the folders in the order their tests are handed out: the cluster first (minutes of servers), then the
# integration modules (handed out whole: a minute each for the query corpora), then the e2e tests one by
# one, the unit modules last: the short ones fill the gaps at the end
_FOLDER_ORDER = ("cluster", "integration", "e2e", "unit")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heaviest first: the cluster's tests, then the modules holding a test marked `slow` (those tests
    first), then by folder (`_FOLDER_ORDER`); a module's tests stay together (its module-scoped fixtures
    are built once)."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}

    def order(item: pytest.Item) -> tuple[bool, bool, int, str, bool]:
        folder = item.path.parent.name
        return (folder != "cluster", item.path not in slow,
                _FOLDER_ORDER.index(folder) if folder in _FOLDER_ORDER else len(_FOLDER_ORDER),
                str(item.path), not item.get_closest_marker("slow"))  # in a module: its slow tests first

    items.sort(key=order)  # stable: collection order within each module otherwise


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist, in the controller: e2e tests are handed out one by one (each is a minute of processes and
    waiting); every other module goes to one worker whole, so its module-scoped fixtures (the cluster, the
    query-index corpora) are built once. In the order collected: no reordering by size."""
    from xdist.scheduler import LoadScopeScheduling

    class ByModuleButE2e(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if module.startswith("tests/e2e/") else module

        def _reschedule(self, node: Any) -> None:
            """More work only when the worker is on its last test (xdist's default keeps two queued): a
            test queued behind the cluster's minutes would wait there while other workers go idle."""
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) <= 1:
                self._assign_work_unit(node)

    config.option.loadscopereorder = False
    return ByModuleButE2e(config, log)

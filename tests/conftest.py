from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_0ea0a3bceccc22c1.txt"


@pytest.fixture(scope="session")
def seed_raw() -> dict[str, str]:
    """The seed article as `newswatch produce` reads a .txt file."""
    text = SEED.read_text(encoding="utf-8")
    title = next(line.strip() for line in text.splitlines() if line.strip())
    return {"title": title, "body": text, "source": "seeds"}


# --- real servers: the local stack, started once per session -----------------------------------------

import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402


def poll(check: Callable[[], Any], *, timeout: float, interval: float = 0.3, what: str = "condition") -> Any:
    """Poll until `check()` is truthy; fail with `what` at the deadline. Never a bare sleep."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last value {last!r})")


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    from deploy.local.stack import LocalStack
    from pipeline.settings import Settings

    st = LocalStack(Settings(), log=lambda m: print(f"[stack] {m}", file=sys.stderr))
    started = not (st.kafka_healthy() and st.es_healthy())
    st.up()
    yield st
    if started:
        st.down()


@pytest.fixture()
def env(stack: Any) -> Iterator[dict[str, str]]:
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
        "NEWSWATCH_ALERTS_GROUP": f"t{sfx}-alerts",
        "NEWSWATCH_ES_ALERTS_ALIAS": f"t{sfx}-news-alerts",
        "NEWSWATCH_ES_ALERTS_INDEX": f"t{sfx}-news-alerts-v1",
        "NEWSWATCH_TOPIC_PARTITIONS": "2",
        "NEWSWATCH_WORKER_GROUP": f"t{sfx}-worker",
        "NEWSWATCH_INDEXER_GROUP": f"t{sfx}-indexer",
        "NEWSWATCH_ES_ALIAS": f"t{sfx}-news-articles",
        "NEWSWATCH_ES_INDEX": f"t{sfx}-news-articles-v1",
        "NEWSWATCH_SESSION_TIMEOUT_S": "6",
        "PYTHONUNBUFFERED": "1",
    }
    yield e
    es = Elasticsearch(f"http://127.0.0.1:{stack.s.stack_es_port}")
    es.options(ignore_status=404).indices.delete(index=e["NEWSWATCH_ES_INDEX"])
    es.options(ignore_status=404).indices.delete_index_template(name=e["NEWSWATCH_ES_ALIAS"])
    es.options(ignore_status=404).indices.delete(index=e["NEWSWATCH_ES_ALERTS_INDEX"])
    es.options(ignore_status=404).indices.delete_index_template(name=e["NEWSWATCH_ES_ALERTS_ALIAS"])


def settings_for(env: dict[str, str]) -> Any:
    from pipeline.settings import Settings

    return Settings(**{k[len("NEWSWATCH_"):].lower(): v for k, v in env.items() if k.startswith("NEWSWATCH_")
                       and k != "NEWSWATCH_CONFIG"})


from deploy.local.processes import group_alive  # noqa: E402


class Proc:
    """A pipeline process in its own process group, so a test can SIGKILL it and everything it spawned."""

    def __init__(self, args: list[str], env: dict[str, str], log: Any) -> None:
        self.args = args
        self.log_path = log
        self.p = subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, stdout=open(log, "ab"),
                                  stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(self.p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait(timeout=10)
        # the group may outlive its leader for a moment (pool children): wait until it is gone
        poll(lambda: not group_alive(self.p.pid), timeout=30, what=f"process group {self.p.pid} to exit")

    def log(self) -> str:
        return open(self.log_path, errors="replace").read()[-4000:]

    def alive(self) -> bool:
        """True while running; a process that died on its own fails the test at once, with its log."""
        if self.p.poll() is not None:
            raise AssertionError(f"`{' '.join(self.args)}` exited with {self.p.returncode}:\n{self.log()}")
        return True


@pytest.fixture()
def procs(tmp_path: Any) -> Iterator[Callable[..., Proc]]:
    started: list[Proc] = []

    def start(args: list[str], env: dict[str, str]) -> Proc:
        p = Proc(args, env, tmp_path / f"{args[0]}-{len(started)}.log")
        started.append(p)
        return p

    yield start
    for p in started:
        if p.p.poll() is None or group_alive(p.p.pid):
            p.kill(signal.SIGTERM)


def newswatch(args: list[str], env: dict[str, str], *, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, input=input, capture_output=True,
                          text=True, timeout=timeout)


def read_topic(settings: Any, topic: str, *, expect: int, timeout: float = 60) -> list[dict[str, Any]]:
    from pipeline.clients.kafka import make_consumer

    consumer = make_consumer(settings, topic, group_id=None, consumer_timeout_ms=500)
    got: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                got.extend(json.loads(r.value) for r in batch)
    finally:
        consumer.close()
    return got


@pytest.fixture()
def site() -> Iterator[Any]:
    """A local news site with feeds and article pages (see pipeline/measure/localsite.py)."""
    from pipeline.measure.localsite import FeedSite

    s = FeedSite()
    yield s
    s.close()

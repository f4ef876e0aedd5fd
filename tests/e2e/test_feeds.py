"""A local feed of 20 items becomes 20 searchable articles whose bodies are the pages' main text."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.support import Proc, newswatch, poll, settings_for
from pipeline.measure.localsite import FeedSite

pytestmark = pytest.mark.e2e


def test_feed_items_become_searchable_articles(
    env: dict[str, str], procs: Callable[..., Proc], site: FeedSite, tmp_path: Path
) -> None:
    from pipeline.clients.elasticsearch import make_es

    site.feeds = {"/world.xml": ("rss2", list(range(1, 21)))}
    env = {**env, "NEWSWATCH_FEEDS_FILE": str(tmp_path / "feeds.toml")}
    add = newswatch(["feeds", "add", site.url("/world.xml"), "--name", "Example World", "--interval", "1m"], env)
    assert add.returncode == 0, add.stderr
    assert "/world.xml" in newswatch(["feeds", "list"], env).stdout

    worker, indexer = procs(["worker"], env), procs(["index"], env)
    feeds_env = {**env, "NEWSWATCH_STATE_DIR": str(tmp_path / "state")}  # the poller's own exactly-once store
    run = newswatch(["feeds", "run", "--cycles", "1"], feeds_env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "20 new, 20 produced" in run.stderr

    status = newswatch(["feeds", "status", "--json"], feeds_env)
    assert '"items_produced": 20' in status.stdout

    es = make_es(settings_for(env))
    alias = env["NEWSWATCH_ES_ALIAS"]

    def count() -> int:
        if not es.indices.exists_alias(name=alias):
            return 0
        es.indices.refresh(index=alias)
        return int(es.count(index=alias)["count"])

    poll(lambda: worker.alive() and indexer.alive() and count() == 20, timeout=240, what="20 feed articles indexed")
    docs = [h["_source"] for h in es.search(index=alias, size=50, query={"match_all": {}})["hits"]["hits"]]
    for d in docs:
        n = int(d["title"].split()[-1])
        assert f"plan number {n} " in d["body"], d["body"][:200]
        assert "Teaser" not in d["body"] and "Subscribe now" not in d["body"] and "horoscopes" not in d["body"]
        assert d["url"] == f"http://{site.host}/news/{n}" and d["source"] == "Example World"
    assert {"KE", "PE", "VN", "NO"} <= {c for d in docs for c in d["countries"]}

    again = newswatch(["feeds", "run", "--cycles", "1"], feeds_env, timeout=120)  # a restart republishes nothing
    assert again.returncode == 0 and "produced" in again.stderr and "20 produced" not in again.stderr

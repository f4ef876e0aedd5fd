"""One event per happening through the real pipeline: three outlets' differently written articles about
one earthquake share an event_id (while each is its own near-duplicate story), an unrelated article of the
same hour does not, and `search --collapse` shows two events."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import Proc, newswatch, poll, settings_for
from tests.unit.test_events import QUAKE, UNRELATED

pytestmark = pytest.mark.e2e


def test_differently_written_articles_share_an_event_and_collapse(env: dict[str, str], procs: Callable[..., Proc],
                                                                   tmp_path: Path) -> None:
    from pipeline.clients.elasticsearch import make_es

    s = settings_for(env)
    articles = [{"title": d["title"], "body": d["body"], "url": f"https://outlet{i}.example/news",
                 "source": f"outlet{i}", "published_at": f"2027-03-01T10:{10 + i}:00Z"}
                for i, d in enumerate([*QUAKE, UNRELATED])]
    f = tmp_path / "events.jsonl"
    f.write_text("".join(json.dumps(a) + "\n" for a in articles))
    worker, indexer = procs(["worker"], env), procs(["index"], env)
    out = newswatch(["produce", str(f), "--json"], env)
    assert out.returncode == 0, out.stderr
    ids = json.loads(out.stdout)["ids"]
    es = make_es(s)
    alias = env["NEWSWATCH_ES_ALIAS"]

    def indexed() -> dict[str, dict]:
        if not es.indices.exists_alias(name=alias):
            return {}
        es.indices.refresh(index=alias)
        hits = es.search(index=alias, size=10, query={"ids": {"values": ids}})["hits"]["hits"]
        return {h["_id"]: h["_source"] for h in hits}

    docs = poll(lambda: worker.alive() and indexer.alive() and len(indexed()) == 4 and indexed(), timeout=180,
                what="the four articles indexed")
    quake = {docs[i]["event_id"] for i in ids[:3]}
    assert len(quake) == 1 and quake <= set(ids[:3]), [docs[i]["event_id"] for i in ids[:3]]
    assert len({docs[i]["story_id"] for i in ids[:3]}) == 3  # not copies: three stories, one event
    assert docs[ids[3]]["event_id"] == ids[3]

    found = newswatch(["search", "*", "--collapse", "--json"], env)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["total"] == 4 and result["stories"] == 2
    assert sorted(h["story_articles"] for h in result["hits"]) == [1, 3]
    assert {h["event_id"] for h in result["hits"]} == quake | {ids[3]}

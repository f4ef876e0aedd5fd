"""Proximity end to end: a rule `putin NEAR/5 zelensky` fires in the stream for the article where the two
names stand 3 words apart and not for the one where they stand 40 apart; `search` with the same query
returns exactly the first (real Kafka and Elasticsearch, the worker, the indexer and the deliverer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from pipeline.clients.elasticsearch import make_es
from tests.support import Proc, newswatch, poll, settings_for
from tests.support.webhook import Hook

pytestmark = pytest.mark.e2e
FILLER = ("the talks in the capital went on through the night while officials from both sides waited for a "
          "statement that never came and reporters gathered outside the building in the cold rain").split()


@pytest.fixture()
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def _article(gap: int, tag: str) -> dict[str, Any]:
    between = " ".join((FILLER * 3)[:gap])
    body = (f"Russian President Vladimir Putin {between} Zelensky, the Ukrainian leader, was not there. "
            f"The meeting ended late on Tuesday, officials said.")
    return {"title": f"Talks report {tag}", "body": body, "source": "seeds", "url": f"https://example.org/{tag}"}


def test_near_rule_and_search_select_the_same_article(
    env: dict[str, str], procs: Callable[..., Proc], hook: Hook, tmp_path: Path
) -> None:
    env = {**env, "NEWSWATCH_TOPIC_PARTITIONS": "1", "NEWSWATCH_ENRICH_PROCESSES": "1"}
    add = newswatch(["rules", "add", "near", "putin NEAR/5 zelensky", "--webhook", hook.url], env)
    assert add.returncode == 0, add.stderr
    assert newswatch(["rules", "add", "marker", "title:report", "--webhook", hook.url], env).returncode == 0
    worker, indexer, deliverer = procs(["worker"], env), procs(["index"], env), procs(["alerts", "run"], env)
    near, far = _article(3, "near"), _article(40, "far")
    ids = []
    for name, art in (("far", far), ("near", near)):
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(art))
        out = newswatch(["produce", str(f), "--json"], env)
        assert out.returncode == 0, out.stderr
        ids.append(str(json.loads(out.stdout)["ids"][0]))
    far_id, near_id = ids

    def fired(rule: str) -> set[str]:
        return {a["article_id"] for a in hook.alerts() if a.get("rule") == rule}

    # the marker rule fires for both: once it has, the worker has matched both articles
    poll(lambda: worker.alive() and deliverer.alive() and fired("marker") == {far_id, near_id}, timeout=240,
         what="both articles matched")
    poll(lambda: fired("near") == {near_id}, timeout=30, what="the NEAR rule's alert")
    assert fired("near") == {near_id}  # and never the far one

    es = make_es(settings_for(env))
    alias = env["NEWSWATCH_ES_ALIAS"]

    def indexed() -> int:
        if not es.indices.exists_alias(name=alias):
            return 0
        es.indices.refresh(index=alias)
        return int(es.count(index=alias)["count"])

    poll(lambda: indexer.alive() and indexed() == 2, timeout=120, what="both articles indexed")
    found = newswatch(["search", "putin NEAR/5 zelensky", "--json"], env)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert [h["id"] for h in result["hits"]] == [near_id] and result["total"] == 1
    wider = json.loads(newswatch(["search", "putin NEAR/45 zelensky", "--json"], env).stdout)
    assert {h["id"] for h in wider["hits"]} == {near_id, far_id}  # the far one is there, only further apart

    # rules test --explain: the rule's hits, and for each which terms matched and at which words
    explained = newswatch(["rules", "test", "near", "--explain", "--json"], env)
    assert explained.returncode == 0, explained.stderr
    data = json.loads(explained.stdout)
    assert [h["id"] for h in data["hits"]] == [near_id]
    top, putin, zelensky = data["explain"][near_id][:3]
    assert top["matched"] and top["term"] == "(putin NEAR/5 zelensky)"
    assert top["where"][0]["field"] == "body" and top["where"][0]["last"] - top["where"][0]["first"] == 4
    assert putin["term"] == "putin" and zelensky["term"] == "zelensky" and putin["matched"] and zelensky["matched"]
    text = newswatch(["rules", "test", "near", "--explain"], env).stdout
    assert "yes  (putin NEAR/5 zelensky)" in text and "body words" in text

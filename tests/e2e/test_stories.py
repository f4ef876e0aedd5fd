"""One story per event through the real pipeline: a wire story and two outlets' rewrites on different
partitions share one story id, `search --collapse` shows the story once, and a once-per-story rule fires
once where a plain rule fires for every copy."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Callable

import pytest

from pipeline.measure.stories import rewrite
from tests.support import SEED, Proc, newswatch, poll, read_topic, settings_for

pytestmark = pytest.mark.e2e

OTHER = ("Heavy rain flooded low-lying parts of the port city overnight, cutting power to thousands of homes. "
         "Rescue teams used boats to reach families stranded on rooftops, and the airport suspended flights. "
         "Forecasters expect more storms later in the week, and the mayor asked people to stay indoors.")


def test_near_duplicates_share_a_story_collapse_and_alert_once(env: dict[str, str], procs: Callable[..., Proc],
                                                               tmp_path: Path) -> None:
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import group_lag

    env = {**env, "NEWSWATCH_TOPIC_PARTITIONS": "4"}
    s = settings_for(env)
    text = SEED.read_text(encoding="utf-8")
    title, body = text.splitlines()[0], text
    rng = random.Random(11)
    copies = [(title, body), rewrite(title, body, rng), rewrite(title, body, rng)]
    articles = [{"title": t, "body": b, "url": f"https://outlet{i}.example/story", "source": f"outlet{i}"}
                for i, (t, b) in enumerate(copies)]
    articles.append({"title": "Floods in the port city", "body": OTHER, "url": "https://outlet9.example/floods"})
    f = tmp_path / "stories.jsonl"
    f.write_text("".join(json.dumps(a) + "\n" for a in articles))
    for args in (["rules", "add", "once", "Kharkiv", "--once-per-story", "--file", "once.jsonl"],
                 ["rules", "add", "every", "Kharkiv", "--file", "every.jsonl"]):
        added = newswatch(args, env)
        assert added.returncode == 0, added.stderr

    worker, indexer = procs(["worker"], env), procs(["index"], env)
    out = newswatch(["produce", str(f), "--json"], env)
    assert out.returncode == 0, out.stderr
    ids = json.loads(out.stdout)["ids"]
    assert len(set(ids)) == 4

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
    story = {docs[i]["story_id"] for i in ids[:3]}
    assert len(story) == 1, [docs[i]["story_id"] for i in ids[:3]]
    [head] = [i for i in ids[:3] if docs[i]["duplicate_of"] is None]
    assert story == {head} and all(docs[i]["duplicate_of"] == head for i in ids[:3] if i != head)
    assert docs[ids[3]]["story_id"] == ids[3] and docs[ids[3]]["duplicate_of"] is None

    found = newswatch(["search", "*", "--collapse", "--json"], env)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["total"] == 4 and result["stories"] == 2 and len(result["hits"]) == 2
    assert sorted(h["story_articles"] for h in result["hits"]) == [1, 3]

    # every copy matches "every"; "once" is decided by the rule's owner, after the rule-hits topic drains
    alerts = poll(lambda: len(read_topic(s, s.topic_alerts, expect=4, timeout=2)) >= 4
                  and not any(group_lag(s, s.worker_group, [s.topic_rule_hits]).values())
                  and read_topic(s, s.topic_alerts, expect=4, timeout=2), timeout=120,
                  what="the alerts of both rules")
    by_rule = {r: sorted(a["article_id"] for a in alerts if a["rule"] == r) for r in ("once", "every")}
    assert by_rule["every"] == sorted(ids[:3])
    assert len(by_rule["once"]) == 1 and by_rule["once"][0] in ids[:3]
    assert all(a["story_id"] == head for a in alerts)

"""The story desk's Elasticsearch lookup against the real server: a batch's recorded stories come back
whatever the candidates, and a storm of copies indexed elsewhere brings only its first members."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from consumers.es_indices import ensure_article_index
from pipeline.clients.elasticsearch import make_es
from pipeline.enrich.stories import MAX_REPRESENTATIVES, Sketch, sketch
from pipeline.measure.stories import rewrite
from pipeline.worker.stories import StoryDesk
from tests.support import SEED, settings_for

pytestmark = pytest.mark.integration


def _doc(aid: str, story: str, sk: Sketch, at: datetime) -> dict[str, Any]:
    return {"id": aid, "story_id": story, "duplicate_of": None if story == aid else story, "story_bands": sk.bands,
            "story_sketch": sk.encode(), "@timestamp": at.isoformat(), "title": aid, "body": "x"}


def test_a_storm_elsewhere_brings_its_first_members_and_recorded_stories_stand(env: dict[str, str]) -> None:
    s = settings_for(env)
    es = make_es(s)
    index = ensure_article_index(es, s)
    body = SEED.read_text(encoding="utf-8")
    rng = random.Random(5)
    t0 = datetime.now(timezone.utc) - timedelta(hours=2)
    storm = [rewrite("t", body, rng)[1] for _ in range(40)]  # 40 copies of one story, indexed by other workers
    ops: list[dict[str, Any]] = []
    for n, text in enumerate(storm):
        sk = sketch(text)
        assert sk is not None
        ops += [{"index": {"_index": index, "_id": f"storm-{n:02d}"}}, _doc(f"storm-{n:02d}", "storm-00", sk,
                                                                               t0 + timedelta(seconds=n))]
    again = sketch("An unrelated report about rain in the port city, flooding streets and homes overnight.")
    assert again is not None
    ops += [{"index": {"_index": index, "_id": "again"}}, _doc("again", "st-9", again, t0)]
    es.bulk(operations=ops, refresh="wait_for")

    desk = StoryDesk(s, es)
    copy = sketch(rewrite("t", body, rng)[1])
    known, elsewhere = desk._lookup([(0, "new", copy, None), (1, "again", again, None)])
    assert set(known) == {"again"} and known["again"].story_id == "st-9"  # recorded: it stands
    assert {m.story_id for m in elsewhere} == {"storm-00"}
    assert [m.article_id for m in elsewhere] == [f"storm-{n:02d}" for n in range(MAX_REPRESENTATIVES)]  # the first
    # and the whole desk: the copy joins the storm's story, the redelivery keeps its own
    story = desk.index.assign("new", copy, elsewhere=elsewhere)
    assert story.story_id == "storm-00" and story.duplicate_of == "storm-00"

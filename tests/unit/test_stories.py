"""One story per event: near-duplicates share a story id, other articles do not, and it costs little."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest

from pipeline.enrich.stories import MAX_REPRESENTATIVES, THRESHOLD, Member, Sketch, Story, StoryIndex, sketch
from pipeline.measure.stories import generate, rewrite, score
from pipeline.query.search import build_query, parse_response
from pipeline.settings import Settings
from pipeline.worker.events import EventHint, hint
from pipeline.worker.stories import StoryDesk, with_story
from tests.support.fake_es import FakeES

DEV_SET = Path(__file__).parents[2].parent / "shared" / "eval" / "geovirus.jsonl"
BODY = ("The health ministry said on Tuesday that 42 new cases of the virus were confirmed in the capital. "
        "Officials urged residents to avoid crowded places and to wash their hands often. Schools in three "
        "districts will stay closed until the end of the month, the ministry said. Hospitals have added beds "
        "and the army has set up a field clinic near the main market. Neighbouring countries tightened checks "
        "at border crossings. The World Health Organization sent a team of experts to help trace contacts.")
OTHER = ("Heavy rain flooded low-lying parts of the port city overnight, cutting power to thousands of homes. "
         "Rescue teams used boats to reach families stranded on rooftops, and the airport suspended flights. "
         "Forecasters expect more storms later in the week, and the mayor asked people to stay indoors.")


def test_a_rewrite_is_the_same_story_and_another_article_is_not() -> None:
    rng = random.Random(3)
    _, copy = rewrite("Virus cases rise", BODY, rng)
    a, b, c = sketch(BODY), sketch(copy), sketch(OTHER)
    assert a is not None and b is not None and c is not None
    assert a.similarity(b) >= THRESHOLD > a.similarity(c)
    assert sketch("Too short to compare.") is None
    assert Sketch.decode(a.encode()) == a
    assert Sketch.decode("not base64!") is None


def test_the_first_article_names_the_story_and_a_repeat_gets_the_same_answer() -> None:
    idx = StoryIndex()
    _, copy = rewrite("t", BODY, random.Random(1))
    first = idx.assign("a", sketch(BODY), now=0)
    second = idx.assign("b", sketch(copy), now=1)
    other = idx.assign("c", sketch(OTHER), now=2)
    assert (first.story_id, first.duplicate_of) == ("a", None)
    assert (second.story_id, second.duplicate_of) == ("a", "a")
    assert other.story_id == "c"
    assert idx.assign("b", sketch(copy), now=3) == second  # redelivered: same story
    assert idx.assign("z", None, now=4).story_id == "z"  # no text to compare: a story of its own


def test_stories_seen_elsewhere_and_recorded_ones_win() -> None:
    idx = StoryIndex()
    remote = Member("r1", "story-r", sketch(BODY), 0.0)  # type: ignore[arg-type]
    s = idx.assign("new", sketch(BODY), elsewhere=[remote])
    assert (s.story_id, s.duplicate_of) == ("story-r", "story-r")
    kept = idx.assign("old", sketch(OTHER), known=Story("story-x", "x1"))
    assert kept == Story("story-x", "x1")


def test_the_index_forgets_the_oldest_past_its_bounds() -> None:
    idx = StoryIndex(max_articles=2, window_s=100)
    idx.assign("a", sketch(BODY), now=0)
    idx.assign("b", sketch(OTHER), now=1)
    idx.assign("c", sketch(BODY + " More."), now=2)  # joins a's story, then a is forgotten (3 > 2)
    assert len(idx) == 2 and idx.get("a") is None
    idx.assign("d", sketch(OTHER + " Again."), now=500)  # b and c are past the window
    assert idx.get("b") is None and idx.get("c") is None


@pytest.mark.skipif(not DEV_SET.exists(), reason="the open development set (../shared/eval) is not beside the repo")
def test_generated_stories_cluster_with_the_required_precision_and_recall() -> None:
    records = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    seeds = [(r.get("title") or "", r["body"]) for r in records if len(r["body"].split()) >= 60]
    result = score(generate(seeds, stories=200))
    assert result.stories == 200
    assert result.precision >= 0.95 and result.recall >= 0.9, result


def test_search_collapse_asks_for_one_hit_per_story() -> None:
    body = build_query("virus", collapse=True)
    assert body["collapse"]["field"] == "event_id" and "stories" in body["aggs"]
    assert "collapse" not in build_query("virus")
    resp = {"hits": {"total": {"value": 5}, "hits": [{"_id": "a", "_score": 1.0, "_source": {"title": "t", "story_id": "a"},
                                                      "inner_hits": {"story": {"hits": {"total": {"value": 4}}}}}]},
            "aggregations": {"stories": {"value": 2}}}
    r = parse_response(resp)
    assert r.stories == 2 and r.hits[0].story_articles == 4 and r.hits[0].story_id == "a"


def _enriched(aid: str, body: str) -> tuple[str, bytes, None, str, EventHint]:
    """What the pool hands the desk: the document without its story fields, the sketch and the event
    desk's hint beside it."""
    sk = sketch(body)
    assert sk is not None
    h = hint({"id": aid, "title": "", "body": body})
    return (aid, json.dumps({"id": aid, "story_bands": sk.bands, "story_sketch": sk.encode()}).encode(), None,
            sk.encode(), h)


def test_the_worker_desk_joins_stories_indexed_elsewhere_and_keeps_recorded_ones() -> None:
    sk = sketch(BODY)
    assert sk is not None
    es = FakeES([{"id": "elsewhere", "story_id": "st-1", "story_sketch": sk.encode()},
                  {"id": "again", "story_id": "st-9", "duplicate_of": "st-9"}])
    desk = StoryDesk(Settings(), es)
    out = asyncio.run(desk.assign([_enriched("new", BODY), _enriched("again", OTHER), (None, None, "bad record", None, None)]))
    docs = [json.loads(d) if d else None for _, d, _ in out]
    assert docs[0] is not None and docs[1] is not None
    assert (docs[0]["story_id"], docs[0]["duplicate_of"]) == ("st-1", "st-1")
    assert (docs[1]["story_id"], docs[1]["duplicate_of"]) == ("st-9", "st-9")  # a redelivery keeps its story
    assert docs[1]["event_id"] == "st-9" and docs[0]["event_id"]  # the event desk decided beside the story
    assert out[2] == (None, None, "bad record")
    assert any("story_bands" in json.dumps(q["query"]) for q in es.queries)


def test_the_worker_desk_decides_from_memory_when_elasticsearch_is_away() -> None:
    desk = StoryDesk(Settings(), FakeES(fail=True))
    _, copy = rewrite("t", BODY, random.Random(2))
    out = asyncio.run(desk.assign([_enriched("a", BODY), _enriched("b", copy)]))
    docs = [json.loads(d) for _, d, _ in out if d]
    assert [d["story_id"] for d in docs] == ["a", "a"] and docs[1]["duplicate_of"] == "a"
    assert [d["event_id"] for d in docs] == ["a", "a"]  # a rewrite is the same event


def test_the_desk_appends_the_story_fields_to_the_document_it_was_handed() -> None:
    doc = b'{"id":"a","title":"Caf\xc3\xa9"}'
    out = with_story(doc, Story("s\u00e9", None))
    assert out.startswith(doc[:-1]) and json.loads(out) == {"id": "a", "title": "Caf\u00e9", "story_id": "s\u00e9",
                                                            "duplicate_of": None, "event_id": "s\u00e9"}
    assert json.loads(with_story(b"{}", Story("x", "x"), "e")) == {"story_id": "x", "duplicate_of": "x", "event_id": "e"}
    with pytest.raises(ValueError):
        with_story(b"[1]", Story("x"))


def _cost(idx: StoryIndex, aid: str, sk: Sketch) -> tuple[int, int]:
    scanned, compared = idx.scanned, idx.compared
    idx.assign(aid, sk, now=0.0)
    return idx.scanned - scanned, idx.compared - compared


@pytest.mark.parametrize("rewritten", [False, True], ids=["verbatim", "rewritten"])
def test_the_thousandth_copy_of_a_story_costs_no_more_than_the_tenth(rewritten: bool) -> None:
    """A wire story republished a thousand times: each copy reads no more bucket entries and compares no
    more signatures than the tenth did (it was every earlier copy: quadratic in the story's size)."""
    rng = random.Random(5)
    bodies = [rewrite("t", BODY, rng)[1] if rewritten else BODY for _ in range(30)]  # copy 10 and 1000: one body
    sketches = [sketch(b) for b in bodies]
    idx = StoryIndex()
    idx.assign("other", sketch(OTHER), now=0.0)
    costs: dict[int, tuple[int, int]] = {}
    for n in range(1, 1001):
        sk = sketches[n % len(sketches)]
        assert sk is not None
        costs[n] = _cost(idx, f"copy-{n}", sk)
    assert {idx.get(f"copy-{n}").story_id for n in range(1, 1001)} == {"copy-1"}  # type: ignore[union-attr]
    assert costs[10][1] >= 1  # the tenth was compared with something: the measure can fail
    assert costs[1000][0] <= costs[10][0] and costs[1000][1] <= costs[10][1], (costs[10], costs[1000])
    assert max(c for _, c in costs.values()) <= MAX_REPRESENTATIVES


def test_a_storm_indexed_elsewhere_is_read_once_per_batch_by_representatives() -> None:
    remote = [Member(f"r{i}", "story-r", sketch(BODY), 0.0) for i in range(500)]  # type: ignore[arg-type]
    elsewhere = StoryIndex.of(remote)
    assert len(elsewhere) == MAX_REPRESENTATIVES
    idx = StoryIndex()
    assert idx.assign("new", sketch(BODY), elsewhere=elsewhere) == Story("story-r", "story-r")
    assert idx.compared <= MAX_REPRESENTATIVES


def test_candidates_the_worker_already_holds_are_not_read_back() -> None:
    sk = sketch(BODY)
    assert sk is not None
    es = FakeES([{"id": "elsewhere", "story_id": "st-1", "story_sketch": sk.encode()}])
    desk = StoryDesk(Settings(), es)
    asyncio.run(desk.assign([_enriched("new", BODY)]))
    es.hits.append({"id": "new", "story_id": "st-1", "duplicate_of": "st-1", "story_sketch": sk.encode()})
    _, copy = rewrite("t", BODY, random.Random(3))
    _, elsewhere = desk._lookup([(0, "copy", sketch(copy), None)])
    assert [m.article_id for m in elsewhere] == ["elsewhere"]  # "new" is this worker's own, in memory


def test_the_desks_memory_is_bounded_by_the_setting() -> None:
    desk = StoryDesk(Settings(story_memory_articles=100), None)
    rng = random.Random(4)
    words = BODY.split()
    for batch in range(3):
        asyncio.run(desk.assign([_enriched(f"a{batch}-{n}", " ".join(rng.sample(words, len(words))))
                                 for n in range(60)]))
    assert 0 < len(desk.index) <= 100 and 0 < len(desk.events.index.articles) <= 100


def test_the_sketch_is_datasketchs_minhash_value_for_value() -> None:
    """`sketch` writes out datasketch 2.0's MinHash (seed 1, affine32) so the worker need not import it
    (and SciPy): every signature must be the library's, or sketches stored before would stop matching."""
    import numpy as np
    from datasketch import MinHash

    from pipeline.enrich.stories import MIN_SHINGLES, NUM_PERM, shingles

    rng = random.Random(11)
    words = (BODY + " " + OTHER).split() + ["Kyiv", "naïve", "東京", "😀", "ÆØÅ"]
    bodies = [BODY, OTHER, BODY.upper(), " ".join(rng.choice(words) for _ in range(5_000))]
    bodies += [" ".join(rng.choice(words) for _ in range(rng.randint(5, 400))) for _ in range(60)]
    compared = 0
    for body in bodies:
        sh = shingles(body)
        mine = sketch(body)
        if len(set(sh)) < MIN_SHINGLES:
            assert mine is None
            continue
        ref = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
        ref.update_batch(sh)
        assert mine is not None and mine.signature.dtype == np.uint32
        assert np.array_equal(mine.signature, ref.hashvalues.astype(np.uint32))
        assert Sketch.decode(mine.encode()) == mine
        compared += 1
    assert compared >= 50


def test_a_storm_this_worker_follows_costs_one_collapsed_search() -> None:
    """Its first member is in memory: no representative is read back. A story first seen elsewhere: its
    first members, in one search for the batch (inner hits, a search per story over the stored text, were
    most of Elasticsearch's work in a busy stream)."""
    sk = sketch(BODY)
    assert sk is not None
    es = FakeES([])
    desk = StoryDesk(Settings(), es)
    asyncio.run(desk.assign([_enriched("first", BODY)]))
    es.hits.append({"id": "first", "story_id": "first", "story_sketch": sk.encode()})
    es.hits.append({"id": "other-worker", "story_id": "first", "duplicate_of": "first", "story_sketch": sk.encode()})
    asked = len(es.queries)
    _, copy = rewrite("t", BODY, random.Random(3))
    out = asyncio.run(desk.assign([_enriched("copy", copy)]))
    assert json.loads(out[0][1] or b"{}")["story_id"] == "first"
    story_searches = [q for q in es.queries[asked:] if "story_bands" in json.dumps(q["query"])]
    assert len(story_searches) == 1 and "inner_hits" not in story_searches[0]["collapse"]
    es.hits[0] = {"id": "elsewhere-first", "story_id": "st-e", "story_sketch": sk.encode()}  # not this worker's
    asked = len(es.queries)
    _, elsewhere = desk._lookup([(0, "copy-2", sketch(copy), None)])
    story_searches = [q for q in es.queries[asked:] if "story_bands" in json.dumps(q["query"])]
    assert len(story_searches) == 2 and all("inner_hits" not in q.get("collapse", {}) for q in story_searches)
    assert sorted(m.article_id for m in elsewhere) == ["elsewhere-first", "other-worker"]  # the measure can fail

"""The benchmarks' own arithmetic: the mixed traffic they send, and the soak's growth figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

import pytest

from pipeline.enrich.stories import StoryIndex, sketch
from pipeline.measure.alerts_bench import plan
from pipeline.measure.match_bench import random_rules
from pipeline.measure.soak import Sample, Soak

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def _body(i: int) -> str:
    return " ".join(f"{WORDS[(i * 7 + k) % len(WORDS)]}{i}x{k}" for k in range(80)) + "."


def test_the_mixed_plan_sends_storms_at_their_share_and_distinct_articles_otherwise() -> None:
    bodies = [(f"t{i}", _body(i)) for i in range(40)]
    planned = plan(1000, "ignored", bodies, storm_share=0.3)
    storms = [p for p in planned if p.kind == "storm"]
    assert 0.25 < len(storms) / len(planned) < 0.35
    idx = StoryIndex()
    stories = {idx.assign(str(i), sketch(p.body), now=float(i)).story_id for i, p in enumerate(storms)}
    assert len(stories) == 3  # the copies are rewrites of three stories, and the index says so
    assert plan(5, "one body") == plan(5, "one body") and {p.kind for p in plan(5, "one body")} == {"repeat"}


def test_watch_rules_from_bare_bodies_spread_their_country_leaves() -> None:
    # bodies with no countries (the mixed bench's) once sent every country leaf to one code: 3% of the
    # rule set was "countries:US" and a US article fired a hundred identical rules
    def alpha(i: int) -> str:  # the generator draws alphabetic words only
        return " ".join(w + "".join(chr(97 + int(d)) for d in f"{i}{k}") for k, w in enumerate(WORDS * 5))

    rules = random_rules([{"body": alpha(i)} for i in range(40)], 5000)
    country_only = Counter(r for r in rules if r.startswith("countries:") and " " not in r)
    assert len(country_only) > 20
    assert max(Counter(rules).values()) <= 10
    with_countries = random_rules([{"body": alpha(i), "countries": ["FR"]} for i in range(40)], 500)
    assert {r for r in with_countries if r.startswith("countries:") and " " not in r} == {"countries:FR"}


def test_the_soak_reports_growth_after_its_first_minutes_and_the_slope() -> None:
    soak = Soak(rate=10, minutes=10)
    for m in range(11):
        soak.samples.append(Sample(float(m), 300, 300, 100.0, 200.0, {"worker": 100.0 + max(0, m - 5) * 2.0}, {}))
    g = soak.growth()["worker"]
    assert (g["from_mb"], g["to_mb"], g["growth_pct"], g["mb_per_min"]) == (100.0, 110.0, 10.0, 2.0)


def test_the_enrichment_bench_takes_the_ceilings_and_the_full_passes_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.enrich as enrich
    from pipeline.enrich import ner
    from pipeline.measure.enrich_bench import bench_enrich

    order: list[str] = []

    class Model:
        def pipe(self, texts: Iterable[str], batch_size: int) -> Iterator[str]:  # spaCy's Language, standing in
            order.append("ceiling")
            return iter(list(texts))

    def full(payloads: object, limits: object) -> list[SimpleNamespace]:
        order.append("full")
        return [SimpleNamespace(article="enriched")]  # the bench only checks each outcome has an article

    monkeypatch.setattr(enrich, "warm_up", lambda: None)
    monkeypatch.setattr(enrich, "enrich_payloads", full)
    monkeypatch.setattr(ner, "model", lambda lang="en": Model())
    b = bench_enrich([{"title": "A title", "body": "A body of words."}], repeat=3)
    assert order == ["ceiling", "full"] + ["ceiling", "full"] * 3  # a warm pass of each, then in turn
    assert len(b.ner_only_passes) == len(b.full_passes) == 3
    assert b.full_s == sum(b.full_passes) / 3

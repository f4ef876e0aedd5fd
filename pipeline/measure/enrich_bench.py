"""Enrichment throughput against the spaCy NER-only ceiling on the same texts (one process)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from schemas import RawArticle, ValidationLimits


@dataclass
class EnrichBench:
    articles: int
    words: int
    ner_only_s: float
    full_s: float

    @property
    def ner_only_aps(self) -> float:
        return per_second(self.articles, self.ner_only_s)

    @property
    def full_aps(self) -> float:
        return per_second(self.articles, self.full_s)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "ner_only_articles_per_s": round(self.ner_only_aps, 1),
            "full_articles_per_s": round(self.full_aps, 1),
            "full_vs_ceiling": round(self.full_aps / self.ner_only_aps, 3) if self.ner_only_aps else None,
        }


def load_payloads(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    from producers.files import expand, read

    out = [r.payload for t in expand([str(path)]) for r in read(t) if r.payload is not None]
    return out[:limit] if limit else out


def bench_enrich(payloads: list[dict[str, Any]], *, repeat: int = 1) -> EnrichBench:
    from pipeline.enrich import enrich_payloads, warm_up
    from pipeline.enrich.text import compose
    from pipeline.enrich.ner import model

    warm_up()
    limits = ValidationLimits()
    texts = [compose(RawArticle.from_payload(p, limits))[0] for p in payloads]
    nlp = model()
    for _doc in nlp.pipe(texts, batch_size=16):  # warm caches and allocator before timing
        pass
    t0 = time.perf_counter()
    for _ in range(repeat):
        for _doc in nlp.pipe(texts, batch_size=16):
            pass
    ner_s = (time.perf_counter() - t0) / repeat
    t0 = time.perf_counter()
    for _ in range(repeat):
        outcomes = enrich_payloads(list(payloads), limits)
    full_s = (time.perf_counter() - t0) / repeat
    assert all(o.article is not None for o in outcomes)
    return EnrichBench(len(payloads), sum(len(t.split()) for t in texts), ner_s, full_s)


def to_json(b: EnrichBench) -> str:
    return json.dumps(b.as_dict())


# --- alert matching ---------------------------------------------------------------------------------


def random_rules(docs: list[dict[str, Any]], n: int, seed: int = 1) -> list[str]:
    """Plausible watch queries: words, phrases, prefixes, countries, combined with AND / OR / NOT."""
    import random

    from pipeline.query.analyzer import tokens

    from collections import Counter

    rng = random.Random(seed)
    df = Counter(t for d in docs for t in set(tokens(d.get("body", ""))))
    # what people watch for: names and topics, not "that" or "said" (words in over 5% of articles left out)
    words = sorted(t for t, n in df.items() if t.isalpha() and len(t) > 3 and n <= max(1, len(docs) // 20))
    countries = sorted({c for d in docs for c in d.get("countries") or []}) or ["US"]

    def leaf() -> str:
        r = rng.random()
        if r < 0.5:
            return rng.choice(words)
        if r < 0.7:
            return f'"{rng.choice(words)} {rng.choice(words)}"'
        if r < 0.85:
            w = rng.choice(words)
            return w[: max(4, len(w) - 2)] + "*"
        return f"countries:{rng.choice(countries)}"

    out = []
    for _ in range(n):
        k = rng.random()
        if k < 0.4:
            out.append(f"{leaf()} {leaf()}")
        elif k < 0.7:
            out.append(f"({leaf()} OR {leaf()}) {leaf()}")
        elif k < 0.85:
            out.append(f"{leaf()} {leaf()} -{rng.choice(words)}")
        else:
            out.append(leaf())
    return out


@dataclass
class MatchBench:
    rules: int
    articles: int
    seconds: float  # matching and building the alert events
    match_seconds: float  # finding the rules that fire (the rule index and the matcher) only
    alerts: int

    @property
    def articles_per_s(self) -> float:
        return per_second(self.articles, self.seconds)

    @property
    def match_articles_per_s(self) -> float:
        return per_second(self.articles, self.match_seconds)


def bench_match(docs: list[dict[str, Any]], queries: list[str], *, repeat: int = 3) -> MatchBench:
    from pipeline.query.rules import RuleSet
    from schemas.alerts import AlertRule

    rs = RuleSet()
    for i, q in enumerate(queries):
        rs.put(AlertRule(name=f"r{i}", query=q))
    from pipeline.query.matcher import Doc

    fired = 0
    best = best_match = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for d in docs:
            for _hit in rs.index.match(Doc.from_article(d)):
                pass
        best_match = min(best_match, time.perf_counter() - t0)
        t0 = time.perf_counter()
        fired = sum(len(rs.match(d)) for d in docs)
        best = min(best, time.perf_counter() - t0)
    return MatchBench(len(queries), len(docs), best, best_match, fired)


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(q / 100 * (len(s) - 1)))))
    return s[k]

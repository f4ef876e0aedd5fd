"""Matching throughput: many rules against enriched articles, the rule index at work (one process)."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.measure.stats import per_second


def random_rules(docs: list[dict[str, Any]], n: int, seed: int = 1) -> list[str]:
    """Plausible watch queries: words, phrases, prefixes, countries, combined with AND / OR / NOT."""
    from pipeline.query.analyzer import tokens

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
    from pipeline.query.matcher import Doc
    from pipeline.query.rules import RuleSet
    from schemas.alerts import AlertRule

    rs = RuleSet()
    for i, q in enumerate(queries):
        rs.put(AlertRule(name=f"r{i}", query=q))

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

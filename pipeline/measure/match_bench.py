"""Matching throughput: many rules against enriched articles, the rule index at work (one process)."""

from __future__ import annotations

import random
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.measure.stats import per_second


MIXES = ("realistic", "plain")


def random_rules(docs: list[dict[str, Any]], n: int, seed: int = 1, mix: str = "plain") -> list[str]:
    """Plausible watch queries: words, phrases, prefixes, countries, combined with AND / OR / NOT.

    mix "plain": only those (the rule set of earlier rounds, for like-for-like figures). mix "realistic":
    20% proximity (NEAR/n, ONEAR/n, OR groups on either side, "phrase"~n), 5% counts (atleastN:), 5% case:,
    lead:, site:, language: and inner wildcards, the rest plain."""
    from pipeline.enrich.local_demonyms import NEWSWORTHY
    from pipeline.query.analyzer import tokens

    rng = random.Random(seed)
    positional = random.Random(seed + 1)
    df = Counter(t for d in docs for t in set(tokens(d.get("body", ""))))
    # what people watch for: names and topics, not "that" or "said" (words in over 5% of articles left out)
    words = sorted(t for t, n in df.items() if t.isalpha() and len(t) > 3 and n <= max(1, len(docs) // 20))
    # the docs' own countries; bodies without enrichment get the newsworthy ones, not one code for every
    # country leaf (that made 3% of a rule set "countries:US" and fired ~100 identical rules an article)
    countries = sorted({c for d in docs for c in d.get("countries") or []}) or sorted(NEWSWORTHY)

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

    def near() -> str:
        a = rng.choice(words) if rng.random() < 0.7 else f"({rng.choice(words)} OR {rng.choice(words)})"
        b = rng.choice(words) if rng.random() < 0.7 else f"({rng.choice(words)} OR {rng.choice(words)})"
        r = rng.random()
        if r < 0.6:
            return f"{a} NEAR/{rng.choice([3, 5, 10, 20])} {b}"
        if r < 0.8:
            return f"{a} ONEAR/{rng.choice([2, 5])} {b}"
        return f'"{rng.choice(words)} {rng.choice(words)}"~{rng.choice([1, 3, 5])}'

    def special() -> str:
        w = rng.choice(words)
        r = rng.random()
        if r < 0.3:
            return f"case:{w.capitalize()}"
        if r < 0.55:
            return f"lead:{w}"
        if r < 0.7:
            return rng.choice(["site:reuters.com", "site:bbc.co.uk", "language:en", "language:fr"]) + f" {rng.choice(words)}"
        return (w[:3] + "?" + w[4:]) if len(w) > 4 else w

    out = []
    for _ in range(n):
        if mix == "realistic":
            p = positional.random()
            if p < 0.20:
                out.append(near() + (f" {leaf()}" if rng.random() < 0.3 else ""))
                continue
            if p < 0.25:
                out.append(f"atleast{rng.choice([2, 3, 5])}:{rng.choice(words)}" + (f" {leaf()}" if rng.random() < 0.5 else ""))
                continue
            if p < 0.30:
                out.append(special())
                continue
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
    memory_bytes: int = 0  # what the rule set holds (parsed rules and the index), traced while building

    @property
    def bytes_per_rule(self) -> float:
        return self.memory_bytes / self.rules if self.rules else 0.0

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

    rules = [AlertRule(name=f"r{i}", query=q) for i, q in enumerate(queries)]
    tracemalloc.start()
    rs = RuleSet()
    for r in rules:
        rs.put(r)
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

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
    return MatchBench(len(queries), len(docs), best, best_match, fired, memory)

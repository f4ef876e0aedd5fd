"""Story clustering measured: a set generated from real bodies, each the seed of one story rewritten
1 to 8 times the way outlets republish wire copy (another headline, the outlet's boilerplate before and
after, paragraphs trimmed), shuffled into one stream; pairwise precision and recall of the story ids the
index assigns, and what it costs per article."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from itertools import combinations

from pipeline.enrich.stories import StoryIndex, sketch

BOILERPLATE = [
    "Sign up for our morning newsletter to get the day's top stories in your inbox.",
    "This article was originally published by a partner agency and is republished with permission.",
    "Follow us on social media for live updates throughout the day.",
    "Reporting by staff correspondents; editing by the foreign desk.",
    "Copyright 2026. All rights reserved. This material may not be redistributed.",
    "Subscribers can read the full analysis in our weekend edition.",
    "Have a news tip? Contact our newsroom any time, day or night.",
    "Our journalists verify every report before publication.",
]
HEADLINE_FORMS = ["UPDATE 1-{t}", "{t} - officials", "WRAPUP: {t}", "{t} (updated)", "Analysis: {t}", "{t}, report says"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Generated:
    id: str
    title: str
    body: str
    story: int


def rewrite(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    """Another outlet's copy: a new headline, boilerplate added, up to a quarter of the text trimmed."""
    units = [p for p in body.split("\n\n") if p.strip()]
    if len(units) < 4:
        units = [s for s in _SENTENCE.split(body) if s.strip()]
    keep = list(units)
    for _ in range(rng.randint(0, max(0, len(units) // 4))):
        if len(keep) > 3:
            del keep[rng.randrange(1, len(keep))]  # the lead stays: outlets trim, they do not rewrite the top
    before = rng.sample(BOILERPLATE, rng.randint(0, 1))
    after = rng.sample(BOILERPLATE, rng.randint(1, 2))
    return rng.choice(HEADLINE_FORMS).format(t=title), " ".join([*before, *keep, *after])


def generate(seeds: list[tuple[str, str]], stories: int = 200, seed: int = 7) -> list[Generated]:
    rng = random.Random(seed)
    out: list[Generated] = []
    for s, (title, body) in enumerate(seeds[:stories]):
        out.append(Generated(f"s{s}-0", title, body, s))
        for r in range(1, rng.randint(1, 8)):
            t, b = rewrite(title, body, rng)
            out.append(Generated(f"s{s}-{r}", t, b, s))
    rng.shuffle(out)
    return out


@dataclass
class ClusteringScore:
    stories: int
    articles: int
    precision: float
    recall: float
    seconds_per_article: float

    def as_dict(self) -> dict[str, float | int]:
        return {"stories": self.stories, "articles": self.articles, "pairwise_precision": round(self.precision, 4),
                "pairwise_recall": round(self.recall, 4), "ms_per_article": round(self.seconds_per_article * 1000, 3)}


def score(articles: list[Generated]) -> ClusteringScore:
    index = StoryIndex()
    t0 = time.perf_counter()
    assigned = {a.id: index.assign(a.id, sketch(a.body), now=float(i)).story_id for i, a in enumerate(articles)}
    seconds = time.perf_counter() - t0
    tp = fp = fn = 0
    for a, b in combinations(articles, 2):
        same_gold, same_pred = a.story == b.story, assigned[a.id] == assigned[b.id]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return ClusteringScore(len({a.story for a in articles}), len(articles), tp / (tp + fp) if tp + fp else 1.0,
                           tp / (tp + fn) if tp + fn else 1.0, seconds / max(1, len(articles)))

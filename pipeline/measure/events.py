"""Event clustering measured: BCubed and pairwise precision / recall / F1 of the event ids the stream
assigns, against gold events, on a set kept apart from what the threshold was tuned on.

The set (`tests/data/events-newscluster.jsonl`, see tests/data/README.md) holds real articles by
different outlets about the same events; each record has `gold_event` and `split` ("dev": tuned on;
"test": reported, never tuned on). The articles are enriched by the very enrichment the worker runs, then
fed to `EventIndex` in publication order, as a stream would bring them. `same_hour` also feeds them
with one timestamp, so only the text separates events (the time window helps no one there).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from pipeline.enrich.events import THRESHOLD, WINDOW_S, EventIndex, features

EVENTS_SET = Path(__file__).parents[2] / "tests" / "data" / "events-newscluster.jsonl"


@dataclass(frozen=True)
class Scores:
    articles: int
    events: int
    predicted: int
    bcubed_p: float
    bcubed_r: float
    pairwise_p: float
    pairwise_r: float

    @property
    def bcubed_f1(self) -> float:
        return _f1(self.bcubed_p, self.bcubed_r)

    @property
    def pairwise_f1(self) -> float:
        return _f1(self.pairwise_p, self.pairwise_r)

    def as_dict(self) -> dict[str, float | int]:
        return {"articles": self.articles, "gold_events": self.events, "predicted_events": self.predicted,
                "bcubed_precision": round(self.bcubed_p, 4), "bcubed_recall": round(self.bcubed_r, 4),
                "bcubed_f1": round(self.bcubed_f1, 4), "pairwise_precision": round(self.pairwise_p, 4),
                "pairwise_recall": round(self.pairwise_r, 4), "pairwise_f1": round(self.pairwise_f1, 4)}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def clustering_scores(gold: dict[str, str], predicted: dict[str, str]) -> Scores:
    """BCubed (per article: the share of its predicted cluster that is its gold event, and vice versa,
    averaged) and pairwise (over article pairs) precision and recall."""
    ids = [i for i in gold if i in predicted]
    by_gold: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for i in ids:
        by_gold[gold[i]].add(i)
        by_pred[predicted[i]].add(i)
    bp = br = 0.0
    for i in ids:
        g, p = by_gold[gold[i]], by_pred[predicted[i]]
        both = len(g & p)
        bp += both / len(p)
        br += both / len(g)
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        sg, sp = gold[a] == gold[b], predicted[a] == predicted[b]
        tp += sg and sp
        fp += sp and not sg
        fn += sg and not sp
    n = max(1, len(ids))
    return Scores(len(ids), len(by_gold), len(by_pred), bp / n, br / n,
                  tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)


def _epoch(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return 0.0


def stream(docs: list[dict[str, Any]], *, threshold: float = THRESHOLD, window_s: float = WINDOW_S,
           same_hour: bool = False) -> tuple[dict[str, str], float]:
    """Each document's event id, fed in publication order; and the seconds the events cost per article."""
    index = EventIndex(threshold=threshold, window_s=window_s)
    order = sorted(docs, key=lambda d: (str(d.get("published_at") or ""), d["id"]))
    out: dict[str, str] = {}
    t0 = time.perf_counter()
    for d in order:
        seen = 0.0 if same_hour else _epoch(d.get("published_at"))
        out[d["id"]] = index.assign(d["id"], features(d), seen, d.get("language") or "en").event_id
    seconds = (time.perf_counter() - t0) / max(1, len(order))
    return {i: index.resolve(e) for i, e in out.items()}, seconds


def enriched_documents(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """The records through the worker's enrichment, as documents; and its seconds per article."""
    from pipeline.enrich import analyse_articles, warm_up
    from schemas import RawArticle, ValidationLimits

    warm_up()
    limits = ValidationLimits()
    raws = [RawArticle.from_payload({k: r[k] for k in ("id", "title", "body", "url", "source", "published_at",
                                                       "language") if r.get(k)}, limits) for r in records]
    t0 = time.perf_counter()
    analysed = analyse_articles(raws)
    seconds = (time.perf_counter() - t0) / max(1, len(raws))
    return [an.article.document() for an, _ in analysed], seconds


def evaluate_events(records: list[dict[str, Any]], *, threshold: float = THRESHOLD,
                    docs: list[dict[str, Any]] | None = None, enrich_s: float | None = None) -> dict[str, Any]:
    """Per split (dev, test, or all when the file has none): event and story (near-duplicate) clustering
    scores, dated and same-hour, and the cost of events against enrichment's."""
    from pipeline.enrich.stories import StoryIndex, sketch

    if docs is None:
        docs, enrich_s = enriched_documents(records)
    gold = {r["id"]: str(r["gold_event"]) for r in records}
    splits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    split_of = {r["id"]: r.get("split") or "all" for r in records}
    for d in docs:
        splits[split_of[d["id"]]].append(d)
    report: dict[str, Any] = {"threshold": threshold, "splits": {}}
    costs = []
    for name, part in sorted(splits.items()):
        pred, cost = stream(part, threshold=threshold)
        costs.append((cost, len(part)))
        same, _ = stream(part, threshold=threshold, same_hour=True)
        stories = StoryIndex()
        story = {d["id"]: stories.assign(d["id"], sketch(d["body"]), now=float(i)).story_id for i, d in enumerate(part)}
        g = {d["id"]: gold[d["id"]] for d in part}
        report["splits"][name] = {"events": clustering_scores(g, pred).as_dict(),
                                  "events_same_hour": clustering_scores(g, same).as_dict(),
                                  "stories_near_duplicates": clustering_scores(g, story).as_dict()}
    ms = sum(c * n for c, n in costs) / max(1, sum(n for _, n in costs)) * 1000
    report["ms_per_article"] = round(ms, 3)
    report["enrichment_ms_per_article"] = round((enrich_s or 0.0) * 1000, 3)
    report["share_of_enrichment"] = round(ms / 1000 / enrich_s, 4) if enrich_s else None
    return report


def bench_events(records: list[dict[str, Any]], *, passes: int = 5) -> dict[str, Any]:
    """What events cost against enrichment, one process: the records enriched once (timed), then streamed
    `passes` times as other events (ids, words and names tagged per pass; countries shared) a day apart,
    so the index holds a window's memory as in the worker; both timed on the same machine in the same run."""
    docs, enrich_s = enriched_documents(records)
    index = EventIndex()
    base = max((_epoch(d.get("published_at")) for d in docs), default=0.0)
    order = sorted(docs, key=lambda d: (str(d.get("published_at") or ""), d["id"]))
    n = 0
    t0 = time.perf_counter()
    for p in range(passes):
        for d in order:
            tf = features(d)  # timed: features are part of the cost
            # pass p's words and names are its own (other events), its countries shared (candidates all the same)
            tagged = {(t if t[0] == "c" else f"{t}#{p}"): w for t, w in tf.items()}
            index.assign(f"{d['id']}~{p}", tagged, base + p * 86400.0 + _epoch(d.get("published_at")) % 86400.0,
                         d.get("language") or "en")
            n += 1
    events_s = (time.perf_counter() - t0) / max(1, n)
    return {"articles": len(docs), "streamed": n, "events_in_memory": len(index.events),
            "enrichment_ms_per_article": round(enrich_s * 1000, 3), "events_ms_per_article": round(events_s * 1000, 3),
            "share_of_enrichment": round(events_s / enrich_s, 4) if enrich_s else None}

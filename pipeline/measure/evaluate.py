"""Score enrichment against gold annotations: country P/R/F1 and toponym resolution.

Gold format (the dev set's): `gold_countries` (ISO alpha-2 list) and optionally `gold_toponyms`
(`{name, start, end, country}` with offsets into `body`) and `gold_language` (ISO 639-1). A file whose
annotators marked every place (`gold_places`: `{name, start, end}` into `body`, as NER corpora do) is
scored on the places themselves: the share of newswatch's place mentions that lie on a marked place
(`places` precision: the rest are first names, common words, surnames, never a right city) and of marked
places found (recall). Countries are scored only on records that have `gold_countries`.
Pure: analyses in, numbers out.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from schemas import RawArticle, ValidationLimits


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set[str], gold: set[str]) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class LanguageScore:
    articles: int = 0
    detected_right: int = 0
    countries: PRF = field(default_factory=PRF)
    places: PRF = field(default_factory=PRF)

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "language_accuracy": round(self.detected_right / self.articles, 4),
                "countries": self.countries.as_dict(), "places": self.places.as_dict()}


@dataclass
class Report:
    articles: int = 0
    seconds: float = 0.0
    countries: PRF = field(default_factory=PRF)
    focus: PRF = field(default_factory=PRF)
    baseline: PRF = field(default_factory=PRF)  # "every GPE entity is a country"
    baseline_focus: PRF = field(default_factory=PRF)
    places: PRF = field(default_factory=PRF)  # mentions against every marked place (`gold_places`)
    toponyms: int = 0
    toponyms_found: int = 0
    toponyms_with_country: int = 0
    toponym_country_right: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    # per gold language (the detected one when the file has none): articles, detected right, countries
    languages: dict[str, LanguageScore] = field(default_factory=dict)
    max_examples: int = 5
    stories: dict[str, Any] | None = None  # clustering on a set generated from these bodies (measure/stories)

    def note(self, kind: str, example: str) -> None:
        self.errors[kind] += 1
        ex = self.examples.setdefault(kind, [])
        if len(ex) < self.max_examples:
            ex.append(example)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "articles_per_second": round(self.articles / self.seconds, 2) if self.seconds else None,
            "countries": self.countries.as_dict(),
            "focus_countries": self.focus.as_dict(),
            "baseline_every_gpe_countries": self.baseline.as_dict(),
            "baseline_every_gpe_focus": self.baseline_focus.as_dict(),
            "places": self.places.as_dict(),
            "toponyms": {
                "gold": self.toponyms,
                "found": round(self.toponyms_found / self.toponyms, 4) if self.toponyms else None,
                "country_accuracy": round(self.toponym_country_right / self.toponyms_with_country, 4)
                if self.toponyms_with_country else None,
            },
            "languages": {lang: ls.as_dict() for lang, ls in sorted(self.languages.items())},
            "stories": self.stories,
            "errors": dict(self.errors.most_common()),
            "examples": self.examples,
        }


def evaluate(records: list[dict[str, Any]], max_examples: int = 5) -> Report:
    from pipeline.enrich import analyse_articles, warm_up

    warm_up()
    limits = ValidationLimits()
    raws = [RawArticle.from_payload(r, limits) for r in records]
    t0 = time.perf_counter()
    analysed = analyse_articles(raws)
    report = Report(articles=len(records), seconds=time.perf_counter() - t0, max_examples=max_examples)
    report.stories = story_clustering(raws, report.seconds / max(1, len(raws)))
    for rec, raw, (an, ms) in zip(records, raws, analysed, strict=True):
        detected = an.article.language or "und"
        ls = report.languages.setdefault(rec.get("gold_language") or detected, LanguageScore())
        ls.articles += 1
        ls.detected_right += detected == (rec.get("gold_language") or detected)
        if rec.get("gold_language") and detected != rec["gold_language"]:
            report.note("language_wrong", f"{rec.get('id', raw.id)}: {detected}, gold {rec['gold_language']}")
        rid = str(rec.get("id", raw.id))
        shift = an.text.find(raw.body.lstrip()[:50]) - (len(raw.body) - len(raw.body.lstrip()))
        if "gold_places" in rec:
            _score_places(report, ls, rid, an, rec["gold_places"], shift)
        if "gold_countries" not in rec:
            continue
        base = baseline_countries(ms)
        report.baseline.add(base, {c for c in rec.get("gold_countries") or [] if c})
        report.baseline_focus.add(base, {c for c in rec.get("gold_focus") or rec.get("gold_countries") or [] if c})
        gold = {c for c in rec.get("gold_countries") or [] if c}
        pred = set(an.article.countries)
        report.countries.add(pred, gold)
        ls.countries.add(pred, gold)
        # editors' tags when the file has them, else the mention-based gold
        gold_focus = {c for c in rec.get("gold_focus") or [] if c} or gold
        report.focus.add(set(an.article.focus_countries), gold_focus)
        for c in sorted(pred - gold):
            names = sorted({m.name for m in an.mentions if m.country == c})
            written = sorted({an.text[m.start:m.end] for m in an.mentions if m.country == c})[:5]
            report.note("country_fp", f"{rid}: {c} from {names}, written {written}")
        for c in sorted(gold - pred):
            names = sorted({t["name"] for t in rec.get("gold_toponyms") or [] if t.get("country") == c})
            report.note("country_fn", f"{rid}: {c} ({names})")
        for t in rec.get("gold_toponyms") or []:
            report.toponyms += 1
            s, en = t["start"] + shift, t["end"] + shift
            hit = next((m for m in an.mentions if m.kind != "demonym" and m.start < en and s < m.end), None)
            if hit is None:
                report.note("toponym_missed", f"{rid}: {t['name']!r}")
                continue
            report.toponyms_found += 1
            if t.get("country"):
                report.toponyms_with_country += 1
                if hit.country == t["country"]:
                    report.toponym_country_right += 1
                else:
                    report.note("toponym_wrong_country", f"{rid}: {t['name']!r} -> {hit.country} ({hit.kind} "
                                f"{hit.name!r}), gold {t['country']}")
    return report


def _score_places(report: Report, ls: LanguageScore, rid: str, an: Any, gold: list[dict[str, Any]], shift: int) -> None:
    """Each place mention (not a demonym) on a marked place is right, off every one wrong; each marked
    place no mention touches is missed."""
    spans = [(g["start"] + shift, g["end"] + shift) for g in gold]
    mentions = [m for m in an.mentions if m.kind != "demonym" and m.country]
    for m in mentions:
        if any(m.start < e and s < m.end for s, e in spans):
            report.places.tp += 1
            ls.places.tp += 1
        else:
            report.places.fp += 1
            ls.places.fp += 1
            report.note("place_unmarked", f"{rid}: {an.text[m.start:m.end]!r} -> {m.country} ({m.kind} {m.name!r})")
    for s, e in spans:
        if not any(m.start < e and s < m.end for m in mentions):
            report.places.fn += 1
            ls.places.fn += 1


MIN_STORY_SEEDS = 50


def story_clustering(raws: list[RawArticle], enrich_s_per_article: float) -> dict[str, Any] | None:
    """Pairwise precision / recall of story ids on up to 200 stories of 1-8 rewrites generated from these
    bodies, and the cost against enrichment's; None for a file too small to make a fair set."""
    from pipeline.measure.stories import generate, score

    seeds = [(r.title, r.body) for r in raws if len(r.body.split()) >= 60]
    if len(seeds) < MIN_STORY_SEEDS:
        return None
    result: dict[str, Any] = score(generate(seeds)).as_dict()
    result["share_of_enrichment"] = round(result["ms_per_article"] / 1000 / enrich_s_per_article, 4) \
        if enrich_s_per_article else None
    return result


def baseline_countries(ms: list[Any]) -> set[str]:
    """The plain tagger the issue compares against: each GPE entity looked up as a country, else as the
    most populous city of that name."""
    from pipeline.enrich import enricher

    g = enricher().gaz
    out: set[str] = set()
    for m in ms:
        if m.label != "GPE":
            continue
        code = g.country_by_name(m.text)
        if not code:
            cities = g.city_candidates(m.text)
            code = cities[0].country if cities else None
        if code:
            out.add(code)
    return out


__all__ = ["PRF", "LanguageScore", "Report", "asdict", "baseline_countries", "evaluate"]

"""Raw article + NER mentions -> enriched article. Pure: no I/O, the same code in the worker, `enrich`
and the benchmarks."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from pipeline.enrich import canonical, salience
from pipeline.enrich.gazetteer import City, Gazetteer, key
from pipeline.enrich.ner import Mention
from schemas import EnrichedArticle, Entity, GeoPoint, Place, RawArticle

ENRICHMENT_VERSION = "2"
PLACE_LABELS = {"GPE", "LOC", "FAC", "NORP"}
LEAD_CHARS = 500
# "TOKYO, March 3 (Reuters) -", "KYIV (AP) —", "Washington, D.C. -"
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Za-z.'\- ]{1,40}?)(?:,\s*[A-Z][A-Za-z.' ]{1,30}?)?"
    r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:[-\u2013\u2014:])\s"
)
# cities too small or too ambiguous to take without a country in context
MIN_CITY_POP_ALONE = 100_000


@dataclass
class _Place:
    name: str
    country: str | None
    kind: str  # country, admin, city, region, demonym
    start: int
    regions: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    adjectival: bool = False  # from a NORP mention


def compose(raw: RawArticle) -> tuple[str, int]:
    """The text NER reads (title first, once) and where the title ends in it."""
    body = raw.body.lstrip()
    if body[: len(raw.title) + 5].replace("\n", " ").startswith(raw.title[:200]):
        first_line = body.split("\n", 1)[0]
        return body, len(first_line)
    return f"{raw.title}\n\n{body}", len(raw.title)


def dateline_city(text: str, title_end: int) -> str | None:
    m = _DATELINE.match(text[title_end:].lstrip("\n")[:120])
    if not m:
        return None
    name = m.group(1).strip()
    return name if name.isupper() or name.istitle() else None


@dataclass(frozen=True)
class ResolvedMention:
    start: int  # offsets into the composed text (see `compose`)
    end: int
    name: str
    country: str | None
    kind: str  # country, admin, city, region, demonym


@dataclass(frozen=True)
class Analysis:
    article: EnrichedArticle
    mentions: list[ResolvedMention]
    text: str


class Enricher:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer

    # -- places ------------------------------------------------------------------------------------

    def _country_place(self, name: str, code: str, start: int, kind: str = "country") -> _Place:
        c = self.gaz.countries.get(code)
        display = c.name if c and kind == "country" else name
        return _Place(display, code, kind, start, tuple(c.regions()) if c else (), c.lat if c else None,
                      c.lon if c else None)

    def _resolve_unambiguous(self, name: str, label: str, start: int) -> _Place | None:
        g = self.gaz
        if label == "NORP":
            code = g.demonym(name)
            if code:
                p = self._country_place(name, code, start, kind="demonym")
                p.adjectival = True
                return p
            tags = g.region_tags(name)
            return _Place(name, None, "region", start, tags, adjectival=True) if tags else None
        code = g.country_by_name(name)
        if code and not (g.admin_candidates(name) and code == "GE"):
            return self._country_place(name, code, start)
        tags = g.region_tags(name)
        if tags:
            return _Place(name, None, "region", start, tags)
        rest = g.split_direction(name)
        if rest:
            code = g.country_by_name(rest)
            if code:
                p = self._country_place(name, code, start, kind="region")
                return p
            tags = g.region_tags(rest)
            if tags:
                return _Place(name, None, "region", start, tags)
        return None

    def _resolve_in_context(self, name: str, label: str, start: int, context: Counter[str]) -> _Place | None:
        """Cities, admin areas and ambiguous names, decided by the countries already in the article."""
        g = self.gaz
        if label == "NORP":
            return None
        candidates: list[tuple[float, _Place]] = []
        code = g.country_by_name(name)
        if code:  # ambiguous country name (Georgia): prefer it unless the context says otherwise
            candidates.append((1.0 + 2 * context[code], self._country_place(name, code, start)))
        for a in g.admin_candidates(name):
            c = g.countries.get(a.country)
            # an admin area's own point is not in the data: its country's stands in
            candidates.append(
                (0.5 + 2 * context[a.country], _Place(a.name, a.country, "admin", start, tuple(c.regions()) if c else (),
                                                      c.lat if c else None, c.lon if c else None))
            )
        for city in g.city_candidates(name):
            if not context[city.country] and city.population < MIN_CITY_POP_ALONE and label != "GPE":
                continue
            candidates.append((self._city_score(city, context), self._city_place(city, start)))
        if not candidates:
            return None
        return max(candidates, key=lambda t: t[0])[1]

    @staticmethod
    def _city_score(city: City, context: Counter[str]) -> float:
        import math

        return 2 * context[city.country] + math.log10(max(city.population, 10)) / 10

    def _city_place(self, city: City, start: int) -> _Place:
        c = self.gaz.countries.get(city.country)
        return _Place(city.name, city.country, "city", start, tuple(c.regions()) if c else (), city.lat, city.lon)

    # -- the article -------------------------------------------------------------------------------

    def enrich(self, raw: RawArticle, mentions: list[Mention], *, now: datetime | None = None) -> EnrichedArticle:
        return self.analyse(raw, mentions, now=now).article

    def analyse(self, raw: RawArticle, mentions: list[Mention], *, now: datetime | None = None) -> Analysis:
        """The enriched article and, for evaluation, every resolved place mention with its span."""
        text, title_end = compose(raw)
        lead_end = title_end + LEAD_CHARS
        cleaned = [(canonical.clean(m.text, m.label), m) for m in mentions]
        cleaned = [(n, m) for n, m in cleaned if n and any(ch.isalpha() for ch in n)]

        # Places: unambiguous names first, then the rest in the light of what those established.
        places: list[_Place] = []
        pending: list[tuple[str, Mention]] = []
        for name, m in cleaned:
            if m.label not in PLACE_LABELS:
                continue
            p = self._resolve_unambiguous(name, m.label, m.start)
            if p:
                places.append(p)
            elif m.label != "NORP":
                pending.append((name, m))
        context: Counter[str] = Counter(p.country for p in places if p.country)
        dateline_code: str | None = None
        dl = dateline_city(text, title_end)
        if dl:
            p = self._resolve_unambiguous(dl, "GPE", title_end) or self._resolve_in_context(dl, "GPE", title_end, context)
            if p and p.country:
                dateline_code = p.country
                context[p.country] += 2
        for name, m in pending:
            p = self._resolve_in_context(name, m.label, m.start, context)
            if p:
                places.append(p)
                if p.country:
                    context[p.country] += 1
        resolved_at = {p.start: p for p in places}

        # Countries and their salience.
        cms = [salience.CountryMention(p.country, p.start, p.kind) for p in places if p.country]
        score = salience.scores(cms, title_end=title_end, lead_end=lead_end, dateline=dateline_code)
        first_seen: dict[str, int] = {}
        for cm in cms:
            first_seen.setdefault(cm.code, cm.start)
        ranked = salience.rank(score, first_seen)
        focus = salience.focus(score, ranked, dateline=dateline_code)

        regions: list[str] = []
        for code in ranked:
            c = self.gaz.countries.get(code)
            for tag in c.regions() if c else ():
                if tag not in regions:
                    regions.append(tag)
        for p in places:
            for tag in p.regions:
                if tag not in regions:
                    regions.append(tag)

        # Entities: places get their gazetteer name, the rest are merged by canonical.merge.
        items: list[tuple[str, str, int]] = []
        for name, m in cleaned:
            p = resolved_at.get(m.start)
            if p and m.label != "NORP":
                items.append((p.name, m.label, m.start))
            else:
                items.append((name, m.label, m.start))
        groups = canonical.merge(items, prefix_rewrite=self._possessive_to_adjective)
        entities = [Entity(name=g.name, type=g.label, count=g.count) for g in groups]

        place_counts: Counter[tuple[str, str | None, str]] = Counter()
        place_info: dict[tuple[str, str | None, str], _Place] = {}
        for p in places:
            if p.adjectival:  # "Russian", "European": they tag countries and regions, they are not places
                continue
            k = (p.name, p.country, p.kind)
            place_counts[k] += 1
            place_info.setdefault(k, p)
        place_models = [
            Place(
                name=k[0], country=k[1], kind=k[2] if k[2] in ("country", "admin", "city", "region") else "other",
                location=GeoPoint(lat=place_info[k].lat, lon=place_info[k].lon)
                if place_info[k].lat is not None and place_info[k].lon is not None else None,
                count=n,
            )
            for k, n in place_counts.most_common()
        ]

        ends = {m.start: m.end for _, m in cleaned}
        resolved = [
            ResolvedMention(p.start, ends.get(p.start, p.start + len(p.name)), p.name, p.country, p.kind)
            for p in places
        ]
        article = EnrichedArticle(
            id=raw.id or "",
            title=raw.title,
            body=raw.body,
            url=raw.url,
            source=raw.source,
            published_at=raw.published_at,
            language=raw.language or "en",
            timestamp=now or datetime.now(timezone.utc),
            entities=entities,
            persons=[g.name for g in groups if g.label == "PERSON"],
            organizations=[g.name for g in groups if g.label == "ORG"],
            locations=list(dict.fromkeys(p.name for p in place_models)),
            countries=ranked,
            country_names=[self.gaz.countries[c].name if c in self.gaz.countries else c for c in ranked],
            focus_countries=focus,
            regions=regions,
            places=place_models,
            enrichment_version=ENRICHMENT_VERSION,
        )
        return Analysis(article, resolved, text)

    def _possessive_to_adjective(self, org: str) -> str:
        """"Japan's Ministry of Defense" -> "Japanese Ministry of Defense" (and "Japan Ministry ...")."""
        m = re.match(r"^(.+?)'s?\s+(.+)$", org)
        if not m:
            return org
        code = self.gaz.country_by_name(m.group(1))
        adj = self._adjective(code) if code else None
        return f"{adj} {m.group(2)}" if adj else org

    def _adjective(self, code: str) -> str | None:
        return self.gaz.adjectives.get(code)


__all__ = ["Enricher", "compose", "dateline_city", "key"]

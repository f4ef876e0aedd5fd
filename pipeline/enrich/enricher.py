"""Raw article + NER mentions -> enriched article. Pure: no I/O, the same code in the worker, `enrich`,
`eval` and the benchmarks.

The steps, in order: the text NER read (`text`), the entities cleaned, the place mentions found and
resolved (`places`), the countries ranked by salience and the focus countries picked (`salience`), the
regions of those countries, the entities merged under canonical names (`canonical`), and the document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from pipeline.enrich import canonical, salience, stories
from pipeline.enrich.gazetteer import Gazetteer
from pipeline.enrich.multilingual import capitals, names_for
from pipeline.enrich.ner import NER_LANGUAGES, Mention, reader
from pipeline.enrich.places import PLACE_LABELS, RECONSIDER_LABELS, Candidates, PlaceMatch, PlaceResolver
from pipeline.enrich.text import after_personal_title, compose, find_dateline, names_state_actor
from schemas import EnrichedArticle, Entity, GeoPoint, Place, RawArticle

ENRICHMENT_VERSION = "4"
LEAD_CHARS = 500
DEMONYM_ONLY_MIN_SCORE = 1.5
# In text no NER reads, a city that the news uses for the institutions seated there implies no country,
# neither as a capital in the lead nor named twice: Brussels is the EU's and NATO's ("Bruksela chce",
# "w Brukseli" in a Brexit story are no news about Belgium). Its country counts when the text names it.
INSTITUTION_SEATS = frozenset({"Brussels"})
CAPITAL_LEAD_CHARS = 200  # the title and about the first sentence: where a capital stands for its state
CITY_ONLY_MIN_SCORE = 1.5  # text no NER reads: a city in the title, the dateline or named twice implies its country
# Languages where a demonym alone (in the title, or speaking for a state) adds its country. Elsewhere a
# demonym ("ukrainische", "российского") is an entity and adds weight to a country the text names, but
# adds none: measured on gold that names only countries written out (tests/data/ud-news.jsonl and the
# held-out UD check), letting it add one cost up to 9 points of precision (none in sr, sv), no recall.
DEMONYM_COUNTRY_LANGUAGES = frozenset({"en", "und"})


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


@dataclass(frozen=True)
class Countries:
    ranked: list[str]  # most salient first
    focus: list[str]
    score: dict[str, float]


class Enricher:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer
        self.places = PlaceResolver(gazetteer)

    def enrich(self, raw: RawArticle, mentions: list[Mention], *, now: datetime | None = None) -> EnrichedArticle:
        return self.analyse(raw, mentions, now=now).article

    def analyse(self, raw: RawArticle, mentions: list[Mention], *, now: datetime | None = None) -> Analysis:
        """The enriched article and, for evaluation, every resolved place mention with its span."""
        text, title_end = compose(raw)
        language = raw.language or "en"
        if language not in NER_LANGUAGES:  # no model reads it: its own names for countries and cities
            mentions = [*mentions, *names_for(language).find(text)]
        mentions = [self.places.extend_hyphenated(text, m) for m in mentions]
        mentions = [*_titled_persons(text, mentions, relabel=language in NER_LANGUAGES)]
        cleaned = [(canonical.clean(m.text, m.label), m) for m in mentions]
        cleaned = [(n, m) for n, m in cleaned if n and any(ch.isalpha() for ch in n)]
        found = self.places.candidates(text, cleaned, mentions, scan=language in NER_LANGUAGES)
        places, dateline_code = self.places.resolve(found, dateline=find_dateline(text, title_end), title_end=title_end)
        sk = stories.sketch(raw.body)
        ends = {m.start: m.end for _, _, m in found.mentions}
        actors = {p.country for p in places if p.kind == "demonym" and p.country and p.start in ends
                  and names_state_actor(text, ends[p.start])}
        countries = self._countries(places, title_end, dateline_code, actors, implied_needs_score=reader(language) is None,
                                    demonyms_add=language in DEMONYM_COUNTRY_LANGUAGES)
        groups = self._entity_groups(cleaned, found, places)
        place_models = _place_models(places)
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
            language=language,
            author=raw.author,
            timestamp=now or datetime.now(timezone.utc),
            entities=[Entity(name=g.name, type=g.label, count=g.count) for g in groups],
            persons=[g.name for g in groups if g.label == "PERSON"],
            organizations=[g.name for g in groups if g.label == "ORG"],
            locations=list(dict.fromkeys(p.name for p in place_models)),
            countries=countries.ranked,
            country_names=[self.gaz.countries[c].name if c in self.gaz.countries else c for c in countries.ranked],
            focus_countries=countries.focus,
            regions=self._regions(countries, places),
            places=place_models,
            enrichment_version=ENRICHMENT_VERSION,
            # a story of its own until a stage that remembers other articles says otherwise (stories.StoryIndex)
            story_id=raw.id or None,
            story_bands=sk.bands if sk else [],
            story_sketch=sk.encode() if sk else None,
        )
        return Analysis(article, resolved, text)

    def _countries(self, places: list[PlaceMatch], title_end: int, dateline_code: str | None,
                   actors: set[str], *, implied_needs_score: bool = False, demonyms_add: bool = True) -> Countries:
        """Every country the article names, ranked by salience; a country only a demonym hints at needs
        a high score (the title) to count, unless the demonym speaks for the state ("Iranian negotiators").
        With `implied_needs_score` (text no NER reads: its places are names found alone, with no model to
        say "Mali" is a word there), a country only its cities imply needs that score too. Without
        `demonyms_add`, a demonym weighs for a country only when something else admits it."""
        # a seat of institutions the news names by their city ("Bruksela" for the EU) speaks for no state
        places = [p for p in places if not (implied_needs_score and p.name in INSTITUTION_SEATS)]
        cms = [salience.CountryMention(p.country, p.start, "org" if p.in_org else p.kind) for p in places if p.country]
        score = salience.scores(cms, title_end=title_end, lead_end=title_end + LEAD_CHARS, dateline=dateline_code)
        admit = score if demonyms_add else salience.scores(
            [m for m in cms if m.kind != "demonym"], title_end=title_end, lead_end=title_end + LEAD_CHARS,
            dateline=dateline_code)
        if not demonyms_add:
            actors = set()
        # a capital in the lead speaks for its state ("В Москве заявили", "Washington warned")
        implied = {p.start for p in places if implied_needs_score and p.kind in ("city", "admin")
                   and not (p.start < title_end + CAPITAL_LEAD_CHARS and p.name in capitals())}
        named = {p.country for p in places if p.country and p.kind != "demonym" and p.start not in implied} | actors
        by_city = {p.country for p in places if p.country and p.start in implied}
        if dateline_code:
            named.add(dateline_code)
        score = {c: v for c, v in score.items() if c in named or admit.get(c, 0.0) >= DEMONYM_ONLY_MIN_SCORE
                 or (c in by_city and admit.get(c, 0.0) >= CITY_ONLY_MIN_SCORE)}
        first_seen: dict[str, int] = {}
        for cm in cms:
            first_seen.setdefault(cm.code, cm.start)
        ranked = salience.rank(score, first_seen)
        return Countries(ranked, salience.focus(score, ranked, dateline=dateline_code), score)

    def _regions(self, countries: Countries, places: list[PlaceMatch]) -> list[str]:
        """The M49 regions of the ranked countries, then of the regions named outright."""
        regions: list[str] = []
        for code in countries.ranked:
            c = self.gaz.countries.get(code)
            for tag in c.regions() if c else ():
                if tag not in regions:
                    regions.append(tag)
        for p in places:
            if p.country and p.country not in countries.score:
                continue
            for tag in p.regions:
                if tag not in regions:
                    regions.append(tag)
        return regions

    def _entity_groups(self, cleaned: list[tuple[str, Mention]], found: Candidates,
                       places: list[PlaceMatch]) -> list[canonical.Group]:
        """Places get their gazetteer name, the rest are merged by `canonical.merge`."""
        resolved_at = {p.start: p for p in places}
        items: list[tuple[str, str, int]] = []
        for name, m in cleaned:
            p = resolved_at.get(m.start)
            if p and m.label != "NORP":
                items.append((p.name, "GPE" if m.label in RECONSIDER_LABELS else m.label, m.start))
            else:
                items.append((name, m.label, m.start))
        entity_starts = {x.start for _, x in cleaned}
        for _name, label, m in found.mentions:
            if label in ("GPE", "SCAN") and m.start in resolved_at and m.start not in entity_starts:
                items.append((resolved_at[m.start].name, "GPE", m.start))
        return canonical.merge(items, prefix_rewrite=self._possessive_to_adjective)

    def _possessive_to_adjective(self, org: str) -> str:
        """"Japan's Ministry of Defense" -> "Japanese Ministry of Defense"."""
        m = re.match(r"^(.+?)'s?\s+(.+)$", org)
        if not m:
            return org
        code = self.gaz.country_by_name(m.group(1))
        adj = self.gaz.adjectives.get(code) if code else None
        return f"{adj} {m.group(2)}" if adj else org


def _titled_persons(text: str, mentions: list[Mention], *, relabel: bool) -> Iterator[Mention]:
    """A place name after a personal title ("Mr Osborne") is a person the NER mistyped; where no NER
    reads the language the name came from the gazetteer alone, so it is no entity at all."""
    for m in mentions:
        if m.label not in PLACE_LABELS or m.label == "NORP" or not after_personal_title(text, m.start):
            yield m
        elif relabel:
            yield replace(m, label="PERSON")


def _place_models(places: list[PlaceMatch]) -> list[Place]:
    """Each place once, most mentioned first; adjectives ("Russian") and names inside organisations
    ("Kenya Red Cross") are not place mentions."""
    counts: Counter[tuple[str, str | None, str]] = Counter()
    first: dict[tuple[str, str | None, str], PlaceMatch] = {}
    for p in places:
        if p.adjectival or p.in_org:
            continue
        k = (p.name, p.country, p.kind)
        counts[k] += 1
        first.setdefault(k, p)
    return [
        Place(
            name=k[0], country=k[1], kind=k[2] if k[2] in ("country", "admin", "city", "region") else "other",
            location=GeoPoint(lat=first[k].lat, lon=first[k].lon)
            if first[k].lat is not None and first[k].lon is not None else None,
            count=n,
        )
        for k, n in counts.most_common()
    ]


__all__ = ["Analysis", "Enricher", "ResolvedMention", "compose"]

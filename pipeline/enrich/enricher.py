"""Raw article + NER mentions -> enriched article. Pure: no I/O, the same code in the worker, `enrich`,
`eval` and the benchmarks.

Place resolution runs in two passes. Names that mean one thing (country names and aliases, demonyms,
region names) are resolved first and become the article's context; then cities, admin areas and
ambiguous names ("Georgia", "Victoria", "Suffolk") are decided by that context (the countries already
named, the dateline) and by population. Statistical NER misses or mislabels many place names ("U.S."
as ORG, "Niger" as PERSON, an unlabelled "Sudan"), so entities whose whole text is a gazetteer name are
reconsidered, and country names the NER did not mark at all are found by a gazetteer scan.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from pipeline.enrich import canonical, salience
from pipeline.enrich.gazetteer import City, Gazetteer, key
from pipeline.enrich.ner import Mention
from schemas import EnrichedArticle, Entity, GeoPoint, Place, RawArticle

ENRICHMENT_VERSION = "3"
PLACE_LABELS = {"GPE", "LOC", "FAC", "NORP"}
# Labels the NER sometimes gives place names; such an entity is a place when its whole text is one.
RECONSIDER_LABELS = {"ORG", "PERSON", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
LEAD_CHARS = 500
# "TOKYO, March 3 (Reuters) -", "KYIV (AP) —", "Washington, D.C. -"
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Za-z.'\- ]{1,40}?)(?:,\s*[A-Z][A-Za-z.' ]{1,30}?)?"
    r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:[-\u2013\u2014:])\s"
)
# "Reston ebolavirus", "Marburg virus", "Spanish flu": a disease named after a place is not a mention of it.
_DISEASE_AFTER = re.compile(
    r"^[\s-]*(?:ebola)?(?:virus|viruses|ebolavirus|fever|flu|influenza|strain|disease|encephalitis|variant)\b",
    re.IGNORECASE,
)
# Capitalised runs of words (with inner "of", "and", ...): where the gazetteer scan looks.
_CAPS_RUN = re.compile(
    r"(?<![\w.])(?:[A-Z][\w'\u2019.-]*|[A-Z]\.)(?:\s+(?:(?:of|and|the|de|del|da|do|du|la|le|al|el)\s+)?"
    r"(?:[A-Z][\w'\u2019.-]*))*"
)
# Country names that are also common given names or words: never taken from the scan alone.
_SCAN_SKIP = {"chad", "jordan", "georgia", "israel", "kenya", "turkey", "china", "guinea", "niger", "america",
              "us", "india", "victoria", "lebanon", "wales", "england"}
MIN_CITY_POP_ALONE = 100_000  # a city this big is taken without its country in context
MIN_CITY_POP = 15_000  # smaller places need their country in context
DEMONYM_ONLY_MIN_SCORE = 1.5
# Scores on the scale of log10(population): a country name is worth a city of ~6M people, an admin
# area one of ~300k; the article's countries add a little, so context decides between near-equals.
COUNTRY_PRIOR = 7.5
ADMIN_PRIOR = 6.5
# Countries whose first-level areas the news names bare ("Georgia", not "Georgia State").
BARE_ADMIN_COUNTRIES = {"US"}
SIBLING_ADMIN_BONUS = 1.5  # another area of the same country is named: "Georgia" beside "Alabama"


def _context_bonus(context: Counter[str], code: str) -> float:
    n = context[code]
    return (1.0 + 0.25 * min(n, 4)) if n else 0.0  # "a Canadian doctor" once in passing does not make the article mention Canada


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
    in_org: bool = False  # inside an organisation's name: the country counts, the place is no mention


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


def _disease_name(text: str, end: int) -> bool:
    return bool(_DISEASE_AFTER.match(text[end : end + 24]))


class Enricher:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer

    # -- places ------------------------------------------------------------------------------------

    def _country_place(self, name: str, code: str, start: int, kind: str = "country") -> _Place:
        c = self.gaz.countries.get(code)
        display = c.name if c and kind == "country" else name
        return _Place(display, code, kind, start, tuple(c.regions()) if c else (), c.lat if c else None,
                      c.lon if c else None)

    def _region_place(self, name: str, start: int, tags: tuple[str, ...], adjectival: bool = False) -> _Place:
        return _Place(name, None, "region", start, tuple(t for t in tags if t), adjectival=adjectival)

    def _resolve_unambiguous(self, name: str, label: str, start: int) -> _Place | None:
        g = self.gaz
        if label == "NORP":
            code = g.demonym(name)
            if code:
                p = self._country_place(name, code, start, kind="demonym")
                p.adjectival = True
                return p
            tags = g.region_tags(name)
            return self._region_place(name, start, tags, adjectival=True) if tags else None
        code = g.country_by_name(name)
        if code and not g.admin_candidates(name):
            return self._country_place(name, code, start)
        tags = g.region_tags(name)
        if tags is not None:
            return self._region_place(name, start, tags)
        rest = g.split_direction(name)
        if rest and not g.admin_candidates(name) and not g.city_candidates(name):
            code = g.country_by_name(rest)
            if code:
                return self._country_place(name, code, start, kind="region")
            tags = g.region_tags(rest)
            if tags is not None:
                return self._region_place(name, start, tags)
        return None

    def _resolve_in_context(self, name: str, label: str, start: int, context: Counter[str]) -> _Place | None:
        """Cities, admin areas and ambiguous names, decided by the countries already in the article."""
        g = self.gaz
        if label == "NORP":
            return None
        candidates: list[tuple[float, _Place]] = []
        code = g.country_by_name(name)
        if code:  # a country name that is also an admin area (Georgia): the country unless context says otherwise
            candidates.append((COUNTRY_PRIOR + _context_bonus(context, code), self._country_place(name, code, start)))
        for a in g.admin_candidates(name):
            if label == "SCAN" and not context[a.country]:
                continue
            c = g.countries.get(a.country)
            sibling = SIBLING_ADMIN_BONUS if context[f"admin:{a.country}"] > 0 else 0.0
            if code and a.country != code and not (
                a.country in BARE_ADMIN_COUNTRIES and (sibling or context[a.country] >= 2)
            ):
                continue  # "Niger" is the country, not Nigeria's Niger State; "Georgia" beside "Alabama" is not
            candidates.append((ADMIN_PRIOR + _context_bonus(context, a.country) + sibling,
                               _Place(a.name, a.country, a.kind, start, tuple(c.regions()) if c else (), a.lat, a.lon)))
        if label != "SCAN" and not code:  # a country's name never means a town that shares it
            for city in g.city_candidates(name):
                if not context[city.country] and (
                    city.weight < MIN_CITY_POP or (city.weight < MIN_CITY_POP_ALONE and label != "GPE")
                ):
                    continue
                score = math.log10(max(city.weight, 10)) + _context_bonus(context, city.country)
                if city.country == "US" and context[f"US-{city.admin1}"]:
                    score += 3.0  # "Paris, Texas": the state named in the article
                candidates.append((score, self._city_place(city, start)))
        if not candidates:
            return None
        return max(candidates, key=lambda t: t[0])[1]

    def _city_place(self, city: City, start: int) -> _Place:
        c = self.gaz.countries.get(city.country)
        return _Place(city.name, city.country, "city", start, tuple(c.regions()) if c else (), city.lat, city.lon)

    def _is_place_name(self, name: str, label: str, person_names: set[str]) -> bool:
        """Whether a non-place entity ("U.S." as ORG, "Niger" as PERSON) is really a place name.

        Only the entity's whole text counts; small towns are still checked against the article's
        countries when they are resolved.
        """
        g = self.gaz
        if label == "PERSON" and name.casefold() in person_names:
            return False  # "Jordan" after "Michael Jordan"
        if g.country_by_name(name) or g.admin_candidates(name) or g.region_tags(name) is not None:
            return True
        cities = g.city_candidates(name)
        if label == "PERSON":
            return bool(cities) and (cities[0].weight >= 200_000 or " " not in name)
        return bool(cities)

    def _scan(self, text: str, covered: list[tuple[int, int]]) -> list[Mention]:
        """Country names and admin areas the NER did not mark as places: unmarked text, and inside
        organisation names ("U.S. Department of Agriculture", "Public Health Agency of Canada")."""
        out: list[Mention] = []
        g = self.gaz
        for run in _CAPS_RUN.finditer(text):
            if any(s < run.end() and run.start() < e for s, e in covered):
                continue
            words = list(re.finditer(r"\S+", run.group()))
            i = 0
            while i < len(words):
                for j in range(len(words), i, -1):  # longest match first
                    s, e = run.start() + words[i].start(), run.start() + words[j - 1].end()
                    name = text[s:e].rstrip(".,;:'\u2019")
                    k = key(name)
                    if k in _SCAN_SKIP or len(k) < 2:
                        continue
                    if g.country_names.get(k) and (len(k) > 3 or name.isupper()):
                        out.append(Mention(name, "GPE", s, s + len(name)))
                        i = j - 1
                        break
                    if g.admins.get(k) and (j - i > 1 or len(k) >= 5 or (name.isupper() and len(k) >= 2)):
                        out.append(Mention(name, "SCAN", s, s + len(name)))
                        i = j - 1
                        break
                i += 1
        return out

    def _extend_hyphenated(self, text: str, m: Mention) -> Mention:
        """NER splits "Guinea-Bissau" and "Saxony-Anhalt" at the hyphen: take the whole name when known."""
        nxt = re.match(r"-[A-Z][\w']+", text[m.end : m.end + 40])
        if not nxt:
            return m
        name = text[m.start : m.end + nxt.end()]
        g = self.gaz
        if g.country_by_name(name) or g.admin_candidates(name) or g.city_candidates(name):
            return Mention(name, m.label, m.start, m.start + len(name))
        return m

    # -- the article -------------------------------------------------------------------------------

    def enrich(self, raw: RawArticle, mentions: list[Mention], *, now: datetime | None = None) -> EnrichedArticle:
        return self.analyse(raw, mentions, now=now).article

    def analyse(self, raw: RawArticle, mentions: list[Mention], *, now: datetime | None = None) -> Analysis:
        """The enriched article and, for evaluation, every resolved place mention with its span."""
        text, title_end = compose(raw)
        lead_end = title_end + LEAD_CHARS
        mentions = [self._extend_hyphenated(text, m) for m in mentions]
        cleaned = [(canonical.clean(m.text, m.label), m) for m in mentions]
        cleaned = [(n, m) for n, m in cleaned if n and any(ch.isalpha() for ch in n)]
        person_names = {
            tok.casefold() for n, m in cleaned if m.label == "PERSON" and len(n.split()) > 1 for tok in n.split()
        }
        # Candidate place mentions: NER places, reconsidered entities, and what the scan finds.
        place_mentions: list[tuple[str, str, Mention]] = []
        for name, m in cleaned:
            if m.label in PLACE_LABELS:
                place_mentions.append((name, m.label, m))
            elif m.label in RECONSIDER_LABELS and self._is_place_name(name, m.label, person_names):
                place_mentions.append((name, "LOC", m))
        orgs = [(m.start, m.end) for _, m in cleaned if m.label == "ORG"]
        taken = {m.start for _, _, m in place_mentions}
        covered = [(m.start, m.end) for m in mentions if m.label != "ORG" or m.start in taken]
        in_org: set[int] = set()
        for m in self._scan(text, covered):
            place_mentions.append((m.text, m.label, m))
            if any(s <= m.start < e for s, e in orgs):
                in_org.add(m.start)
        place_mentions = [(n, lab, m) for n, lab, m in place_mentions if not _disease_name(text, m.end)]

        # Pass 1: names that mean one thing.
        places: list[_Place] = []
        pending: list[tuple[str, str, Mention]] = []
        for name, label, m in place_mentions:
            p = self._resolve_unambiguous(name, label, m.start)
            if p:
                p.in_org = m.start in in_org
                places.append(p)
            else:  # a NORP that is no demonym may still be a place ("Bulacan" mislabelled)
                pending.append((name, "LOC" if label == "NORP" else label, m))
        context: Counter[str] = Counter()
        for p in places:
            if p.country:
                context[p.country] += 0.5 if p.kind == "demonym" else 1  # type: ignore[assignment]
        dateline_code: str | None = None
        dl = dateline_city(text, title_end)
        if dl:
            p = self._resolve_unambiguous(dl, "GPE", title_end) or self._resolve_in_context(dl, "GPE", title_end, context)
            if p and p.country:
                dateline_code = p.country
                context[p.country] += 2
        # Pass 2: the rest, in the light of pass 1 (and of each other, in reading order).
        for name, label, m in sorted(pending, key=lambda t: t[2].start):
            p = self._resolve_in_context(name, label, m.start, context)
            if p:
                p.in_org = m.start in in_org
                places.append(p)
                if p.country:
                    context[p.country] += 1
                if p.kind == "admin":
                    context[f"admin:{p.country}"] += 1
                if p.kind == "admin" and p.country == "US":
                    for a in self.gaz.admin_candidates(p.name):
                        if a.country == "US" and a.code.count("-") == 1:
                            context[a.code] += 1
        places.sort(key=lambda p: p.start)
        resolved_at = {p.start: p for p in places}

        # Countries and their salience.
        cms = [salience.CountryMention(p.country, p.start, "org" if p.in_org else p.kind) for p in places if p.country]
        score = salience.scores(cms, title_end=title_end, lead_end=lead_end, dateline=dateline_code)
        named = {p.country for p in places if p.country and p.kind != "demonym"}
        if dateline_code:
            named.add(dateline_code)
        score = {c: v for c, v in score.items() if c in named or v >= DEMONYM_ONLY_MIN_SCORE}
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
            if p.country and p.country not in score:
                continue
            for tag in p.regions:
                if tag not in regions:
                    regions.append(tag)

        # Entities: places get their gazetteer name, the rest are merged by canonical.merge.
        items: list[tuple[str, str, int]] = []
        for name, m in cleaned:
            p = resolved_at.get(m.start)
            if p and m.label != "NORP":
                items.append((p.name, "GPE" if m.label in RECONSIDER_LABELS else m.label, m.start))
            else:
                items.append((name, m.label, m.start))
        for name, label, m in place_mentions:
            if label in ("GPE", "SCAN") and m.start in resolved_at and not any(m.start == x.start for _, x in cleaned):
                items.append((resolved_at[m.start].name, "GPE", m.start))
        groups = canonical.merge(items, prefix_rewrite=self._possessive_to_adjective)
        entities = [Entity(name=g.name, type=g.label, count=g.count) for g in groups]

        place_counts: Counter[tuple[str, str | None, str]] = Counter()
        place_info: dict[tuple[str, str | None, str], _Place] = {}
        for p in places:
            if p.adjectival or p.in_org:  # "Russian", "European", "Kenya Red Cross": not place mentions
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

        ends = {m.start: m.end for _, _, m in place_mentions}
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
        """"Japan's Ministry of Defense" -> "Japanese Ministry of Defense"."""
        m = re.match(r"^(.+?)'s?\s+(.+)$", org)
        if not m:
            return org
        code = self.gaz.country_by_name(m.group(1))
        adj = self.gaz.adjectives.get(code) if code else None
        return f"{adj} {m.group(2)}" if adj else org


__all__ = ["Analysis", "Enricher", "ResolvedMention", "compose", "dateline_city", "key"]

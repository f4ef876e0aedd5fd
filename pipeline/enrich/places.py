"""Place mentions: which entities are places, and which place each one is. Pure: gazetteer in, no I/O.

Resolution runs in two passes. Names that mean one thing (country names and aliases, demonyms, region
names) are resolved first and become the article's context; then cities, admin areas and ambiguous
names ("Georgia", "Victoria", "Suffolk") are decided by that context (the countries already named, the
dateline) and by population. Statistical NER misses or mislabels many place names ("U.S." as ORG,
"Niger" as PERSON, an unlabelled "Sudan"), so entities whose whole text is a gazetteer name are
reconsidered, and country names the NER did not mark at all are found by a gazetteer scan.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from pipeline.enrich.gazetteer import Admin, City, Gazetteer, admin1_of, dateline_qualifiers, key
from pipeline.enrich.multilingual import capital_countries
from pipeline.enrich.ner import Mention
from pipeline.enrich.text import Dateline, after_personal_title, disease_name

PLACE_LABELS = {"GPE", "LOC", "FAC", "NORP"}
# Labels the NER sometimes gives place names; such an entity is a place when its whole text is one.
RECONSIDER_LABELS = {"ORG", "PERSON", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
# Capitalised runs of words (with inner "of", "and", ...): where the gazetteer scan looks.
_CAPS_RUN = re.compile(
    r"(?<![\w.])(?:[A-Z][\w'\u2019.-]*|[A-Z]\.)(?:\s+(?:(?:of|and|the|de|del|da|do|du|la|le|al|el)\s+)?"
    r"(?:[A-Z][\w'\u2019.-]*))*"
)
# Country names that are also common given names or words: never taken from the scan alone.
_SCAN_SKIP = {"chad", "jordan", "georgia", "israel", "kenya", "turkey", "china", "guinea", "niger", "america",
              "us", "india", "victoria", "lebanon", "wales", "england"}
MIN_CITY_POP_ALONE = 100_000  # a city this big is taken without its country in context
MIN_CITY_POP_SCAN = 1_000_000  # "in Kyiv" unmarked by NER: a city this big is found by the scan alone
MIN_CITY_POP = 15_000  # smaller places need their country in context
# Scores on the scale of log10(population): a country name is worth a city of ~6M people, an admin
# area one of ~300k; the article's countries add a little, so context decides between near-equals.
COUNTRY_PRIOR = 7.5
ADMIN_PRIOR = 6.5
# Countries whose first-level areas the news names bare ("Georgia", not "Georgia State").
BARE_ADMIN_COUNTRIES = {"US"}
SIBLING_ADMIN_BONUS = 1.5  # another area of the same country is named: "Georgia" beside "Alabama"
IN_AREA_BONUS = 2.0  # a city inside the area is named (or the dateline's qualifier is the area)


class Spans:
    """Half-open character spans, asked whether any overlaps a given one: O(log n) per question, so an
    entity-dense article costs n log n, not n squared."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []  # the largest end among the spans up to each position
        for _, e in ordered:
            self._max_end.append(max(e, self._max_end[-1]) if self._max_end else e)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end) - 1  # the last span starting before `end`
        return i >= 0 and self._max_end[i] > start

    def contains(self, pos: int) -> bool:
        return self.overlaps(pos, pos + 1)


def _context_bonus(context: Counter[str], code: str) -> float:
    n = context[code]
    # a demonym alone (0.5) is half a name: "a Canadian doctor" in passing does not make the article Canada's
    return (1.0 + 0.25 * min(n, 4)) * min(n, 1.0) if n else 0.0


@dataclass
class PlaceMatch:
    """One place mention, resolved."""

    name: str
    country: str | None
    kind: str  # country, admin, city, region, demonym
    start: int
    regions: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    admin1: str | None = None  # a city's first-level area (GeoNames code)
    adjectival: bool = False  # from a NORP mention
    in_org: bool = False  # inside an organisation's name: the country counts, the place is no mention


@dataclass
class Candidates:
    """The mentions that may be places: (name, label, mention), and which of them sit inside an org name."""

    mentions: list[tuple[str, str, Mention]] = field(default_factory=list)
    in_org: set[int] = field(default_factory=set)


class PlaceResolver:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer
        self._admin_codes: dict[str, Admin] | None = None

    # -- which mentions are places ---------------------------------------------------------------------

    def candidates(self, text: str, cleaned: list[tuple[str, Mention]], mentions: list[Mention], *,
                   scan: bool = True) -> Candidates:
        """NER places, reconsidered entities, and what the scan finds (English text only: in other
        languages English names are words, "Reunión" a meeting); diseases named after places and names after
        a personal title ("Mr Jordan") left out."""
        person_names = {
            tok.casefold() for n, m in cleaned if m.label == "PERSON" and len(n.split()) > 1 for tok in n.split()
        }
        found = Candidates()
        for name, m in cleaned:
            if m.label in PLACE_LABELS:
                found.mentions.append((name, m.label, m))
            elif m.label in RECONSIDER_LABELS and self.is_place_name(name, m.label, person_names):
                found.mentions.append((name, "LOC", m))
        orgs = Spans([(m.start, m.end) for _, m in cleaned if m.label == "ORG"])
        taken = {m.start for _, _, m in found.mentions}
        covered = [(m.start, m.end) for m in mentions if m.label != "ORG" or m.start in taken]
        for m in self.scan(text, covered) if scan else ():
            found.mentions.append((m.text, m.label, m))
            if orgs.contains(m.start):
                found.in_org.add(m.start)
        found.mentions = [(n, lab, m) for n, lab, m in found.mentions
                          if not disease_name(text, m.end) and not after_personal_title(text, m.start)]
        return found

    def is_place_name(self, name: str, label: str, person_names: set[str]) -> bool:
        """Whether a non-place entity ("U.S." as ORG, "Niger" as PERSON) is really a place name.

        Only the entity's whole text counts; small towns are still checked against the article's
        countries when they are resolved.
        """
        g = self.gaz
        if label == "PERSON" and name.casefold() in person_names:
            return False  # "Jordan" after "Michael Jordan"
        if self.short_capitals(name):
            return False  # "BA" (British Airways as ORG) is no Ba, Fiji
        if g.country_by_name(name) or g.admin_candidates(name) or g.region_tags(name) is not None:
            return True
        cities = g.city_candidates(name)
        if label == "PERSON":
            return bool(cities) and (cities[0].weight >= 200_000 or " " not in name)
        return bool(cities)

    def scan(self, text: str, covered: list[tuple[int, int]]) -> list[Mention]:
        """Country names and admin areas the NER did not mark as places: unmarked text, and inside
        organisation names ("U.S. Department of Agriculture", "Public Health Agency of Canada")."""
        out: list[Mention] = []
        g = self.gaz
        taken = Spans(covered)
        # A name of n words spans at most n + 2 words of text ("the" dropped, a bracket alone): looking
        # further only costs time, cubic in a long capitalised run.
        window = g.longest_scan_name + 2
        for run in _CAPS_RUN.finditer(text):
            if taken.overlaps(run.start(), run.end()):
                continue
            words = list(re.finditer(r"\S+", run.group()))
            i = 0
            while i < len(words):
                for j in range(min(len(words), i + window), i, -1):  # longest match first
                    s, e = run.start() + words[i].start(), run.start() + words[j - 1].end()
                    name = text[s:e].rstrip(".,;:'\u2019")
                    k = key(name)
                    if k in _SCAN_SKIP or len(k) < 2:
                        continue
                    if g.country_names.get(k) and (len(k) > 3 or name.isupper()):
                        out.append(Mention(name, "GPE", s, s + len(name)))
                        i = j - 1
                        break
                    if g.admins.get(k) and (j - i > 1 or len(k) >= 5 or (
                            name.isupper() and len(k) >= 2 and not self.short_capitals(name))):
                        out.append(Mention(name, "SCAN", s, s + len(name)))
                        i = j - 1
                        break
                    if i == 0 and j == len(words) and self._major_city(k):  # alone: not "Kobe Bryant"
                        out.append(Mention(name, "GPE", s, s + len(name)))
                        i = j - 1
                        break
                i += 1
        return out

    def short_capitals(self, name: str) -> bool:
        """A short word in capitals that no country, region or admin area is abbreviated as: an acronym
        ("BA", "IAG"), not a short place's name written in capitals ("Ba"). "US", "EU", "NSW" are theirs."""
        g = self.gaz
        if not name.isupper() or len(key(name)) > 4:
            return False
        return not (g.country_by_name(name) or g.region_tags(name) is not None
                    or any(a.name.isupper() for a in g.admin_candidates(name)))

    def _major_city(self, k: str) -> bool:
        cities = self.gaz.cities.get(k)
        return bool(cities) and len(k) >= 4 and max(c.weight for c in cities or ()) >= MIN_CITY_POP_SCAN

    def extend_hyphenated(self, text: str, m: Mention) -> Mention:
        """NER splits "Guinea-Bissau" and "Saxony-Anhalt" at the hyphen: take the whole name when known."""
        nxt = re.match(r"-[A-Z][\w']+", text[m.end : m.end + 40])
        if not nxt:
            return m
        name = text[m.start : m.end + nxt.end()]
        g = self.gaz
        if g.country_by_name(name) or g.admin_candidates(name) or g.city_candidates(name):
            return Mention(name, m.label, m.start, m.start + len(name))
        return m

    # -- which place each one is -----------------------------------------------------------------------

    def dateline_options(self, qualifier: str) -> list[tuple[str, str | None]]:
        """(country, ISO 3166-2 code or None) a dateline's qualifier can mean: an abbreviation ("Calif.",
        "Ont.", "NSW"), a first-level area ("Ontario", "Georgia"), a country ("Georgia", "Japan")."""
        g = self.gaz
        iso = dateline_qualifiers().get(key(qualifier))
        if iso:
            return [(iso.split("-")[0], iso)]
        out: list[tuple[str, str | None]] = []
        code = g.country_by_name(qualifier)
        if code:
            out.append((code, None))
        for a in g.admin_candidates(qualifier):
            if a.kind == "admin" and a.code.count("-") == 1 and (a.country, a.code) not in out:
                out.append((a.country, a.code))
        return out

    def _qualifier_place(self, dl: Dateline, options: list[tuple[str, str | None]], start: int) -> PlaceMatch | None:
        """The qualifier's own mention ("Ore." read by NER as "Ore"): the area or country it stands for."""
        if not options:
            return None
        country, iso = options[0]
        a = self._admin_by_code(iso) if iso else None
        return self._admin_place(a, start) if a else self._country_place(dl.qualifier or country, country, start)

    def resolve_dateline(self, dl: Dateline, context: Counter[str], options: list[tuple[str, str | None]] | None = None
                         ) -> tuple[PlaceMatch | None, str | None, str | None]:
        """The dateline's city, its country and admin1, given what its qualifier can mean (`dateline_options`).
        An explicit qualifier beats population: "SAN MATEO, Calif." is California's, "BIRMINGHAM, Ala."
        Alabama's; a city the gazetteer lacks still gives the qualifier's country ("Scarborough, Ontario")."""
        if options is None:
            options = self.dateline_options(dl.qualifier) if dl.qualifier else []
        if not options:
            p = (self.resolve_unambiguous(dl.city, "GPE", dl.start)
                 or self.resolve_in_context(dl.city, "GPE", dl.start, context))
            return p, (p.country if p else None), None
        cities = self.gaz.city_candidates(dl.city)
        for country, iso in options:
            admin1 = admin1_of(iso) if iso else None
            inside = [c for c in cities if c.country == country and (iso is None or c.admin1 == admin1)]
            if inside:
                return self._city_place(max(inside, key=lambda c: c.weight), dl.start), country, admin1
        country, iso = options[0]
        if self.gaz.country_by_name(dl.city) == country:  # a city-state
            return self._country_place(dl.city, country, dl.start), country, None
        return None, country, admin1_of(iso) if iso else None

    def resolve(self, found: Candidates, *, dateline: Dateline | None, title_end: int) -> tuple[list[PlaceMatch], str | None]:
        """Both passes: the resolved places in reading order, and the dateline's country."""
        # Pass 1: names that mean one thing.
        places: list[PlaceMatch] = []
        pending: list[tuple[str, str, Mention]] = []
        for name, label, m in found.mentions:
            p = self.resolve_unambiguous(name, label, m.start)
            if p:
                p.in_org = m.start in found.in_org
                places.append(p)
            else:  # a NORP that is no demonym may still be a place ("Bulacan" mislabelled)
                pending.append((name, "LOC" if label == "NORP" else label, m))
        context: Counter[str] = Counter()
        for p in places:
            if p.country:
                context[p.country] += 0.5 if p.kind == "demonym" else 1  # type: ignore[assignment]
        dateline_code: str | None = None
        dateline_place: PlaceMatch | None = None
        options = self.dateline_options(dateline.qualifier) if dateline and dateline.qualifier else []
        if dateline:
            dateline_place, dateline_code, admin1 = self.resolve_dateline(dateline, context, options)
            if dateline_code:
                context[dateline_code] += 2
                if admin1:
                    context[f"{dateline_code}-{admin1}"] += 1
        # Pass 2: the rest, in the light of pass 1 (and of each other, in reading order).
        qualified = dateline is not None and dateline.qualifier is not None and dateline_code is not None
        dateline_seen = False
        second: list[tuple[str, str, Mention, PlaceMatch]] = []
        for name, label, m in sorted(pending, key=lambda t: t[2].start):
            if qualified and dateline and dateline.start <= m.start < dateline.end:
                # the dateline's own city: as its qualifier placed it, or not at all (never a namesake)
                p = replace(dateline_place, start=m.start) if dateline_place else None
                dateline_seen = True
            elif qualified and dateline and dateline.qualifier_start <= m.start < dateline.qualifier_end:
                p = self._qualifier_place(dateline, options, m.start)
            else:
                p = self.resolve_in_context(name, label, m.start, context)
            if p:
                p.in_org = m.start in found.in_org
                places.append(p)
                second.append((name, label, m, p))
                self._add_context(context, p)
        if qualified and dateline and dateline_place and not dateline_seen and not any(
            dateline.start <= p.start < dateline.end for p in places
        ):
            places.append(dateline_place)  # NER missed the dateline's city ("WESTPORT")
        # A name that is a country and an area ("Georgia") is decided again with every other place known:
        # "Voters in Atlanta" later in the text makes the title's "Georgia" the state.
        for name, label, m, p in second:
            if p.kind in ("country", "admin") and self.gaz.country_by_name(name) and self.gaz.admin_candidates(name):
                again = self.resolve_in_context(name, label, m.start, context)
                if again and (again.country, again.kind) != (p.country, p.kind):
                    again.in_org = p.in_org
                    places[places.index(p)] = again
        places.sort(key=lambda p: p.start)
        return places, dateline_code

    def _add_context(self, context: Counter[str], p: PlaceMatch) -> None:
        if p.country:
            context[p.country] += 1
        if p.kind == "admin":
            context[f"admin:{p.country}"] += 1
            for a in self.gaz.admin_candidates(p.name):
                if a.country == p.country and a.code.count("-") == 1:
                    context[f"{a.country}-{admin1_of(a.code) or a.code}"] += 1
        if p.kind == "city" and p.admin1:
            context[f"{p.country}-{p.admin1}"] += 1  # a city in the area: "Atlanta" speaks for Georgia the state

    def _country_place(self, name: str, code: str, start: int, kind: str = "country") -> PlaceMatch:
        c = self.gaz.countries.get(code)
        display = c.name if c and kind == "country" else name
        return PlaceMatch(display, code, kind, start, tuple(c.regions()) if c else (), c.lat if c else None,
                          c.lon if c else None)

    def _region_place(self, name: str, start: int, tags: tuple[str, ...], adjectival: bool = False) -> PlaceMatch:
        return PlaceMatch(name, None, "region", start, tuple(t for t in tags if t), adjectival=adjectival)

    def _city_place(self, city: City, start: int) -> PlaceMatch:
        c = self.gaz.countries.get(city.country)
        return PlaceMatch(city.name, city.country, "city", start, tuple(c.regions()) if c else (), city.lat, city.lon,
                          admin1=city.admin1)

    def _admin_place(self, a: Admin, start: int) -> PlaceMatch:
        c = self.gaz.countries.get(a.country)
        return PlaceMatch(a.name, a.country, a.kind, start, tuple(c.regions()) if c else (), a.lat, a.lon)

    def _admin_by_code(self, iso: str) -> Admin | None:
        if self._admin_codes is None:
            self._admin_codes = {a.code: a for found in self.gaz.admins.values() for a in found}
        return self._admin_codes.get(iso)

    def resolve_unambiguous(self, name: str, label: str, start: int) -> PlaceMatch | None:
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

    def resolve_in_context(self, name: str, label: str, start: int, context: Counter[str]) -> PlaceMatch | None:
        """Cities, admin areas and ambiguous names, decided by the countries already in the article."""
        g = self.gaz
        if label == "NORP":
            return None
        candidates: list[tuple[float, PlaceMatch]] = []
        code = g.country_by_name(name)
        if code:  # a country name that is also an admin area (Georgia): the country unless context says otherwise
            candidates.append((COUNTRY_PRIOR + _context_bonus(context, code), self._country_place(name, code, start)))
        capital_of = capital_countries().get(name, frozenset())
        for a in g.admin_candidates(name):
            if label == "SCAN" and not context[a.country]:
                continue
            if capital_of and a.country not in capital_of and not context[a.country]:
                continue  # "Jerusalem" is Israel's capital, not the Palestinian governorate, unless the text says so
            c = g.countries.get(a.country)
            sibling = SIBLING_ADMIN_BONUS if context[f"admin:{a.country}"] > 0 else 0.0
            within = IN_AREA_BONUS if context[f"{a.country}-{admin1_of(a.code) or a.code}"] > 0 else 0.0
            if code and a.country != code and not (
                a.country in BARE_ADMIN_COUNTRIES and (sibling or within or context[a.country] >= 2)
            ):
                continue  # "Niger" is the country, not Nigeria's Niger State; "Georgia" beside "Alabama" is not
            candidates.append((ADMIN_PRIOR + _context_bonus(context, a.country) + sibling + within,
                               PlaceMatch(a.name, a.country, a.kind, start, tuple(c.regions()) if c else (), a.lat,
                                          a.lon)))
        if label != "SCAN" and not code:  # a country's name never means a town that shares it
            for city in g.city_candidates(name):
                if not context[city.country] and (
                    city.weight < MIN_CITY_POP or (city.weight < MIN_CITY_POP_ALONE and label != "GPE")
                ):
                    continue
                score = math.log10(max(city.weight, 10)) + _context_bonus(context, city.country)
                if context[f"{city.country}-{city.admin1}"]:
                    score += 3.0  # "Paris, Texas": the state named in the article (or the dateline's)
                candidates.append((score, self._city_place(city, start)))
        if not candidates:
            return None
        return max(candidates, key=lambda t: t[0])[1]

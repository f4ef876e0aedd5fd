"""Demonym adjectives in the article's own language ("ukrainische", "ukraińskiego", "российского",
"ucranianos") -> the country they speak for, as the English NER's NORP does for "Ukrainian".

Drawn, like the inflections, once into `data/local_demonyms.tsv.gz` from data, not typed by hand:
- CLDR's language names (Babel) whose English name is an English demonym of `demonyms.tsv`: the name
  of the Ukrainian language is the adjective in most languages ("ukrainien", "украинский", "ukrán",
  "Ukrainisch"; Turkish writes it with the suffix -cA: "Almanca" is "Alman" + -ca; Baltic CLDR names
  are the genitive plural the press uses as the adjective: "ukrainiečių");
- adjectives simplemma lists that grow out of the country's name in that language with that
  language's adjective suffix ("Rosja" is too short a stem; "Chiny" -> "chiński", "Ukraina" ->
  "ukraiński", "Россия" -> "российский"), the longest shared stem deciding between two countries
  ("austriacki" is Austria's, not Australia's) and a tie dropping the word;
and every form simplemma lists for such an adjective ("ukraińskiego", "российского", "ucranianas").

Regenerate after a change of names or of simplemma (a development dependency):
    python -m pipeline.enrich.local_demonyms
"""

from __future__ import annotations

import gzip
import sys
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import cast

DATA = Path(__file__).parent / "data" / "local_demonyms.tsv.gz"
MAX_FORMS = 200  # an agglutinating paradigm past this is cut to the adjective as such (Finnish lists ~150)
MIN_STEM = 4  # a country name's stem shorter than this ("ros", "kub", "per") grows into other words
# The endings of a demonym adjective's lemma, per language: grammar, not names. Languages left out here
# get their demonyms from the CLDR language names only.
ADJECTIVE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "pl": ("ski", "cki", "dzki"),
    "cs": ("ský", "cký"), "sk": ("ský", "cký"),
    "sl": ("ski", "ški", "čki", "cki"), "hr": ("ski", "ški", "čki", "cki"), "bs": ("ski", "ški", "čki", "cki"),
    "sr": ("ски", "шки", "чки", "ski", "ški", "čki"),
    "bg": ("ски", "цки"), "mk": ("ски", "цки"),
    "ru": ("ский", "цкий"), "uk": ("ський", "цький"),
    "de": ("isch",), "nl": ("s", "isch"), "sv": ("sk", "isk"), "da": ("sk", "isk"), "nb": ("sk", "isk"),
    "nn": ("sk", "isk"), "is": ("skur",),
    "fr": ("ien", "ain", "ais", "ois", "ol"),
    "es": ("ano", "ino", "ense", "és", "eño", "í", "ita", "eco"),
    "pt": ("ano", "ino", "ense", "ês", "ita", "eco"),
    "it": ("ano", "ino", "ese", "ense", "ita", "eco"),
    "ca": ("à", "ès", "ià", "í"), "gl": ("ano", "ino", "ense", "és"),
    "ro": ("ian", "an", "ez", "esc"),
    "fi": ("lainen", "läinen"), "et": ("lane",),
    "el": ("ικός", "ιακός"),
}
# our language code -> simplemma's list (as inflections.SIMPLEMMA)
SIMPLEMMA = {"hr": "hbs", "sr": "hbs", "bs": "hbs"}
LANGUAGES = ("de", "nl", "sv", "da", "nb", "is", "fr", "es", "it", "pt", "ca", "gl", "ro", "pl", "cs", "sk",
             "sl", "hr", "sr", "bs", "bg", "mk", "ru", "uk", "lt", "lv", "fi", "et", "hu", "tr", "el")
# Slavic adjectives put "ий", "ij" between stem and suffix ("российский", "srbijanski")
MAX_INFIX = {**dict.fromkeys(("pl", "cs", "sk", "sl", "hr", "sr", "bs", "bg", "mk", "ru", "uk"), 2)}
# where CLDR names a language with a noun ("ruština", "ruščina"), not the adjective: names skipped
NOUN_LANGUAGE_NAMES = frozenset({"cs", "sk", "sl"})
_TURKISH_LANGUAGE_SUFFIXES = ("ca", "ce", "ça", "çe")
_STEM_END = set("aeiouyjąęáéíóúýäöüåæøαεηιουωάέήίόύώаеёиоуыэюяйьіїєъ")


@lru_cache(maxsize=64)
def forms(lang: str) -> dict[str, str]:
    """Form (as written) -> ISO country code, for `lang`."""
    if not DATA.exists():
        return {}
    out: dict[str, str] = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        for line in fh:
            code, form, country = line.rstrip("\n").split("\t")
            if code == lang:
                out[form] = country
    return out


def stem(name: str) -> str:
    """A country name less its final vowels (and Slavic "j"): "ukraina" -> "ukrain", "россия" -> "росс"."""
    s = name.casefold()
    while len(s) > 1 and s[-1] in _STEM_END:
        s = s[:-1]
    return s


def _fold(s: str) -> str:
    """Case and accents folded: "ukraiński" grows out of "ukrain" ("ń" is the "n" softened)."""
    return "".join(c for c in unicodedata.normalize("NFKD", s.casefold()) if not unicodedata.combining(c))


def derived(lemmas: set[str], names: dict[str, str], suffixes: tuple[str, ...], max_infix: int = 1) -> dict[str, str]:
    """Adjective lemma -> country, for lemmas that are a one-word country name's whole stem, at most
    `max_infix` letters and one of `suffixes` ("росс" + "ий" + "ский", "ital" + "i" + "ano").
    `names`: the name (case folded) -> ISO code. The longest stem wins; a tie drops the word."""
    best: dict[str, tuple[int, set[str]]] = {}
    by_head: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for n, code in names.items():
        st = _fold(stem(n))
        if len(st) >= MIN_STEM:
            by_head[st[:MIN_STEM]].append((st, code))
    for lemma in lemmas:
        suffix = next((x for x in suffixes if lemma.endswith(x)), None)
        if suffix is None:
            continue
        folded = _fold(lemma)
        for st, code in by_head.get(folded[:MIN_STEM], ()):
            if not folded.startswith(st) or len(folded) - len(st) > max_infix + len(_fold(suffix)):
                continue
            have = best.get(lemma)
            if have is None or len(st) > have[0]:
                best[lemma] = (len(st), {code})
            elif len(st) == have[0]:
                have[1].add(code)
    return {lemma: next(iter(codes)) for lemma, (_, codes) in best.items() if len(codes) == 1}


def from_language_names(lang: str) -> dict[str, str]:
    """CLDR's name of a language (in `lang`, case folded) -> the country whose English demonym is that
    language's English name ("ukrainien" -> UA: "Ukrainian" is the language and the demonym)."""
    from babel import Locale

    from pipeline.enrich.gazetteer import load

    g = load()
    en = Locale.parse("en").languages
    out: dict[str, str] = {}
    local_names = {n.casefold() for n in Locale.parse(lang).territories.values()}
    for code, local in Locale.parse(lang).languages.items():
        english = en.get(code)
        country = g.demonym(english) if english else None
        if not country or " " in local or "_" in code:
            continue
        word = local.casefold()
        if lang == "tr" and word.endswith(_TURKISH_LANGUAGE_SUFFIXES):
            word = word[:-2]
        if word in local_names or len(word) < 3:  # Turkish "Ukraynaca" -> "ukrayna": the country's own name
            continue
        out.setdefault(word, country)
    return out


# Semitic nisba adjectives, from CLDR's feminine language name ("الأوكرانية", "אוקראינית"): the stem with
# the article or none, and the nisba's endings (masculine, feminine, plurals): grammar, not names
SEMITIC: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "ar": (("ال",), ("ية",), ("ي", "ية", "يون", "يين", "يان", "يتين")),
    "he": (("ה",), ("ית",), ("י", "ית", "ים", "יות")),
}


def semitic(lang: str) -> list[tuple[str, str, str]]:
    """(language, form, ISO code) for Arabic and Hebrew, which simplemma does not list."""
    articles, fem, endings = SEMITIC[lang]
    rows: list[tuple[str, str, str]] = []
    for name, code in sorted(from_language_names(lang).items()):
        base = next((name[len(a):] for a in articles if name.startswith(a)), name) if lang == "ar" else name
        ending = next((e for e in fem if base.endswith(e)), None)
        if ending is None or len(base) - len(ending) < 3:
            continue
        base = base[: -len(ending)]
        forms = {base + e for e in endings}
        rows += [(lang, f, code) for f in sorted(forms | {a + f for a in articles for f in forms})]
    return rows


def build() -> list[tuple[str, str, str]]:
    """(language, form, ISO code) for every language of LANGUAGES."""
    from babel import Locale
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from pipeline.enrich.gazetteer import load
    from pipeline.enrich.inflections import _STRESS, _script

    g = load()
    rows: list[tuple[str, str, str]] = [row for lang in SEMITIC for row in semitic(lang)]
    for lang in LANGUAGES:
        print(lang, file=sys.stderr)  # noqa: T201 - a build tool's progress
        d = cast("dict[bytes, bytes]", _load_dictionary_from_disk(SIMPLEMMA.get(lang, lang)))
        lemma_of = {f.decode("utf-8", "ignore").translate(_STRESS): v.decode("utf-8", "ignore").translate(_STRESS)
                    for f, v in d.items()}
        del d
        lemmas = set(lemma_of.values())
        countries: dict[str, str] = {}
        for code, local in Locale.parse(lang).territories.items():
            if len(code) == 2 and code in g.countries and " " not in local and "-" not in local:
                countries[local.casefold()] = code
        chosen = {} if lang in NOUN_LANGUAGE_NAMES else from_language_names(lang)
        for word, code in list(chosen.items()):  # the lemma simplemma lists for it ("німецька" -> "німецький")
            lemma = lemma_of.get(word, word).casefold()
            if lemma != word and _fold(lemma)[:3] == _fold(word)[:3]:  # not "русский" -> "язык" (a list's slip)
                chosen.setdefault(lemma, code)
        for lemma, code in derived({w for w in lemmas if w[:1].islower()}, countries,
                                   ADJECTIVE_SUFFIXES.get(lang, ()), MAX_INFIX.get(lang, 1)).items():
            chosen.setdefault(lemma, code)
        by_lemma: dict[str, set[str]] = defaultdict(set)
        for f, lemma in lemma_of.items():
            if lemma.casefold() in chosen:
                by_lemma[lemma.casefold()].add(f)
        for lemma, code in sorted(chosen.items()):
            fs = {lemma} | {f for f in by_lemma.get(lemma, ()) if f[:1] and _script(f[0]) == _script(lemma[0])}
            # an agglutinating paradigm (Turkish "Rus", Hungarian "orosz"): the adjective as such, which
            # stands before its noun uninflected ("Rus askerleri", "orosz csapatok")
            rows += [(lang, f, code) for f in sorted(fs if len(fs) <= MAX_FORMS else {lemma})]
        del lemma_of, lemmas
    return rows


def main() -> None:
    from pipeline.enrich.inflections import write_table

    write_table(build(), DATA)


if __name__ == "__main__":
    main()

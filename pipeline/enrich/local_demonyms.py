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
- the nationality adjectives of `data/nationality_adjectives.tsv` (i18n-nationality, MIT: German, Spanish,
  Finnish, French, Italian, Dutch, Norwegian), which no stem gives ("estadounidense", "britannique");
- for a NEWSWORTHY country still without one in the language, adjectives that grow out of its English
  name or demonym, compared letter for letter across scripts (`skeleton`: "американский" and "amerykański" are
  "American" + a Slavic adjective suffix, "британский" is "Brit-" + "an" + "ский");
and every form simplemma lists for such an adjective ("ukraińskiego", "российского", "ucranianas").
`coverage` counts, per language, which of the NEWSWORTHY countries have one.

Regenerate after a change of names or of simplemma (a development dependency):
    python -m pipeline.enrich.local_demonyms
"""

from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pipeline.enrich.inflections import SIMPLEMMA  # our language code -> simplemma's list

if TYPE_CHECKING:
    from pipeline.enrich.gazetteer import Gazetteer

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
LANGUAGES = ("de", "nl", "sv", "da", "nb", "is", "fr", "es", "it", "pt", "ca", "gl", "ro", "pl", "cs", "sk",
             "sl", "hr", "sr", "bs", "bg", "mk", "ru", "uk", "lt", "lv", "fi", "et", "hu", "tr", "el")
# Slavic adjectives put "ий", "ij" between stem and suffix ("российский", "srbijanski")
MAX_INFIX = {**dict.fromkeys(("pl", "cs", "sk", "sl", "hr", "sr", "bs", "bg", "mk", "ru", "uk"), 2)}
# where CLDR names a language with a noun ("ruština", "ruščina"), not the adjective: names skipped
NOUN_LANGUAGE_NAMES = frozenset({"cs", "sk", "sl"})
_TURKISH_LANGUAGE_SUFFIXES = ("ca", "ce", "ça", "çe")
# ~60 countries the news names most (conflicts, powers, economies): what `coverage` is measured on
NEWSWORTHY = tuple("""US GB RU UA CN DE FR IT ES JP KR KP IN PK IR IQ SY IL PS LB SA AE QA TR EG LY SD ET NG ZA
KE BR AR MX VE CO CA AU PL BY HU RO GR SE FI NO NL BE CH AT AF MM TW VN PH ID YE RS CU""".split())
NATIONALITIES = Path(__file__).parent / "data" / "nationality_adjectives.tsv"
_STEM_END = set("aeiouyjąęáéíóúýäöüåæøαεηιουωάέήίόύώаеёиоуыэюяйьіїєъ")


PERSON = "-"  # the table's mark of a form that is also a first name there


@lru_cache(maxsize=64)
def _rows(lang: str) -> tuple[tuple[str, str], ...]:
    if not DATA.exists():
        return ()
    out: list[tuple[str, str]] = []
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        for line in fh:
            code, form, country = line.rstrip("\n").split("\t")
            if code == lang:
                out.append((form, country))
    return tuple(out)


def forms(lang: str) -> dict[str, str]:
    """Form (as written) -> ISO country code, for `lang`."""
    return {form: country for form, country in _rows(lang) if country != PERSON}


def first_names(lang: str) -> frozenset[str]:
    """The forms that are also people's first names in `lang` (Faker's, at build time): capitalised,
    they are a person ("Catarina"), whatever adjective they are a form of."""
    return frozenset(form for form, country in _rows(lang) if country == PERSON)


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
            _keep_longest(best, lemma, len(st), code)
    return {lemma: next(iter(codes)) for lemma, (_, codes) in best.items() if len(codes) == 1}


def _keep_longest(best: dict[str, tuple[int, set[str]]], lemma: str, stem_len: int, code: str) -> None:
    """The countries whose stem explains the most of `lemma`: a longer stem wins, a tie is kept (and
    later dropped as ambiguous)."""
    have = best.get(lemma)
    if have is None or stem_len > have[0]:
        best[lemma] = (stem_len, {code})
    elif stem_len == have[0]:
        have[1].add(code)


def from_language_names(lang: str) -> dict[str, str]:
    """CLDR's name of a language (in `lang`, case folded) -> the country whose English demonym is that
    language's English name ("ukrainien" -> UA: "Ukrainian" is the language and the demonym)."""
    return {word: code for word, (code, _english) in _language_demonyms(lang).items()}


def _language_demonyms(lang: str) -> dict[str, tuple[str, str]]:
    """`from_language_names` with the English demonym each came from ("английский": GB by "English")."""
    from babel import Locale

    from pipeline.enrich.gazetteer import load

    g = load()
    en = Locale.parse("en").languages
    out: dict[str, tuple[str, str]] = {}
    local_names = {n.casefold() for n in Locale.parse(lang).territories.values()}
    for code, local in Locale.parse(lang).languages.items():
        english = en.get(code)
        country = g.demonym(english) if english else None
        if not country or not english or " " in local or "_" in code:
            continue
        word = local.casefold()
        if lang == "tr" and word.endswith(_TURKISH_LANGUAGE_SUFFIXES):
            word = word[:-2]
        if word in local_names or len(word) < 3:  # Turkish "Ukraynaca" -> "ukrayna": the country's own name
            continue
        out.setdefault(word, (country, english))
    return out


def nationality_adjectives(lang: str) -> dict[str, str]:
    """Adjective (case folded) -> ISO code from `data/nationality_adjectives.tsv`: one-word adjectives
    only ("Sud coréen" and "Coreano del Sud" are phrases), never a country's own name there (Italian
    "Qatar"); an adjective several share is the most populous one's ("yhdysvaltalainen" is the United
    States', not their outlying islands'), or no one's when they are alike."""
    from babel import Locale

    from pipeline.enrich.gazetteer import load

    countries = load().countries
    names = {n.casefold() for n in Locale.parse(lang).territories.values()}
    codes: dict[str, set[str]] = defaultdict(set)
    for row in NATIONALITIES.read_text(encoding="utf-8").splitlines():
        if row.startswith("#") or not row.strip():
            continue
        code_lang, code, adjectives = row.split("\t")
        if code_lang != lang:
            continue
        for adj in re.split(r",\s*|\s+/\s+", adjectives):
            word = adj.strip().casefold()
            if word and word.replace("-", "").isalpha() and word not in names:
                codes[word].add(code)
    out: dict[str, str] = {}
    for word, found in codes.items():
        ranked = sorted(found, key=lambda c: -(countries[c].population if c in countries else 0))
        pops = [countries[c].population if c in countries else 0 for c in ranked[:2]]
        if len(ranked) == 1 or pops[0] > 10 * pops[1]:  # else alike ("korealainen": both Koreas)
            out[word] = ranked[0]
    return out


_CYRILLIC_LATIN = dict(zip("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюяјћђџ",
                           "a b v g g d e e e zh z i i i i k l m n o p r s t u f h c ch sh sh - i - e iu ia i c d dz".split(),
                           strict=True))
_GREEK_LATIN = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω", "a v g d e z i t i k l m n ks o p r s s t i f h ps o".split(),
                        strict=True))
_SOUNDS = (("ph", "f"), ("th", "t"), ("q", "k"), ("c", "k"), ("x", "ks"), ("y", "i"), ("w", "v"), ("j", "i"),
           ("h", ""), ("-", ""))


def skeleton(word: str) -> str:
    """A word's letters as one Latin spelling of its sounds, to compare names across scripts and
    spellings: "американский" and "Amerikanisch" and "American" all begin "amerikan"."""
    s = _fold(word)
    s = "".join(_CYRILLIC_LATIN.get(ch) or _GREEK_LATIN.get(ch) or ch for ch in s).replace("-", "")
    for a, b in _SOUNDS:
        s = s.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", s)


_ENGLISH_ENDINGS = ("ian", "ean", "an", "n", "ese", "ish", "i")
MIN_SKELETON_STEM = 4
MIN_CUT_STEM = 5  # a stem cut from a name ("Kore-a", "Pala-u") shorter than this grows into other words


def english_stems(g: Gazetteer) -> dict[str, str]:
    """Skeleton stem -> ISO code, from each country's one-word English name (the gazetteer's short name:
    "Syria", "Cuba") and its first-listed English demonym less its ending ("Americ-an", "Brit-ish"):
    not aliases or constituent nations ("Scotland", "Tibet"), which speak for less than the state.
    A stem two countries share is no one's."""
    out: dict[str, str] = {}
    shared: set[str] = set()
    words: list[tuple[str, str, bool]] = [(c.name, code, True) for code, c in g.countries.items() if " " not in c.name]
    words += [(d[: len(d) - len(e)], code, False) for code, d in g.adjectives.items() if " " not in d
              for e in _ENGLISH_ENDINGS[:1] + tuple(x for x in _ENGLISH_ENDINGS if d.endswith(x))[:1]
              if d.endswith(e)]
    for word, code, whole_name in words:
        whole = skeleton(word)
        cut = whole[:-1] if whole[-1:] in "aeiou" else whole  # "Syria": "siria", "siri"
        for st in {whole, cut}:
            if len(st) < (MIN_CUT_STEM if st != whole and whole_name else MIN_SKELETON_STEM):
                continue
            if out.get(st, code) != code:
                shared.add(st)
            out[st] = code
    return {st: c for st, c in out.items() if st not in shared}


def derived_across(lemmas: set[str], stems: dict[str, str], suffixes: tuple[str, ...], max_infix: int,
                   wanted: set[str]) -> dict[str, str]:
    """Adjective lemma -> country (one of `wanted`), for lemmas whose skeleton is a skeleton stem of
    `english_stems`, at most `max_infix` letters and one of `suffixes`: "американский" is "amerikan" +
    "ski"; the longest stem wins, a tie drops the word."""
    by_head: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for st, code in stems.items():
        by_head[st[:MIN_SKELETON_STEM]].append((st, code))
    best: dict[str, tuple[int, set[str]]] = {}
    for lemma in lemmas:
        suffix = next((x for x in suffixes if lemma.endswith(x)), None)
        if suffix is None:
            continue
        sk, sks = skeleton(lemma), skeleton(suffix)
        if len(sks) < 2 or not sk.endswith(sks):  # Spanish "-í" ends verbs too ("corregí")
            continue
        for st, code in by_head.get(sk[:MIN_SKELETON_STEM], ()):
            if not sk.startswith(st) or len(sk) - len(st) > max_infix + len(sks):
                continue
            _keep_longest(best, lemma, len(st), code)
    return {lemma: next(iter(codes)) for lemma, (_, codes) in best.items()
            if len(codes) == 1 and next(iter(codes)) in wanted}


def coverage(langs: tuple[str, ...] = (*LANGUAGES, *("ar", "he"))) -> dict[str, list[str]]:
    """Language -> the NEWSWORTHY countries the table has no adjective for."""
    return {lang: [c for c in NEWSWORTHY if c not in set(forms(lang).values())] for lang in langs}


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
    from pipeline.enrich.inflections import _STRESS, _script, given_names

    g = load()
    across = english_stems(g)
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
        listed = nationality_adjectives(lang) if NATIONALITIES.exists() else {}
        if listed:
            for word, code in listed.items():
                noun = word[:1].upper() + word[1:]
                if word not in lemma_of and lemma_of.get(noun) == noun and not word.endswith(ADJECTIVE_SUFFIXES.get(lang, ())):
                    continue  # a noun the list files as an adjective (German "Gazastreifen", "Hongkong")
                lemma = lemma_of.get(word, word).casefold()
                if code in g.countries:  # the list's lemma, unless it is another word's ("американский" -> "индеец")
                    chosen.setdefault(lemma if _fold(lemma)[:3] == _fold(word)[:3] else word, code)
        lower = {w for w in lemmas if w[:1].islower()}
        derived_codes: set[str] = set()
        for lemma, code in derived(lower, countries, ADJECTIVE_SUFFIXES.get(lang, ()), MAX_INFIX.get(lang, 1)).items():
            chosen.setdefault(lemma, code)
            derived_codes.add(code)
        # a country has its adjective when one comes from its first English demonym: "английский" (the
        # language, "English") leaves the United Kingdom without "британский" ("British")
        secondary = {code for code, english in _language_demonyms(lang).values() if english != g.adjectives.get(code)}
        primary = {code for code in chosen.values() if code not in secondary} | derived_codes | set(listed.values())
        missing = set(NEWSWORTHY) - primary
        # adjectives a list files under another word are keys only: those ending as an adjective of the language
        suffixes = ADJECTIVE_SUFFIXES.get(lang, ())
        keys = {f for f in lemma_of if f[:1].islower() and suffixes and f.endswith(suffixes)}
        for lemma, code in derived_across(lower | keys, across, ADJECTIVE_SUFFIXES.get(lang, ()), MAX_INFIX.get(lang, 1),
                                          missing).items():
            chosen.setdefault(lemma, code)
        # a list that files an adjective's forms under another word (Russian "американский" under
        # "индеец"): that word's forms that share the adjective's stem are the adjective's
        filed_under = {lemma: lemma_of[lemma].casefold() for lemma in chosen
                       if lemma in lemma_of and lemma_of[lemma].casefold() not in (lemma, *chosen)}
        wanted = set(chosen) | set(filed_under.values())
        by_lemma: dict[str, set[str]] = defaultdict(set)
        for f, lemma in lemma_of.items():
            if lemma.casefold() in wanted:
                by_lemma[lemma.casefold()].add(f)
        people = {n.casefold() for n in given_names(lang)}
        for lemma, code in sorted(chosen.items()):
            fs = {lemma} | {f for f in by_lemma.get(lemma, ()) if f[:1] and _script(f[0]) == _script(lemma[0])}
            if lemma in filed_under:
                head = lemma[: max(MIN_STEM, len(lemma) - 3)]
                fs |= {f for f in by_lemma.get(filed_under[lemma], ()) if f.casefold().startswith(head)}
            # an agglutinating paradigm (Turkish "Rus", Hungarian "orosz"): the adjective as such, which
            # stands before its noun uninflected ("Rus askerleri", "orosz csapatok")
            kept = sorted(fs if len(fs) <= MAX_FORMS else {lemma})
            rows += [(lang, f, code) for f in kept]
            # a form that is also a first name ("Catarina", a form of "catarino", Qatari): capitalised, a person
            rows += [(lang, f, PERSON) for f in kept if f.casefold() in people]
        del lemma_of, lemmas
    return rows


def main() -> None:
    from pipeline.enrich.inflections import write_table

    write_table(build(), DATA)


if __name__ == "__main__":
    main()

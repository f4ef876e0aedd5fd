"""Inflected forms of place names ("Polsce" is a form of "Polska", "Німеччини" of "Німеччина", "Suomessa"
of "Suomi"), for every language simplemma's lemmatisation lists cover (about 50).

Why a table and not a lemmatiser at run time: simplemma's Polish list alone takes 17 s and some 700 MB
to load; the place names are a few hundred words per language, so their forms are drawn from the lists
once, here, into `data/inflections.tsv.gz` (a few thousand lines per language), and enrichment reads
only that: no load time, no lemmatiser in the worker, a dictionary lookup per capitalised word.

Regenerate after a change of names or of simplemma (a development dependency):
    python -m pipeline.enrich.inflections
"""

from __future__ import annotations

import gzip
import sys
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import cast

DATA = Path(__file__).parent / "data" / "inflections.tsv.gz"
# our language code -> simplemma's list (Serbo-Croatian is one list for hr, sr, bs; Bokmål for "no")
SIMPLEMMA = {"hr": "hbs", "sr": "hbs", "bs": "hbs", "no": "nb"}
MAX_FORMS_PER_WORD = 40  # a one-word name with more listed forms than this is a common word's paradigm
MAX_FORMS_IN_NAME = 200  # a word of a longer name ("Stany Zjednoczone") matches only beside the others


_STRESS = {0x0300: None, 0x0301: None}  # the lists mark stress ("Німе́ччини"); news copy does not


def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split()[0]


# our language code -> Faker's person locales' language, where they differ
_FAKER = {"nb": "no", "nn": "no", "bs": "hr", "sr": "hr", "mk": "bg"}


@lru_cache(maxsize=64)
def given_names(lang: str) -> frozenset[str]:
    """People's first names in `lang` (Faker's person providers, every locale of the language: pt_PT
    and pt_BR), so a build never takes a person for a place: "Catarina" is no form of Portuguese
    "catarino" (Qatari) there, whatever a list says. Empty where Faker (a build dependency) is absent."""
    import importlib
    import pkgutil

    try:
        import faker.providers.person as person
    except ImportError:
        return frozenset()
    want = _FAKER.get(lang, lang)
    names: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        if mod.name.split("_")[0] != want:
            continue
        provider = importlib.import_module(f"{person.__name__}.{mod.name}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            found = getattr(provider, attr, ())
            if isinstance(found, (tuple, list, dict)):  # a weighted dict's keys; a computed property: skipped
                names.update(n for n in found if isinstance(n, str))
    return frozenset(names)


def _letters(word: str) -> str:
    """The word's letters, case and accents folded: the lists mark stress and length ("Béča", "Ósló")."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.casefold()) if ch.isalpha())


def _same_stem(form: str, name: str) -> bool:
    """Whether `form` can be a case of the one-word name `name`: they share a run of letters as long as
    half the name (three at least), wherever it starts, as Celtic mutations put letters before it ("Gairo",
    "tSín", "Bport"). The lists file a two-word name's first word under its second ("Внутренняя" under
    "Монголия", from "Внутренняя Монголия"): such a form is no case of the one-word name. Or they begin
    alike, as where a vowel alternates inside the stem ("Києва" of "Київ")."""
    a, b = _letters(form), _letters(name)
    if a[:2] == b[:2]:  # a vowel that alternates inside the stem: "Києва", "Києві" of "Київ"
        return True
    need = max(3, len(b) // 2) if len(b) >= 3 else len(b)
    return any(b[i : i + need] in a for i in range(len(b) - need + 1))


@lru_cache(maxsize=64)
def forms(lang: str) -> dict[str, tuple[str, ...]]:
    """Inflected form (as written) -> the name words (as CLDR writes them) it is a form of, for `lang`."""
    if not DATA.exists():
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        for line in fh:
            code, form, word = line.rstrip("\n").split("\t")
            if code == lang:
                out[form].append(word)
    return {f: tuple(ws) for f, ws in out.items()}


def simplemma_lists() -> list[tuple[str, list[str]]]:
    """(simplemma's list, our languages it serves), English left out: what the table builders read."""
    from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

    ours: dict[str, list[str]] = defaultdict(list)
    for lang in sorted(SUPPORTED_LANGUAGES):
        ours[lang].append(lang)
    for lang, theirs in SIMPLEMMA.items():
        ours[theirs].append(lang)
    return [(theirs, langs) for theirs, langs in sorted(ours.items())
            if theirs in SUPPORTED_LANGUAGES and theirs != "en"]


def build() -> list[tuple[str, str, str]]:
    """(language, form, name word) for every name word of every language simplemma lists."""
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from pipeline.enrich.gazetteer import load
    from pipeline.enrich.multilingual import _WORD, _english_pairs, _pairs, exonym_pairs

    g = load()
    rows: list[tuple[str, str, str]] = []
    for theirs, langs in simplemma_lists():
        print(f"{theirs} -> {', '.join(langs)}", file=sys.stderr)  # noqa: T201 - a build tool's progress
        d = cast("dict[bytes, bytes]", _load_dictionary_from_disk(theirs))
        for lang in langs:
            single: set[str] = set()  # one-word names: their forms must be a proper noun's (capitalised lemma)
            multi: set[str] = set()
            exonym_words: set[str] = set()
            named = _pairs(lang, g)
            extra = exonym_pairs(lang, named)
            exonyms = {local for local, _ in extra}
            for local, _english in [*named, *extra]:
                words = _WORD.findall(local)
                if len(words) == 1:
                    single.update(w for w in words if w[:1].isupper())
                elif local in exonyms:  # GeoNames' longer names, "Nowy Jork": capitalised words, few forms each
                    if all(w[:1].isupper() for w in words):
                        exonym_words.update(w for w in words if len(w) >= 3)
                else:  # "Spojené státy": every word of a longer name, in whatever case it is written
                    multi.update(w for w in words if len(w) >= 3)
            # a word of a longer exonym only (not a one-word name too, English ones included: "Kota" of "Kota
            # Kinabalu" is India's Kota), and no common word's paradigm ("Han", "Cape", "Van" have hundreds)
            exonym_words -= single | multi | {local for local, _ in _english_pairs(lang, g) if " " not in local}
            multi |= exonym_words
            targets: dict[bytes, set[str]] = defaultdict(set)  # a lemma -> the name words it stands for
            for w in single | multi:
                lemmas = {w.encode(), d.get(w.encode(), w.encode())}
                if w in multi:  # "Stany Zjednoczone": a common word's lemma, listed in lower case; and the
                    # word as a lemma of its own, where the list files it under another ("gora", a mountain,
                    # under "zao", bad: "Crnu Goru" is Montenegro's)
                    lemmas |= {w.lower().encode(), d.get(w.lower().encode(), w.lower().encode())}
                for lemma in lemmas:
                    if w in single and not lemma.decode("utf-8", "ignore")[:1].isupper():
                        continue
                    targets[lemma].add(w)
            found: dict[str, set[str]] = defaultdict(set)
            for f, lemma in d.items():
                names = targets.get(lemma)
                if names:
                    form = f.decode("utf-8", "ignore").translate(_STRESS)
                    for w in names:
                        if form[:1] and _script(form[0]) == _script(w[0]) and (  # not "Niméččyna" for "Німеччина"
                                w not in single or _same_stem(form, w)):
                            found[w].add(form[0].upper() + form[1:])
            people = given_names(lang)
            for w, fs in sorted(found.items()):
                if len(fs) <= (MAX_FORMS_PER_WORD if w in single or w in exonym_words else MAX_FORMS_IN_NAME):
                    rows += [(lang, f, w) for f in sorted(fs) if f != w and f not in people]
        del d
    return rows


def write_table(rows: list[tuple[str, str, str]], path: Path) -> None:
    """A generated table as gzipped TSV; mtime 0, so the same rows give the same bytes each build."""
    text = "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as fh:
        fh.write(text)
    print(f"{len(rows)} forms -> {path}", file=sys.stderr)  # noqa: T201 - a build tool's summary


def main() -> None:
    write_table(build(), DATA)


if __name__ == "__main__":
    main()

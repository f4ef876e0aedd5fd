"""Common words and first names that read as a place's name when capitalised: Serbo-Croatian "Samo"
("only", not Samoa) and "Još" ("still", not Jos), Russian "Самой" (not Samoa) and "Палаты" ("chamber",
not Palau); "Milan Kučan", "Dominik Hašek".

Capitals mark a name only where the language would otherwise write the word in lower case. At a
sentence's start, in a word written all in capitals, or inside a run of capitalised words (an
organisation's name, "Счётной Палаты") they say nothing, and there a word the language uses as a common
word is taken as that word. Elsewhere ("na Samoi") the capital still makes it the place. A first name
is a person's before another capitalised word ("Milan Kučan"), a place's alone ("u Milanu"); a first
name written as a country's own name in the language ("France", "Israel") is always the country.

Which words: the lower-case forms of simplemma's lists that the matcher would read as a one-word
place's name, that are not written as the place's name itself is ("Kijów", "BiH") nor a form of a
place's adjective ("polska", "hrvatski"), and that are far more common in the language's running text
than the place's name, by wordfreq's counts (the languages it covers): at least once in a million
words, and ten times (a Zipf unit) the count of the place's name there, "samo" (6.4) against "samoa"
(2.5). The counts are case folded, so a case of the name itself ("Zagrebu", "Kosovu") is never more
common than its name and stays a place. A place's own name that is also one of the language's
commonest words (Zipf 5) and a hundred times as common as the place is news (its other forms in the
language, "Києва" for "Київ", or its English name in English, the larger) is the word where its
capital says nothing: Ukrainian "Того" ("that", not Togo), Slovak "Mali" ("small"). And Faker's first
names of the language that the matcher would read as a place. Drawn once into
`data/common_words.tsv.gz` (language, form, `word` or `person`), as `inflections` does with the name
forms; simplemma, wordfreq and Faker are build dependencies only. Regenerate after the names or their
forms change:
    python -m pipeline.enrich.common_words
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from pipeline.enrich.multilingual import LocalNames

DATA = Path(__file__).parent / "data" / "common_words.tsv.gz"


WORD, PERSON = "word", "person"
MIN_ZIPF = 3.0  # once in a million words: rarer forms are no common word worth a rule
MARGIN = 1.0  # Zipf units (powers of ten) above the place's name in the same language
MIN_ZIPF_OWN, MARGIN_OWN = 5.0, 2.0  # a place's own name as a word: one of the commonest, 100x the place
WORDFREQ = {"hr": "sh", "sr": "sh", "bs": "sh", "no": "nb"}  # our code -> wordfreq's, where they differ


@lru_cache(maxsize=64)
def collisions(lang: str) -> dict[str, frozenset[str]]:
    """`word`: the lower-case forms of `lang` that match a one-word place's name; `person`: the first
    names that do (both as written)."""
    out: dict[str, set[str]] = {WORD: set(), PERSON: set()}
    if DATA.exists():
        with gzip.open(DATA, "rt", encoding="utf-8") as fh:
            for code, form, kind in (line.rstrip("\n").split("\t") for line in fh):
                if code == lang:
                    out[kind].add(form)
    return {k: frozenset(v) for k, v in out.items()}


def related(lemma: str, name: str, adjectives: Collection[str]) -> bool:
    """Whether `lemma` is the name itself or one of the language's adjectives of a place ("polski" for
    "Polska", "hrvatski"): those forms are the place's wherever they are capitalised. Compared with
    accents kept: "još" is no "Jos"."""
    from pipeline.enrich.multilingual import norm

    return lemma.casefold() == name.casefold() or norm(lemma) in adjectives


def own_form(word: str, places: set[str], names: LocalNames, own_names: set[str]) -> bool:
    """Whether `word` is written as one of `places`' own names (`own_names`, normalised) or a listed form of
    one, accents aside ("još" is none of "Jos"); a form of a longer name's word ("Samo" of some "Samo ...")
    is none."""
    from pipeline.enrich.multilingual import norm

    return norm(word) in own_names or any(names.index.get((k,)) in places for k in names.lemmas.get(norm(word), ()))


def build() -> list[tuple[str, str, str]]:
    """(language, form, kind) for every language simplemma lists."""
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from wordfreq import available_languages, zipf_frequency

    from pipeline.enrich.inflections import forms, given_names, simplemma_lists
    from pipeline.enrich.gazetteer import load
    from pipeline.enrich.multilingual import _WORD, _build_names, _english_pairs, _pairs, exonym_pairs, norm

    rows: list[tuple[str, str, str]] = []
    for theirs, langs in simplemma_lists():
        print(f"{theirs} -> {', '.join(langs)}", file=sys.stderr)  # noqa: T201 - a build tool's progress
        d = cast("dict[bytes, bytes]", _load_dictionary_from_disk(theirs))
        for lang in langs:
            names: LocalNames = _build_names(lang, collide={})
            freq_lang = WORDFREQ.get(lang, lang)
            if names.unspaced or freq_lang not in available_languages():
                continue
            # the language's own names (CLDR's, the aliases, GeoNames' exonyms), not the English ones its
            # text also writes ("Jos"): a form written as one of them is the place's ("France", "Münih")
            g = load()
            own = [*_pairs(lang, g)]
            own += exonym_pairs(lang, own)
            own_names = {norm(local) for local, _ in own}
            locals_of: dict[str, list[str]] = defaultdict(list)  # English name -> its one-word local names
            for local, english in [*own, *_english_pairs(lang, g)]:
                if len(_WORD.findall(local)) == 1:
                    locals_of[english].append(local)
            # English name -> its names and listed forms there, case folded: how often the place is news
            word_place = {norm(local): english for english, ls in locals_of.items() for local in ls}
            forms_of: dict[str, set[str]] = defaultdict(set)
            for written, ws in forms(lang).items():
                for p in {word_place[norm(w)] for w in ws if norm(w) in word_place}:
                    forms_of[p].add(written.casefold())
            for english, ls in locals_of.items():
                forms_of[english].update(local.casefold() for local in ls)
            found: set[str] = set()
            for f, lemma_b in d.items():
                form = f.decode("utf-8", "ignore")
                if not form.isalpha() or not form.islower() or len(form) < 3:
                    continue
                lemma = lemma_b.decode("utf-8", "ignore")
                if lemma[:1].isupper():
                    continue  # the list's own proper noun
                places = names.single_word_places(form)
                if not places or norm(form) in names.demonyms or any(
                        related(lemma, local, names.demonyms) for p in places for local in locals_of.get(p, [p])):
                    continue
                zipf = zipf_frequency(form, freq_lang)
                if own_form(form, places, names, own_names):
                    # unless it is one of the language's commonest words and the place seldom news: Ukrainian
                    # "Того" ("that"), Slovak "Mali" ("small") at a sentence's start. How often the place is news:
                    # its other forms there ("Києва" for "Київ"), or its English name in English, the larger;
                    # abbreviations ("BiH", "ZDA") are names only
                    if zipf >= MIN_ZIPF_OWN and not any(local[1:] != local[1:].lower() for p in places
                                                        for local in locals_of.get(p, [])):
                        news = max([zipf_frequency(o, freq_lang) for p in places for o in forms_of.get(p, ()) if o != form]
                                   + [zipf_frequency(p.casefold(), "en") for p in places])
                        if zipf - news >= MARGIN_OWN:
                            found.add(form)
                    continue
                place = max(zipf_frequency(n.casefold(), freq_lang) for p in places for n in [p, *locals_of.get(p, [])])
                if zipf >= MIN_ZIPF and zipf - place >= MARGIN:
                    found.add(form)
            rows += [(lang, form, WORD) for form in sorted(found)]
            # a country is named far more often than anyone after it: a name written as the country's own
            # ("France", "Israel" where the language calls it so) stays it; one that reaches it only by a
            # cut stem or as its English name is the person's ("Доминик Рааб", Bulgarian "Йордан Соколов")
            people = {n for n in given_names(lang) if n[:1].isupper() and (places := names.single_word_places(n))
                      and not (any(g.country_by_name(p) for p in places) and own_form(n, places, names, own_names))}
            rows += [(lang, n, PERSON) for n in sorted(people)]
        del d
    return rows


def main() -> None:
    from pipeline.enrich.inflections import write_table

    write_table(build(), DATA)


if __name__ == "__main__":
    main()

"""Build `ud-news.jsonl`, the multilingual development set, from Universal Dependencies treebanks.

Run from the checkout with the treebanks' git directories already fetched (paths below, one per
language): `python tests/data/build_ud_news.py /path/to/mirrors > tests/data/ud-news.jsonl`.

Why UD: every token carries a lemma checked by people ("Polsce" -> "Polska", "Німеччини" ->
"Німеччина"), so the gold countries come from the annotators' lemmas matched against CLDR's name of
the country in that language (and `local_aliases.tsv`), never from newswatch's own matcher. A country
counts only where the text writes it out (a proper-noun lemma equal to the name); a city or an
adjective ("polski") is not a gold country, so a country inferred from a city costs precision.

Sources (all CC BY-SA, except UD_Ukrainian-IU: CC BY-NC-SA 4.0), attribution in ud-news.README.md.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from collections.abc import Iterator
from typing import Any, cast

# language -> (mirror folder, file in it, documents kept)
SOURCES: dict[str, tuple[str, str]] = {
    "en": ("UniversalDependencies+UD_English-PUD", "en_pud-ud-test.conllu"),
    "pl": ("UniversalDependencies+UD_Polish-PUD", "pl_pud-ud-test.conllu"),
    "cs": ("UniversalDependencies+UD_Czech-PUD", "cs_pud-ud-test.conllu"),
    "fi": ("UniversalDependencies+UD_Finnish-PUD", "fi_pud-ud-test.conllu"),
    "tr": ("UniversalDependencies+UD_Turkish-PUD", "tr_pud-ud-test.conllu"),
    "ru": ("UniversalDependencies+UD_Russian-PUD", "ru_pud-ud-test.conllu"),
    "de": ("UniversalDependencies+UD_German-PUD", "de_pud-ud-test.conllu"),
    "is": ("UniversalDependencies+UD_Icelandic-PUD", "is_pud-ud-test.conllu"),
    "sv": ("UniversalDependencies+UD_Swedish-PUD", "sv_pud-ud-test.conllu"),
    "pt": ("UniversalDependencies+UD_Portuguese-PUD", "pt_pud-ud-test.conllu"),
    "it": ("UniversalDependencies+UD_Italian-PUD", "it_pud-ud-test.conllu"),
    "es": ("UniversalDependencies+UD_Spanish-PUD", "es_pud-ud-test.conllu"),
    "uk": ("UniversalDependencies+UD_Ukrainian-IU", "uk_iu-ud-test.conllu"),
    "bg": ("UniversalDependencies+UD_Bulgarian-BTB", "bg_btb-ud-test.conllu"),
    "sl": ("UniversalDependencies+UD_Slovenian-SSJ", "sl_ssj-ud-test.conllu"),
    "hr": ("UniversalDependencies+UD_Croatian-SET", "hr_set-ud-test.conllu"),
    "sr": ("UniversalDependencies+UD_Serbian-SET", "sr_set-ud-test.conllu"),
    "sk": ("UniversalDependencies+UD_Slovak-SNK", "sk_snk-ud-test.conllu"),
}
LOCALES = {"sr": "sr_Latn"}  # the SETimes treebank writes Serbian in Latin script
MAX_DOCS = 100
MAX_SENTENCES = 12  # long documents are cut: an article's lead, not a book
CHUNK = 6  # treebanks without document marks are cut into pieces of this many sentences
MAX_NAME_TOKENS = 4
_PREFIX = 4
_QUALIFIER = re.compile(r"\s+[(–-]\s*|\s+\(")


def norm(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.casefold()) if not unicodedata.combining(c))


def named_countries(lang: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name as written, ISO code) of each country in `lang`: CLDR's names, and the short forms of
    `local_aliases.tsv`."""
    from babel import Locale

    from pipeline.enrich.gazetteer import load

    g = load()
    cldr = [(name, code) for code, name in Locale.parse(LOCALES.get(lang, lang)).territories.items()
            if len(code) == 2 and code in g.countries]
    aliases = [(local, code) for local, code in _local_aliases(lang) if code]
    return cldr, aliases


def _local_aliases(lang: str) -> list[tuple[str, str | None]]:
    """`local_aliases.tsv` in `lang`: (name, the state's code when the name is a short form of the state's own
    name, else None). "Irlandia Północna" is in the United Kingdom, but it does not write the United
    Kingdom out."""
    from pipeline.enrich.gazetteer import _tsv, load

    g = load()
    return [(local, c if c and g.countries[c].name == english else None)
            for code_lang, local, english in _tsv("local_aliases.tsv") if code_lang == lang
            for c in [g.country_by_name(english)]]


def part_names(lang: str) -> frozenset[tuple[str, ...]]:
    """The longer names of places that are no state in `lang` ("Irlandia Północna", "Mongolia Wewnętrzna"), as
    the first letters (`_PREFIX`: cases differ at the end) of their first and last words (treebanks split
    Italian "del" into "di il"): a country's name inside one of them is not that country written out."""
    out = set()
    for local, code in _local_aliases(lang):
        words = norm(local).replace("-", " ").split()
        if code is None and len(words) > 1:
            out.add((words[0][:_PREFIX], words[-1][:_PREFIX]))
    return frozenset(out)


def country_names(lang: str) -> dict[tuple[str, ...], str]:
    """Normalised word tuples of each country's name in `lang` (CLDR and local aliases) -> ISO code."""
    cldr, aliases = named_countries(lang)
    out: dict[tuple[str, ...], str] = {}
    short: dict[tuple[str, ...], set[str]] = {}
    for name, code in cldr:
        out[tuple(norm(name).replace("-", " ").split())] = code
        # CLDR qualifies some names ("Гонконг (САР)", "Hongkong – ZAO Číny"); news writes the name alone
        bare = _QUALIFIER.split(name)[0].strip()
        if bare != name and len(bare) >= 3:
            short.setdefault(tuple(norm(bare).replace("-", " ").split()), set()).add(code)
    for words, codes in short.items():
        if len(codes) == 1 and words not in out:  # "Kongo" is two countries: neither
            out[words] = next(iter(codes))
    for local, c in aliases:
        out[tuple(norm(local).replace("-", " ").split())] = c
    return out


def documents(text: str) -> list[list[tuple[str, list[tuple[str, str, str]]]]]:
    """Documents as lists of (sentence text, [(form, lemma, upos)])."""
    docs: list[list[tuple[str, list[tuple[str, str, str]]]]] = []
    cur: list[tuple[str, list[tuple[str, str, str]]]] = []
    sent_text, toks = "", cast("list[tuple[str, str, str]]", [])
    has_docs = "# newdoc" in text
    for line in text.splitlines():
        if line.startswith("# newdoc"):
            if cur:
                docs.append(cur)
            cur = []
        elif line.startswith("# text ="):
            sent_text = line.split("=", 1)[1].strip()
        elif not line.strip():
            if toks:
                cur.append((sent_text, toks))
                if not has_docs and len(cur) >= CHUNK:
                    docs.append(cur)
                    cur = []
            toks = []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) >= 4 and cols[0].isdigit():
                toks.append((cols[1], cols[2], cols[3]))
    if cur:
        docs.append(cur)
    return docs


def learned_lemmas(docs: list[list[tuple[str, list[tuple[str, str, str]]]]],
                   names: dict[tuple[str, ...], str]) -> dict[tuple[str, ...], str]:
    """`names` and, for each name the treebank writes as CLDR does ("Stany Zjednoczone"), the lemmas its
    annotators gave it there ("Stany Zjednoczony"): a longer name's lemmas are its words' lemmas, not its
    nominative, so "Stanów Zjednoczonych" (lemmas "Stany Zjednoczony") is that country too."""
    learned = dict(names)
    longest = max((len(k) for k in names), default=1)
    for doc in docs:
        for _, toks in doc:
            for i in range(len(toks)):
                for n in range(1, min(longest, len(toks) - i) + 1):
                    span = toks[i : i + n]
                    forms = tuple(w for t in span for w in norm(t[0]).replace("-", " ").split())
                    code = names.get(forms)
                    lemmas = tuple(w for t in span for w in norm(t[1]).replace("-", " ").split())
                    # a treebank without lemmas writes "_" for each: nothing to learn there
                    if code and any(t[2] == "PROPN" for t in span) and lemmas and all(w.isalpha() for w in lemmas):
                        learned.setdefault(lemmas, code)
    return learned


def gold(sentences: list[tuple[str, list[tuple[str, str, str]]]], names: dict[tuple[str, ...], str],
         parts: frozenset[tuple[str, ...]] = frozenset()) -> list[str]:
    found: list[str] = []
    for _, toks in sentences:
        after = 0  # tokens before this are part of a longer name of no state
        for i in range(len(toks)):
            if i < after or not toks[i][0][:1].isupper():
                continue
            first = norm(toks[i][0])[:_PREFIX]
            part = next((n for n in range(MAX_NAME_TOKENS, 1, -1) if i + n <= len(toks)
                         and (first, norm(toks[i + n - 1][0])[:_PREFIX]) in parts), 0)
            if part:
                after = i + part
                continue
            for n in range(MAX_NAME_TOKENS, 0, -1):
                span = toks[i : i + n]
                if len(span) < n:
                    continue
                lemmas = tuple(w for t in span for w in norm(t[1]).replace("-", " ").split())
                forms = tuple(w for t in span for w in norm(t[0]).replace("-", " ").split())
                if not any(t[2] == "PROPN" for t in span):
                    # a longer name written as CLDR writes it is the country whatever the tags say (Czech
                    # tags "Jihoafrická republika" ADJ NOUN); one word needs its proper-noun tag
                    code = names.get(forms) if len(forms) > 1 else None
                else:
                    code = names.get(lemmas) or names.get(forms)
                if code:
                    if code not in found:
                        found.append(code)
                    break
    return found


def records(sources: dict[str, tuple[str, str]], mirrors: Path, prefix: str, *,
            cut_long: bool = False) -> Iterator[dict[str, Any]]:
    """One record per document of each treebank (at most MAX_DOCS); `cut_long`: a treebank of a few long
    documents is cut into pieces, as unmarked text is."""
    for lang, (repo, path) in sources.items():
        git_dir = mirrors / repo / "repo"
        text = subprocess.run(["git", "-C", str(git_dir), "show", f"HEAD:{path}"],  # noqa: S607 - a dev-time builder
                              capture_output=True, text=True, check=True).stdout
        docs = documents(text)
        names = learned_lemmas(docs, country_names(lang))
        parts = part_names(lang)
        if cut_long and len(docs) < MAX_DOCS:
            docs = documents("\n".join(line for line in text.splitlines() if not line.startswith("# newdoc")))
        for n, doc in enumerate(docs[:MAX_DOCS]):
            doc = doc[:MAX_SENTENCES]
            title, body = doc[0][0], " ".join(s for s, _ in doc[1:]) or doc[0][0]
            yield {"id": f"{prefix}-{lang}-{n:03d}", "title": title[:300], "body": body, "gold_language": lang,
                   "gold_countries": gold(doc, names, parts), "source": f"{repo.split('+')[1]} ({path})"}


def main(mirrors: Path) -> None:
    for rec in records(SOURCES, mirrors, "ud"):
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"))

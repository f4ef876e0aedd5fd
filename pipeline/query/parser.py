"""Parse the query language; anything outside it is refused with the offending position.

    query    := or
    or       := and ("OR" and)*
    and      := unary (["AND"] unary)*          (the default operator is AND)
    unary    := ("NOT" | "-") unary | near
    near     := primary (("NEAR" | "NEAR/n" | "ONEAR/n") primary)*
    primary  := "(" or ")" | modifier* [field ":"] (word | wild*card | prefix* | "phrase" ["~" n])
    modifier := "case:" | "lead:" | "atleast" n ":"

NEAR binds tighter than AND / OR: `a b NEAR/3 c` is `a AND (b NEAR/3 c)`; a chain groups from the left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.query.analyzer import cased_tokens, lower, tokens
from pipeline.query.ast import (
    DEFAULT_NEAR, FIELDS, KEYWORD_FIELDS, SITE_FIELD, TEXT_FIELDS, And, AtLeast, Lead, Near, Node, Not, Or,
    Term, TermKind, to_text,
)


# Limits, the same for `search` and for rules, so that anything accepted runs in both: Elasticsearch
# refuses bool queries nested deeper than 30 (our translation adds up to 4 levels around the query's
# own) and more clauses than `indices.query.bool.max_clause_count` (each unfielded term is 2 clauses).
MAX_QUERY_CHARS = 10_000
MAX_DEPTH = 12  # parentheses, NOTs and NEARs inside one another
MAX_TERMS = 1_000  # words, phrases, prefixes and field values (atleastN: counts N)
MAX_DISTANCE = 100  # NEAR/n and "phrase"~n
MAX_NEAR_TERMS = 64  # terms under one NEAR (each side's OR groups together)
MAX_NEAR_ALTERNATIVES = 256  # combinations of a NEAR's phrase alternatives (each is one check, on both sides)
MAX_ATLEAST = 10  # atleastN: (unfielded, Elasticsearch checks every title/body split of the N)
MIN_WILDCARD_PREFIX = 3  # letters before a wildcard's first * or ?: no query expands to the whole vocabulary
_MODIFIERS = ("case", "lead", "atleastN")


class QuerySyntaxError(ValueError):
    def __init__(self, message: str, query: str, pos: int) -> None:
        self.query, self.pos = query, pos
        start = max(0, pos - 40)  # a window around the position: the query may be 10,000 characters
        shown = ("…" if start else "") + query[start : pos + 40] + ("…" if len(query) > pos + 40 else "")
        caret = pos - start + (1 if start else 0)
        super().__init__(f"{message} at position {pos + 1}:\n  {shown}\n  {' ' * caret}^")


@dataclass
class _Tok:
    kind: str  # LPAREN RPAREN AND OR NOT MINUS NEAR FIELD PHRASE WORD
    text: str
    pos: int


_LEX = re.compile(
    r'(?P<ws>\s+)|(?P<LPAREN>\()|(?P<RPAREN>\))|(?P<PHRASE>"[^"]*"(?:~[0-9]+)?)|(?P<UNCLOSED>"[^"]*$)'
    r'|(?P<NEAR>O?NEAR(?:/[0-9]+)?(?=[\s()"]|$))'
    r"|(?P<FIELD>[A-Za-z_][A-Za-z0-9_]*:(?=\S|$))|(?P<MINUS>-(?=[^\s-]))|(?P<WORD>[^\s()\"]+)"
)
_SPECIAL = set("+!{}[]^~\\/|&=<>")
_ATLEAST = re.compile(r"atleast([0-9]+)")


def _lex(q: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(q):
        m = _LEX.match(q, pos)
        if not m:  # pragma: no cover - the pattern matches any character
            raise QuerySyntaxError("unexpected character", q, pos)
        kind = m.lastgroup or ""
        text = m.group()
        if kind == "UNCLOSED":
            raise QuerySyntaxError("unclosed quote", q, pos)
        if kind == "WORD" and text in ("AND", "OR", "NOT"):
            kind = text
        if kind != "ws":
            out.append(_Tok(kind, text, pos))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        if len(q) > MAX_QUERY_CHARS:
            raise QuerySyntaxError(f"the query is {len(q)} characters long, over the limit of {MAX_QUERY_CHARS}",
                                   q, MAX_QUERY_CHARS)
        self.toks = _lex(q)
        self.i = 0
        self.depth = 0
        self.terms = 0

    def fail(self, message: str, pos: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.q, pos)

    def deeper(self, t: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"parentheses, NOTs and NEARs nested deeper than {MAX_DEPTH}", t.pos)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> Node:
        if not self.toks:
            raise self.fail("empty query", 0)
        node = self.or_()
        t = self.peek()
        if t is not None:
            raise self.fail(f"unexpected {t.text!r}", t.pos)
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while (t := self.peek()) is not None and t.kind == "OR":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.unary()]
        while (t := self.peek()) is not None and t.kind not in ("OR", "RPAREN"):
            if t.kind == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        t = self.peek()
        if t is None:
            raise self.fail("the query ends where a term was expected", len(self.q))
        if t.kind in ("NOT", "MINUS"):
            self.deeper(self.take())
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.near()

    def near(self) -> Node:
        first = self.peek()
        start = first.pos if first else len(self.q)
        left = self.primary()
        nested = 0
        while (t := self.peek()) is not None and t.kind == "NEAR":
            op = self.take()
            ordered = op.text.startswith("O")
            distance = int(op.text.split("/")[1]) if "/" in op.text else DEFAULT_NEAR
            if distance > MAX_DISTANCE:
                raise self.fail(f"a distance of {distance} words is over the limit of {MAX_DISTANCE}", op.pos)
            nxt = self.peek()
            if nxt is None:
                raise self.fail(f"{op.text} needs a word, phrase or (... OR ...) group after it", len(self.q))
            rpos = nxt.pos
            right = self.primary()
            self._operand(left, start)
            self._operand(right, rpos)
            fields = {t.field for t in _near_terms(left) + _near_terms(right)} - {None}
            if len(fields) > 1:
                raise self.fail("NEAR works inside one field: title: and body: terms cannot be near each other",
                                op.pos)
            wide = {(t.tokens, t.case, t.slop) for t in _near_terms(left) if len(t.tokens) > 1}
            if wide & {(t.tokens, t.case, t.slop) for t in _near_terms(right) if len(t.tokens) > 1} or (
                    isinstance(left, Near) and to_text(left) == to_text(right)):
                # Elasticsearch folds a repeated source into one whose gaps it counts its own way
                raise self.fail("the same phrase on both sides of NEAR is not supported (atleast2:\"...\" counts it)",
                                op.pos)
            if len(_near_terms(left)) + len(_near_terms(right)) > MAX_NEAR_TERMS:
                raise self.fail(f"more than {MAX_NEAR_TERMS} terms under one NEAR", op.pos)
            if _alternatives(left) * _alternatives(right) > MAX_NEAR_ALTERNATIVES:
                raise self.fail(f"OR groups of phrases on both sides of NEAR make more than {MAX_NEAR_ALTERNATIVES} "
                                "combinations (Elasticsearch checks each)", op.pos)
            nested += 1
            self.deeper(op)
            f = tuple(x for x in fields if x is not None)
            left = Near((left, right), distance, ordered, f if f else TEXT_FIELDS, start)
        self.depth -= nested
        return left

    def _operand(self, node: Node, pos: int) -> None:
        """NEAR's sides: text words, phrases, prefixes and wildcards, OR groups of them, or NEARs."""
        if isinstance(node, Term) and node.field in (None, *TEXT_FIELDS):
            return
        if isinstance(node, Or):
            for c in node.children:
                self._operand(c, pos)
            return
        if isinstance(node, Near):
            return
        what = {And: "AND", Not: "NOT", AtLeast: "atleastN:", Lead: "lead:"}.get(type(node), "a field value")
        raise self.fail(f"NEAR takes words, phrases, wildcards or (... OR ...) groups of them, not {what}", pos)

    def primary(self) -> Node:
        t = self.take()
        if t.kind == "LPAREN":
            self.deeper(t)
            node = self.or_()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise self.fail("missing ')'", close.pos if close else len(self.q))
            self.take()
            self.depth -= 1
            return node
        field = None
        start = t.pos
        case = lead = False
        count = 0
        while t.kind == "FIELD":
            name = t.text[:-1].lower()
            m = _ATLEAST.fullmatch(name)
            if name == "case" and not case:
                case = True
            elif name == "lead" and not lead:
                lead = True
            elif m and not count:
                count = int(m.group(1))
                if not 1 <= count <= MAX_ATLEAST:
                    raise self.fail(f"atleastN: counts from 1 to {MAX_ATLEAST}", t.pos)
            elif name in FIELDS:
                field = name
            else:
                raise self.fail(f"unknown field {name!r} (fields: {', '.join(FIELDS)}; before a term: "
                                f"{', '.join(x + ':' for x in _MODIFIERS)})", t.pos)
            if self.peek() is None:
                raise self.fail("a field needs a value", len(self.q))
            mod = t
            t = self.take()
            if field is not None and t.kind == "FIELD":
                raise self.fail(f"{field}: takes a value, not another field", t.pos)
            if (case or lead or count) and field in (*KEYWORD_FIELDS, SITE_FIELD):
                raise self.fail("case:, lead: and atleastN: apply to words and phrases, not to field values",
                                mod.pos)
        if lead and field is not None:
            raise self.fail("lead: means the title and the start of the body; it takes no field", start)
        if lead and count:
            raise self.fail("lead: and atleastN: do not combine", start)
        if t.kind == "PHRASE":
            text, _, slop = t.text[1:].partition('"')
            term = self.term(field, "phrase", text, start, t.pos, case=case, slop=int(slop[1:] or 0))
        elif t.kind == "WORD":
            term = self.word(field, t, start, case)
        else:
            raise self.fail(f"unexpected {t.text!r}", t.pos)
        if count:
            self.terms += count - 1
            if self.terms > MAX_TERMS:
                raise self.fail(f"more than {MAX_TERMS} terms", start)
            return AtLeast(count, term, start)
        return Lead(term, start) if lead else term

    def word(self, field: str | None, t: _Tok, start: int, case: bool) -> Term:
        text = t.text
        bad = next((i for i, c in enumerate(text) if c in _SPECIAL), None)
        if bad is not None:
            raise self.fail(f"{text[bad]!r} is not part of the query language", t.pos + bad)
        wild = next((i for i, c in enumerate(text) if c in "*?"), None)
        if wild is None:
            return self.term(field, "word", text, start, t.pos, case=case)
        if field in KEYWORD_FIELDS:
            if wild != len(text) - 1 or text[wild] != "*":
                raise self.fail("field values take only a trailing * (organizations:ria*)", t.pos + wild)
            return self.term(field, "prefix", text[:-1], start, t.pos)
        if field == SITE_FIELD:
            raise self.fail("site: takes a host name (site:reuters.com), no wildcard", t.pos + wild)
        if wild < MIN_WILDCARD_PREFIX:
            raise self.fail(f"a wildcard needs at least {MIN_WILDCARD_PREFIX} letters before its first * or ?",
                            t.pos + wild)
        if wild == len(text) - 1 and text[wild] == "*":
            return self.term(field, "prefix", text[:-1], start, t.pos, case=case)
        return self.term(field, "wildcard", text, start, t.pos, case=case)

    def term(self, field: str | None, kind: TermKind, value: str, start: int, vpos: int, *,
             case: bool = False, slop: int = 0) -> Term:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.fail(f"more than {MAX_TERMS} terms", start)
        if field in KEYWORD_FIELDS:
            if not value.strip():
                raise self.fail("an empty value", vpos)
            return Term(field, kind, value.strip(), (), start)
        if field == SITE_FIELD:
            host = lower(value.strip()).strip(".")
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", host):
                raise self.fail("site: takes a host name such as reuters.com", vpos)
            return Term(field, "word", host, (), start)
        analyze = cased_tokens if case else tokens
        if kind == "wildcard":
            probe = value.replace("*", "a").replace("?", "a")
            if len(tokens(probe)) != 1 or len(probe) > 255:
                raise self.fail("a wildcard goes inside a single word (organi?ation, colo*r)", vpos)
            return Term(field, "wildcard", value, (value if case else lower(value),), start, case)
        toks = tuple(analyze(value))
        if kind == "prefix":
            if len(toks) != 1 or not value[-1:].isalnum():
                raise self.fail("a wildcard goes at the end of a single word (missil*)", vpos)
            return Term(field, "prefix", value, toks, start, case)
        if not toks:
            raise self.fail("no searchable word here", vpos)
        if slop > MAX_DISTANCE:
            raise self.fail(f"a slop of {slop} words is over the limit of {MAX_DISTANCE}", vpos)
        # a word the analyzer splits ("e-mail") is searched as the phrase of its parts
        return Term(field, "phrase" if len(toks) > 1 else "word", value, toks, start, case,
                    slop if len(toks) > 1 else 0)


def _alternatives(node: Node) -> int:
    """How many sources Lucene makes of a NEAR operand: one-word terms of an OR together are one, each
    phrase one more, and a NEAR the product of its sides."""
    if isinstance(node, Or):
        words = any(isinstance(c, Term) and len(c.tokens) == 1 for c in node.children)
        return int(words) + sum(_alternatives(c) for c in node.children
                                if not (isinstance(c, Term) and len(c.tokens) == 1))
    if isinstance(node, Near):
        return _alternatives(node.children[0]) * _alternatives(node.children[1])
    return 1


def _near_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, (Or, Near)):
        return [t for c in node.children for t in _near_terms(c)]
    return []


def parse(query: str) -> Node:
    """The query's tree; raises QuerySyntaxError (with `.pos`, 0-based) for anything outside the language."""
    return _Parser(query).parse()

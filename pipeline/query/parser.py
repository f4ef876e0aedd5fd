"""Parse the query language; anything outside it is refused with the offending position.

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*          (the default operator is AND)
    unary   := ("NOT" | "-") unary | primary
    primary := "(" or ")" | [field ":"] (word | word* | "phrase")
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.query.analyzer import tokens
from pipeline.query.ast import FIELDS, KEYWORD_FIELDS, And, Node, Not, Or, Term


# Limits, the same for `search` and for rules, so that anything accepted runs in both: Elasticsearch
# refuses bool queries nested deeper than 30 (our translation adds up to 4 levels around the query's
# own) and more clauses than `indices.query.bool.max_clause_count` (each unfielded term is 2 clauses).
MAX_QUERY_CHARS = 10_000
MAX_DEPTH = 12  # parentheses and NOTs inside one another
MAX_TERMS = 1_000  # words, phrases, prefixes and field values


class QuerySyntaxError(ValueError):
    def __init__(self, message: str, query: str, pos: int) -> None:
        self.query, self.pos = query, pos
        start = max(0, pos - 40)  # a window around the position: the query may be 10,000 characters
        shown = ("…" if start else "") + query[start : pos + 40] + ("…" if len(query) > pos + 40 else "")
        caret = pos - start + (1 if start else 0)
        super().__init__(f"{message} at position {pos + 1}:\n  {shown}\n  {' ' * caret}^")


@dataclass
class _Tok:
    kind: str  # LPAREN RPAREN AND OR NOT MINUS FIELD PHRASE WORD
    text: str
    pos: int


_LEX = re.compile(
    r'(?P<ws>\s+)|(?P<LPAREN>\()|(?P<RPAREN>\))|(?P<PHRASE>"[^"]*")|(?P<UNCLOSED>"[^"]*$)'
    r"|(?P<FIELD>[A-Za-z_]+:(?=\S|$))|(?P<MINUS>-(?=[^\s-]))|(?P<WORD>[^\s()\"]+)"
)
_SPECIAL = set("+!{}[]^~?\\/|&=<>")


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

    def deeper(self, t: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(f"parentheses and NOTs nested deeper than {MAX_DEPTH}", self.q, t.pos)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> Node:
        if not self.toks:
            raise QuerySyntaxError("empty query", self.q, 0)
        node = self.or_()
        t = self.peek()
        if t is not None:
            raise QuerySyntaxError(f"unexpected {t.text!r}", self.q, t.pos)
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
            raise QuerySyntaxError("the query ends where a term was expected", self.q, len(self.q))
        if t.kind in ("NOT", "MINUS"):
            self.deeper(self.take())
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        t = self.take()
        if t.kind == "LPAREN":
            self.deeper(t)
            node = self.or_()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QuerySyntaxError("missing ')'", self.q, close.pos if close else len(self.q))
            self.take()
            self.depth -= 1
            return node
        field = None
        start = t.pos
        if t.kind == "FIELD":
            field = t.text[:-1].lower()
            if field not in FIELDS:
                raise QuerySyntaxError(f"unknown field {field!r} (fields: {', '.join(FIELDS)})", self.q, t.pos)
            if self.peek() is None:
                raise QuerySyntaxError("a field needs a value", self.q, len(self.q))
            t = self.take()
        if t.kind == "PHRASE":
            return self.term(field, "phrase", t.text[1:-1], start, t.pos)
        if t.kind == "WORD":
            return self.word(field, t, start)
        raise QuerySyntaxError(f"unexpected {t.text!r}", self.q, t.pos)

    def word(self, field: str | None, t: _Tok, start: int) -> Term:
        text = t.text
        bad = next((i for i, c in enumerate(text) if c in _SPECIAL or (c == "*" and i != len(text) - 1)), None)
        if bad is not None:
            raise QuerySyntaxError(f"{text[bad]!r} is not part of the query language", self.q, t.pos + bad)
        if text.endswith("*"):
            return self.term(field, "prefix", text[:-1], start, t.pos)
        return self.term(field, "word", text, start, t.pos)

    def term(self, field: str | None, kind: str, value: str, start: int, vpos: int) -> Term:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"more than {MAX_TERMS} terms", self.q, start)
        if field in KEYWORD_FIELDS:
            if not value.strip():
                raise QuerySyntaxError("an empty value", self.q, vpos)
            return Term(field, kind, value.strip(), (), start)  # type: ignore[arg-type]
        toks = tuple(tokens(value))
        if kind == "prefix":
            if len(toks) != 1 or not value[-1:].isalnum():
                raise QuerySyntaxError("a wildcard goes at the end of a single word (missil*)", self.q, vpos)
            return Term(field, "prefix", value, toks, start)
        if not toks:
            raise QuerySyntaxError("no searchable word here", self.q, vpos)
        # a word the analyzer splits ("e-mail") is searched as the phrase of its parts
        return Term(field, "phrase" if len(toks) > 1 else "word", value, toks, start)


def parse(query: str) -> Node:
    return _Parser(query).parse()

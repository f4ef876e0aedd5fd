"""The query tree: terms combined with AND / OR / NOT, proximity (NEAR), occurrence counts and the lead.

Every node is a frozen dataclass; `pos` is where the node starts in the query text (0-based), so any
back end (Elasticsearch, the matcher, a Lucene query string) can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.query.analyzer import lower

TEXT_FIELDS = ("title", "body")
KEYWORD_FIELDS = ("source", "countries", "regions", "organizations", "persons", "locations", "language")
SITE_FIELD = "site"  # the article URL's host or one of its parent domains
FIELDS = TEXT_FIELDS + KEYWORD_FIELDS + (SITE_FIELD,)

TermKind = Literal["word", "phrase", "prefix", "wildcard"]


def keyword_value(field: str, value: str) -> str:
    """A keyword value as stored and compared: country codes upper case, the rest through the
    `lowercase` normalizer (Lucene's lower case, the analyzer's)."""
    return value.upper() if field == "countries" else lower(value)


@dataclass(frozen=True)
class Term:
    """A word, a quoted phrase, a trailing-`*` prefix or a `?`/`*` wildcard, in one field or (field
    None) in title and body.

    For text fields `tokens` are the analyzed tokens (a phrase when more than one); for "prefix" the one
    token is the literal prefix, for "wildcard" it is the pattern (`?` one character, `*` any run).
    `case` (from `case:`): tokens keep their case and match the case-preserving `.cs` sub-fields.
    `slop` (from `"..."~n`): the phrase's words in order with at most n other words between them in all.
    For keyword fields (and `site`) `value` is the whole value, matched case-insensitively; `tokens` is ().
    """

    field: str | None
    kind: TermKind
    value: str  # the text as typed (without quotes / the trailing *)
    tokens: tuple[str, ...]
    pos: int = 0  # where it starts in the query
    case: bool = False
    slop: int = 0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Near:
    """`a NEAR/n b` (either order) or `a ONEAR/n b` (a before b): at most `distance` other words between
    them, inside one field, never across the title/body join.

    `children` are exactly two operands, each a text Term (no keyword field), an Or of operands, or a
    Near; `fields` are the text fields it is looked for in (each on its own)."""

    children: tuple[Node, Node]
    distance: int
    ordered: bool
    fields: tuple[str, ...]
    pos: int = 0


@dataclass(frozen=True)
class AtLeast:
    """`atleastN:term`: the term occurs at least `count` times (non-overlapping), counted over the
    term's fields together (title and body unless the term names one)."""

    count: int
    term: Term
    pos: int = 0


@dataclass(frozen=True)
class Lead:
    """`lead:term`: the term in the title or within the first `LEAD_WORDS` words of the body."""

    term: Term
    pos: int = 0


Node = Term | And | Or | Not | Near | AtLeast | Lead

LEAD_WORDS = 50  # `lead:` looks at the title and the body's first 50 words (a news lead paragraph)
DEFAULT_NEAR = 5  # `NEAR` without a distance


def term_fields(t: Term) -> tuple[str, ...]:
    """The text fields a text term is looked for in."""
    return (t.field,) if t.field else TEXT_FIELDS


def terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, (AtLeast, Lead)):
        return [node.term]
    if isinstance(node, Not):
        return terms(node.child)
    return [t for c in node.children for t in terms(c)]


def positive_terms(node: Node, negated: bool = False) -> list[Term]:
    """The terms an article is matched *by* (a term under an odd number of NOTs is never what matched)."""
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, (AtLeast, Lead)):
        return [] if negated else [node.term]
    if isinstance(node, Not):
        return positive_terms(node.child, not negated)
    return [t for c in node.children for t in positive_terms(c, negated)]


def _quote(v: str) -> str:
    return '"' + v.replace('"', "") + '"'


def to_text(node: Node) -> str:
    """A canonical spelling of the query (for rule listings); it parses back to the same tree."""
    if isinstance(node, Term):
        if node.kind == "phrase" or " " in node.value:
            v = _quote(node.value) + (f"~{node.slop}" if node.slop else "")
        else:
            v = node.value
        v = v + "*" if node.kind == "prefix" else v
        v = f"{node.field}:{v}" if node.field else v
        return f"case:{v}" if node.case else v
    if isinstance(node, AtLeast):
        return f"atleast{node.count}:{to_text(node.term)}"
    if isinstance(node, Lead):
        return f"lead:{to_text(node.term)}"
    if isinstance(node, Not):
        return f"NOT {to_text(node.child)}"
    if isinstance(node, Near):
        op = ("ONEAR" if node.ordered else "NEAR") + f"/{node.distance}"
        return "(" + f" {op} ".join(to_text(c) for c in node.children) + ")"
    sep = " AND " if isinstance(node, And) else " OR "
    return "(" + sep.join(to_text(c) for c in node.children) + ")"

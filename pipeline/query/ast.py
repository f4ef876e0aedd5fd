"""The query tree: terms combined with AND / OR / NOT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TEXT_FIELDS = ("title", "body")
KEYWORD_FIELDS = ("source", "countries", "regions", "organizations", "persons", "locations")
FIELDS = TEXT_FIELDS + KEYWORD_FIELDS


def keyword_value(field: str, value: str) -> str:
    """A keyword value as stored and compared: country codes upper case, the rest through the
    `lowercase` normalizer (Lucene's lower case, the analyzer's)."""
    from pipeline.query.analyzer import lower

    return value.upper() if field == "countries" else lower(value)


@dataclass(frozen=True)
class Term:
    """A word, a quoted phrase or a trailing-wildcard prefix, in one field or (field None) in title and body.

    For text fields `tokens` are the analyzed tokens (a phrase when more than one). For keyword fields
    `value` is the whole value, matched case-insensitively.
    """

    field: str | None
    kind: Literal["word", "phrase", "prefix"]
    value: str  # the text as typed (without quotes / the trailing *)
    tokens: tuple[str, ...]
    pos: int = 0  # where it starts in the query


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | And | Or | Not


def terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.child)
    return [t for c in node.children for t in terms(c)]


def positive_terms(node: Node, negated: bool = False) -> list[Term]:
    """The terms an article is matched *by* (a term under an odd number of NOTs is never what matched)."""
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_terms(node.child, not negated)
    return [t for c in node.children for t in positive_terms(c, negated)]


def to_text(node: Node) -> str:
    """A canonical spelling of the query (for rule listings)."""
    if isinstance(node, Term):
        v = f'"{node.value}"' if node.kind == "phrase" or " " in node.value else node.value
        v = v + "*" if node.kind == "prefix" else v
        return f"{node.field}:{v}" if node.field else v
    if isinstance(node, Not):
        return f"NOT {to_text(node.child)}"
    sep = " AND " if isinstance(node, And) else " OR "
    return "(" + sep.join(to_text(c) for c in node.children) + ")"

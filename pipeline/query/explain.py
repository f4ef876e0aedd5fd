"""Why a query matches an article: every node of the tree, whether it matched, and where (field and word
positions). `rules test NAME --explain` prints it; the console's preview can show the same lines."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.query.ast import (
    KEYWORD_FIELDS, LEAD_WORDS, SITE_FIELD, And, AtLeast, Lead, Near, Node, Not, Or, Term, term_fields, to_text,
)
from pipeline.query.matcher import Doc, Interval, intervals, matches, term_intervals

MAX_PLACES = 5  # places shown per node


@dataclass(frozen=True)
class Explained:
    depth: int  # nesting in the query tree
    text: str  # the node, spelled canonically
    matched: bool
    where: tuple[tuple[str, int, int, str], ...]  # (field, first word, last word (1-based), the words there)


def _places(doc: Doc, f: str, ivs: list[Interval]) -> list[tuple[str, int, int, str]]:
    seq = doc.text[f]
    out = []
    for s, e in ivs[:MAX_PLACES]:
        words = seq[s : e + 1]
        shown = " ".join(words) if len(words) <= 8 else " ".join(words[:3]) + " … " + " ".join(words[-3:])
        out.append((f, s + 1, e + 1, shown))
    return out


def _where(doc: Doc, node: Node) -> list[tuple[str, int, int, str]]:
    if isinstance(node, Term):
        if node.field in KEYWORD_FIELDS or node.field == SITE_FIELD:
            return []
        return [p for f in term_fields(node) for p in _places(doc, f, term_intervals(doc, node, f))]
    if isinstance(node, Near):
        return [p for f in node.fields for p in _places(doc, f, intervals(doc, node, f))]
    if isinstance(node, AtLeast):
        return [p for f in term_fields(node.term) for p in _places(doc, f, term_intervals(doc, node.term, f))]
    if isinstance(node, Lead):
        body = [iv for iv in term_intervals(doc, node.term, "body") if iv[1] < LEAD_WORDS]
        return _places(doc, "title", term_intervals(doc, node.term, "title")) + _places(doc, "body", body)
    return []


def explain(node: Node, doc: Doc, depth: int = 0) -> list[Explained]:
    """The node's line, then its children's (pre-order)."""
    saved = set(doc.matched)
    ok = matches(node, doc)
    doc.matched = saved
    out = [Explained(depth, to_text(node), ok, tuple(_where(doc, node)))]
    if isinstance(node, Not):
        out += explain(node.child, doc, depth + 1)
    elif isinstance(node, (And, Or, Near)):
        for c in node.children:
            out += explain(c, doc, depth + 1)
    return out


def render(lines: list[Explained]) -> str:
    rows = []
    for x in lines:
        where = "; ".join(f"{f} words {s}-{e} ({w})" if s != e else f"{f} word {s} ({w})" for f, s, e, w in x.where)
        rows.append(f"{'  ' * x.depth}{'yes' if x.matched else 'no '}  {x.text}" + (f"  — {where}" if where else ""))
    return "\n".join(rows)

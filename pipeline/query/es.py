"""The query tree as an Elasticsearch query (core features only: term, prefix, match_phrase, bool)."""

from __future__ import annotations

from typing import Any

from pipeline.query.ast import KEYWORD_FIELDS, TEXT_FIELDS, And, Node, Not, Term, keyword_value, positive_terms

# Keyword fields are matched case-insensitively through their lowercase-normalized sub-field;
# country codes are stored upper-case.
_KEYWORD_PATH = {f: f"{f}.lc" for f in KEYWORD_FIELDS} | {"countries": "countries"}


def _text_term(field: str, t: Term) -> dict[str, Any]:
    if t.kind == "prefix":
        return {"prefix": {field: {"value": t.tokens[0]}}}
    if len(t.tokens) == 1:
        return {"term": {field: t.tokens[0]}}
    return {"match_phrase": {field: {"query": " ".join(t.tokens), "analyzer": "standard"}}}


def to_es(node: Node) -> dict[str, Any]:
    if isinstance(node, Term):
        if node.field in KEYWORD_FIELDS:
            path = _KEYWORD_PATH[node.field]
            value = keyword_value(node.field, node.value)
            if node.kind == "prefix":
                return {"prefix": {path: {"value": value}}}
            return {"term": {path: value}}
        fields = (node.field,) if node.field else TEXT_FIELDS
        clauses = [_text_term(f, node) for f in fields]
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_es(node.child)]}}
    if isinstance(node, And):
        return {"bool": {"filter": [to_es(c) for c in node.children]}}
    return {"bool": {"should": [to_es(c) for c in node.children], "minimum_should_match": 1}}


def highlight_query(node: Node) -> dict[str, Any] | None:
    """The positive text terms only, for highlighting."""
    positives = [to_es(t) for t in positive_terms(node) if t.field in (None, *TEXT_FIELDS)]
    return {"bool": {"should": positives}} if positives else None

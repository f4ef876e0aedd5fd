"""The query tree as an Elasticsearch query, core features only (all in the integ-test-zip distribution):
term, prefix, wildcard, regexp, match_phrase, bool, `intervals` (proximity, slop, counts) and
`span_first` (the lead).

Positions: title and body are separate fields, so an interval never spans the title/body join; a
case-sensitive term reads the `.cs` sub-field (the standard tokenizer without lower-casing), which has
the same positions, so inside intervals it is the same field through `use_field`. Every analyzed value
goes to Elasticsearch already analyzed (our tokenizer is the standard analyzer's) with the `whitespace`
analyzer, so nothing is analyzed twice.
"""

from __future__ import annotations

from typing import Any

from pipeline.query.ast import (
    KEYWORD_FIELDS, LEAD_WORDS, SITE_FIELD, TEXT_FIELDS, And, AtLeast, Lead, Near, Node, Not, Or, Term,
    keyword_value, positive_terms, term_fields,
)
from pipeline.query.analyzer import lower
from pipeline.query.matcher import site_pattern

Json = dict[str, Any]

# Keyword fields are matched case-insensitively through their lowercase-normalized sub-field;
# country codes are stored upper-case, languages as the enrichment writes them (lower-case codes).
_KEYWORD_PATH = {f: f"{f}.lc" for f in KEYWORD_FIELDS} | {"countries": "countries", "language": "language"}
_WS = "whitespace"


def _path(field: str, t: Term) -> str:
    return f"{field}.cs" if t.case else field


def _should(clauses: list[Json]) -> Json:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _text_term(field: str, t: Term) -> Json:
    path = _path(field, t)
    if t.kind == "prefix":
        return {"prefix": {path: {"value": t.tokens[0]}}}
    if t.kind == "wildcard":
        return {"wildcard": {path: {"value": t.tokens[0]}}}
    if len(t.tokens) == 1:
        return {"term": {path: t.tokens[0]}}
    if t.slop:
        return {"intervals": {path: _rule(t)}}
    return {"match_phrase": {path: {"query": " ".join(t.tokens), "analyzer": _WS}}}


def _keyword(t: Term) -> Json:
    if t.field == SITE_FIELD:
        return {"regexp": {"url": {"value": site_pattern(lower(t.value)), "flags": "NONE", "case_insensitive": True,
                                   "max_determinized_states": 10_000}}}
    assert t.field is not None
    path = _KEYWORD_PATH[t.field]
    value = lower(t.value) if t.field == "language" else keyword_value(t.field, t.value)
    if t.kind == "prefix":
        return {"prefix": {path: {"value": value}}}
    return {"term": {path: value}}


def _rule(node: Node) -> Json:
    """An intervals rule (within one field; a case-sensitive term reads the field's `.cs` twin)."""
    if isinstance(node, Term):
        use = {"use_field": f"{node.field or '{field}'}.cs"} if node.case else {}
        if node.kind == "prefix":
            return {"prefix": {"prefix": node.tokens[0], "analyzer": _WS, **use}}
        if node.kind == "wildcard":
            return {"wildcard": {"pattern": node.tokens[0], "analyzer": _WS, **use}}
        return {"match": {"query": " ".join(node.tokens), "analyzer": _WS, "ordered": True,
                          "max_gaps": node.slop, **use}}
    if isinstance(node, Or):
        return {"any_of": {"intervals": [_rule(c) for c in node.children]}}
    if isinstance(node, Near):
        return {"all_of": {"ordered": node.ordered, "max_gaps": node.distance,
                           "intervals": [_rule(c) for c in node.children]}}
    raise TypeError(f"{type(node).__name__} has no intervals form")


def _in_field(rule: Any, field: str) -> Any:
    """Fill in the field of case-sensitive terms (`use_field`) for one field."""
    if isinstance(rule, dict):
        return {k: (v.replace("{field}", field) if k == "use_field" and isinstance(v, str) else _in_field(v, field))
                for k, v in rule.items()}
    if isinstance(rule, list):
        return [_in_field(x, field) for x in rule]
    return rule


def _intervals(field: str, rule: Json) -> Json:
    return {"intervals": {field: _in_field(rule, field)}}


def _at_least(field: str, t: Term, k: int) -> Json:
    one = _rule(t)
    rule = one if k == 1 else {"all_of": {"ordered": True, "intervals": [one] * k}}
    return _intervals(field, rule)


def _span(field: str, t: Term) -> Json:
    path = _path(field, t)
    if t.kind == "prefix":
        return {"span_multi": {"match": {"prefix": {path: {"value": t.tokens[0]}}}}}
    if t.kind == "wildcard":
        return {"span_multi": {"match": {"wildcard": {path: {"value": t.tokens[0]}}}}}
    if len(t.tokens) == 1:
        return {"span_term": {path: t.tokens[0]}}
    return {"span_near": {"clauses": [{"span_term": {path: x}} for x in t.tokens], "slop": t.slop, "in_order": True}}


def to_es(node: Node) -> Json:
    if isinstance(node, Term):
        if node.field in KEYWORD_FIELDS or node.field == SITE_FIELD:
            return _keyword(node)
        return _should([_text_term(f, node) for f in term_fields(node)])
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_es(node.child)]}}
    if isinstance(node, And):
        return {"bool": {"filter": [to_es(c) for c in node.children]}}
    if isinstance(node, Or):
        return {"bool": {"should": [to_es(c) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, Near):
        rule = _rule(node)
        return _should([_intervals(f, rule) for f in node.fields])
    if isinstance(node, AtLeast):
        t, n = node.term, node.count
        if t.field:
            return _at_least(t.field, t, n)
        # counted over title and body together: some split of the n between them
        splits: list[Json] = []
        for k in range(n + 1):
            parts = ([_at_least("title", t, k)] if k else []) + ([_at_least("body", t, n - k)] if n - k else [])
            splits.append(parts[0] if len(parts) == 1 else {"bool": {"filter": parts}})
        return _should(splits)
    assert isinstance(node, Lead)
    return _should([_text_term("title", node.term),
                    {"span_first": {"match": _span("body", node.term), "end": LEAD_WORDS}}])


def highlight_query(node: Node) -> Json | None:
    """The positive text terms only, for highlighting."""
    positives = [to_es(t) for t in positive_terms(node) if t.field in (None, *TEXT_FIELDS)]
    return {"bool": {"should": positives}} if positives else None

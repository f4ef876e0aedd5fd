"""The query tree as Lucene query syntax, the language Kibana's saved searches and `query_string` take.

One emitter for every rule that goes to Kibana: each node maps to a clause that selects exactly the
articles `to_es` selects (tests/integration/test_kibana_objects.py checks it against Elasticsearch with
Kibana's default `query_string` options). Anything this module does not know -- a node type, a term
kind or a field added to the language later -- is refused with the reason (`LuceneUnsupported`), never
rewritten into something close: a saved search that finds other articles than the rule is worse than
none.

How each node is written:
- a text word or phrase: `field:"tokens"` (the analyzed tokens, quoted: a quoted single token is the
  same term query, and quoting needs no escaping of Lucene's operators); unfielded: `(title:.. OR body:..)`
- a text prefix: `field:token*` (the token escaped; it cannot be quoted)
- a keyword value: the lowercase-normalized sub-field `field.lc:"value"` (country codes: `countries:"UA"`),
  a prefix `field.lc:val\\ ue*` with spaces escaped
- AND / OR: a parenthesised group of one operator, so Lucene's mixed-operator precedence never applies
- NOT: `(*:* AND NOT (x))`: a purely negative group matches nothing in Lucene
"""

from __future__ import annotations

import dataclasses

from pipeline.query import ast
from pipeline.query.ast import And, Node, Not, Or, Term, keyword_value

# The fields this emitter knows, spelled out rather than read from `ast`, so a field added to the
# language is refused here until someone maps it. As in pipeline/query/es.py: keyword fields through
# their lowercase-normalized sub-field, country codes as stored (upper case).
TEXT_FIELDS = ("title", "body")
KEYWORD_PATH = {"source": "source.lc", "countries": "countries", "regions": "regions.lc",
                "organizations": "organizations.lc", "persons": "persons.lc", "locations": "locations.lc"}
# Term's attributes this emitter reads; any other one set off its default is a meaning it does not know
_TERM_ATTRS = {"field", "kind", "value", "tokens", "pos"}
# Lucene's (and Elasticsearch's query_string) reserved characters, escaped with a backslash
_RESERVED = set('+-=&|!(){}[]^"~*?:\\/')
# `<` and `>` start a range in query_string and cannot be escaped outside quotes
_UNESCAPABLE = set("<>")


class LuceneUnsupported(ValueError):
    """The query cannot be written in Lucene syntax with the same meaning; the message says why."""


def to_lucene(node: Node) -> str:
    """The Lucene query string for NODE (raises LuceneUnsupported for what it cannot express)."""
    return _emit(node)


def _emit(node: object) -> str:
    # exact types: a subclass may carry a meaning (a distance, a case rule) this emitter does not know
    if type(node) is Term:
        return _term(node)
    if type(node) is Not:
        return f"(*:* AND NOT {_emit(node.child)})"
    if type(node) in (And, Or):
        children = node.children  # type: ignore[attr-defined]
        if not children:
            raise LuceneUnsupported(f"an empty {type(node).__name__} group has no Lucene form")
        sep = " AND " if type(node) is And else " OR "
        return "(" + sep.join(_emit(c) for c in children) + ")"
    raise LuceneUnsupported(f"{type(node).__name__} has no Lucene form in this emitter yet "
                            "(pipeline/query/lucene.py maps Term, And, Or and Not)")


def _term(t: Term) -> str:
    if t.kind not in ("word", "phrase", "prefix"):
        raise LuceneUnsupported(f"a {t.kind!r} term has no Lucene form in this emitter yet")
    for f in dataclasses.fields(t):
        if f.name not in _TERM_ATTRS and getattr(t, f.name) != _default(f):
            raise LuceneUnsupported(f"a term with {f.name}={getattr(t, f.name)!r} has no Lucene form in this "
                                    "emitter yet")
    if t.field in KEYWORD_PATH:
        return _keyword(t)
    if t.field is not None and t.field not in TEXT_FIELDS:
        raise LuceneUnsupported(f"the field {t.field!r} has no Lucene form in this emitter yet")
    if t.field is None and tuple(ast.TEXT_FIELDS) != TEXT_FIELDS:
        raise LuceneUnsupported(f"an unfielded term now searches {', '.join(ast.TEXT_FIELDS)}; this emitter "
                                f"knows {', '.join(TEXT_FIELDS)}")
    fields = (t.field,) if t.field else TEXT_FIELDS
    clauses = [_text(f, t) for f in fields]
    return clauses[0] if len(clauses) == 1 else "(" + " OR ".join(clauses) + ")"


def _default(f: dataclasses.Field[object]) -> object:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING  # a required attribute it does not know: never equal, so refused


def _text(field: str, t: Term) -> str:
    if not t.tokens:
        raise LuceneUnsupported(f"{t.value!r} has no searchable word")
    if t.kind == "prefix":
        if len(t.tokens) != 1:
            raise LuceneUnsupported(f"a prefix of several words ({t.value!r}) has no Lucene form")
        return f"{field}:{_escaped(t.tokens[0], t.value)}*"
    return f'{field}:"{_quoted(" ".join(t.tokens))}"'


def _keyword(t: Term) -> str:
    assert t.field is not None
    path = KEYWORD_PATH[t.field]
    value = keyword_value(t.field, t.value)
    if t.kind == "prefix":
        return f"{path}:{_escaped(value, t.value)}*"
    return f'{path}:"{_quoted(value)}"'


def _quoted(text: str) -> str:
    """Inside quotes only the backslash and the quote itself are special."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _escaped(text: str, typed: str) -> str:
    bad = sorted(_UNESCAPABLE & set(text))
    if bad:
        raise LuceneUnsupported(f"{typed!r}: a prefix holding {' '.join(bad)} cannot be written in Lucene "
                                "syntax (query_string reads it as a range)")
    if any(c in text for c in "\n\r\t\f\v"):
        raise LuceneUnsupported(f"{typed!r}: a prefix holding a line break or tab cannot be written in Lucene syntax")
    return "".join("\\" + c if c in _RESERVED or c == " " else c for c in text)

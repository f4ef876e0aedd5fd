"""The query language: parsing, errors, the in-stream matcher and the rule index, without servers."""

from __future__ import annotations

import pytest

from pipeline.query import And, Not, Or, QuerySyntaxError, Term, parse
from pipeline.query.analyzer import tokens
from pipeline.query.rule_index import RuleIndex, anchors
from pipeline.query.matcher import Doc, matches

ARTICLE = {
    "id": "a1", "title": "Missile strikes hit Kharkiv", "source": "Reuters",
    "body": "Russia's missiles hit the Kharkiv region, the U.S. embassy said. An e-mail warned of more.",
    "countries": ["UA", "RU", "US"], "regions": ["Eastern Europe", "Europe"],
    "organizations": ["Ria Novosti"], "persons": ["Vladimir Putin"], "locations": ["Kharkiv"],
}


def m(q: str) -> bool:
    return matches(parse(q), Doc.from_article(ARTICLE))


def test_tokens_follow_the_standard_analyzer() -> None:
    assert tokens("Russia's U.S. e-mail 3.5 1,000 10:30 Japan’s") == [
        "russia's", "u.s", "e", "mail", "3.5", "1,000", "10", "30", "japan’s"]


def test_structure_and_default_and() -> None:
    node = parse('missil* (Kharkiv OR "Eastern Ukraine") -weather')
    assert isinstance(node, And) and len(node.children) == 3
    assert isinstance(node.children[1], Or) and isinstance(node.children[2], Not)
    assert node.children[0] == Term(None, "prefix", "missil", ("missil",), 0)


@pytest.mark.parametrize(("query", "expected"), [
    ("kharkiv", True), ("KHARKIV missiles", True), ("kharkiv tokyo", False), ("kharkiv OR tokyo", True),
    ("missil*", True), ("missa*", False), ('"kharkiv region"', True), ('"region kharkiv"', False),
    ("title:missile", True), ("title:missiles", False), ("body:strikes", False), ("-tokyo", True),
    ("NOT kharkiv", False), ("kharkiv -(russia's OR tokyo)", False), ("u.s", True), ("U.S.", True),
    ("e-mail", True), ('"mail warned"', True), ("countries:ua", True), ("countries:JP", False),
    ('regions:"eastern europe"', True), ("regions:eastern", False), ('organizations:"RIA NOVOSTI"', True),
    ("persons:vladimir*", True), ("source:reuters", True), ("locations:Kyiv", False),
])
def test_matcher(query: str, expected: bool) -> None:
    assert m(query) is expected


@pytest.mark.parametrize(("query", "pos", "message"), [
    ("a AND", 6, "ends where a term"), ("(a OR b", 8, "missing ')'"), ("foo:bar", 1, "unknown field"),
    ("a*b", 2, "not part of the query language"), ('"open', 1, "unclosed quote"), ("a ^ b", 3, "'^'"),
    ("title:", 7, "a field needs a value"), ("a OR OR b", 6, "unexpected 'OR'"), ("", 1, "empty query"),
    ("m*ss", 2, "not part"), ("a)", 2, "unexpected ')'"),
])
def test_errors_point_at_the_offending_position(query: str, pos: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as exc:
        parse(query)
    assert message in str(exc.value) and f"position {pos}" in str(exc.value)


def test_anchors() -> None:
    assert anchors(parse("kharkiv missiles")) in ({("tok", "kharkiv")}, {("tok", "missiles")})
    assert anchors(parse("kharkiv OR tokyo")) == {("tok", "kharkiv"), ("tok", "tokyo")}
    assert anchors(parse("-tokyo")) is None
    assert anchors(parse("kharkiv -tokyo")) == {("tok", "kharkiv")}
    assert anchors(parse("countries:ua missil*")) in ({("kw", "countries", "UA")}, {("pre", "missil")})


def test_index_checks_only_anchored_rules_and_agrees_with_brute_force() -> None:
    idx: RuleIndex[str] = RuleIndex()
    queries = {"a": "kharkiv missil*", "b": "tokyo", "c": "-tokyo", "d": "countries:ua", "e": '"kharkiv region"',
               "f": "persons:vlad*", "g": "osaka OR nagoya"}
    for k, q in queries.items():
        idx.put(k, parse(q))
    doc = Doc.from_article(ARTICLE)
    assert "b" not in idx.candidates(doc) and "g" not in idx.candidates(doc)
    fired = {k for k, _ in idx.match(Doc.from_article(ARTICLE))}
    assert fired == {k for k, q in queries.items() if m(q)} == {"a", "c", "d", "e", "f"}
    idx.remove("a")
    idx.put("c", parse("tokyo"))  # replacing a rule drops its old anchors
    assert {k for k, _ in idx.match(Doc.from_article(ARTICLE))} == {"d", "e", "f"}

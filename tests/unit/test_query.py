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
    ("a*b", 2, "at least 3 letters before"), ('"open', 1, "unclosed quote"), ("a ^ b", 3, "'^'"),
    ("title:", 7, "a field needs a value"), ("a OR OR b", 6, "unexpected 'OR'"), ("", 1, "empty query"),
    ("m*ss", 2, "at least 3 letters"), ("a NEAR/5", 9, "needs a word"),
    ("a NEAR/500 b", 3, "over the limit of 100"), ("a NEAR/3 (b AND c)", 10, "not AND"),
    ("a NEAR/3 -b", 10, "unexpected '-'"), ("a NEAR/3 countries:UA", 10, "not a field value"),
    ("title:a NEAR/3 body:b", 9, "inside one field"), ('"a b"~500', 1, "slop of 500"),
    ("atleast0:a", 1, "from 1 to 10"), ("atleast11:a", 1, "from 1 to 10"), ("case:countries:UA", 6, "not to field values"),
    ("lead:title:a", 1, "takes no field"), ("site:reu*", 9, "no wildcard"), ("site:a/b", 7, "'/'"),
    ("e-ma?l", 1, "inside a single word"), ("colo*r AND ab?", 14, "at least 3"),
    ("a NEAR/3 lead:b", 10, "not lead:"), ("atleast2:lead:b", 1, "do not combine"),
    ("foo:a", 1, "case:, lead:, atleastN:"), ('"e-mail" NEAR/3 "e mail"', 10, "same phrase on both sides"),
    ('(a OR "b c") NEAR "b c"', 14, "same phrase"),
    ("(" + " OR ".join(f'"p{i} q"' for i in range(17)) + ") NEAR (" + " OR ".join(f'"r{i} s"' for i in range(17)) + ")",
     177, "more than 256 combinations"), ("a)", 2, "unexpected ')'"),
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


PROX = {
    "id": "p1", "title": "Putin and IT chiefs meet", "url": "https://www.Reuters.com/world/x?y=1", "language": "fr",
    "body": "Vladimir Putin said on Monday that Zelensky had refused. The US said it would not comment. "
            "Sanctions, sanctions and more sanctions: the organisation and the organization disagreed on colour. "
            + " ".join(f"w{i}" for i in range(60)) + " late kremlin words near kyiv.",
}


def pm(q: str) -> bool:
    return matches(parse(q), Doc.from_article(PROX))


@pytest.mark.parametrize(("query", "expected"), [
    # proximity: at most n other words between, either order for NEAR, in order for ONEAR
    ("putin NEAR/5 zelensky", True), ("putin NEAR/4 zelensky", True), ("putin NEAR/3 zelensky", False),
    ("zelensky NEAR/4 putin", True), ("putin ONEAR/4 zelensky", True), ("zelensky ONEAR/4 putin", False),
    ("putin NEAR zelensky", True), ("putin NEAR/40 late", False),
    ("(putin OR kremlin) NEAR/2 (zelensky OR kyiv)", True), ("(putin OR medvedev) NEAR/2 (kyiv OR kharkiv)", False),
    ('"vladimir putin" NEAR/4 zelensky', True), ('"vladimir putin" NEAR/3 zelensky', False),
    ("putin NEAR/5 zelen*", True), ("putin NEAR/5 zel?nsky", True), ("title:putin NEAR/1 chiefs", False),
    ("title:putin NEAR/3 chiefs", True), ("putin NEAR/1 chiefs", False), ("title:putin NEAR/5 zelensky", False),
    ("(putin NEAR/5 zelensky) NEAR/3 refused", True), ("(putin NEAR/5 zelensky) NEAR/3 comment", False),
    # never across the title/body join: "meet" ends the title, "vladimir" starts the body
    ("meet NEAR/1 vladimir", False),
    # a phrase with slop: the words in order, at most n others between them in all
    ('"putin zelensky"~4', True), ('"putin zelensky"~3', False), ('"zelensky putin"~10', False),
    ('"vladimir said zelensky"~4', True), ('"vladimir said zelensky"~3', False),
    # counts: title and body together
    ("atleast3:sanctions", True), ("atleast4:sanctions", False), ("atleast2:organi?ation", True),
    ("atleast3:organi?ation", False), ("atleast2:putin", True), ("atleast3:putin", False),
    ("atleast2:body:putin", False), ('atleast1:"more sanctions"', True), ("atleast2:sanction*", True),
    # case: the country, not the pronoun
    ("case:US", True), ("case:Us", False), ("case:IT", True), ("case:It", False), ("it", True),
    ('case:"Vladimir Putin"', True), ('case:"vladimir Putin"', False), ("case:Kreml*", False), ("case:kreml*", True),
    # lead: the title and the first 50 words of the body
    ("lead:refused", True), ("lead:kremlin", False), ("kremlin", True), ("lead:putin", True), ('lead:"late kremlin"', False),
    # language and site
    ("language:fr", True), ("language:FR", True), ("language:en", False),
    ("site:reuters.com", True), ("site:www.reuters.com", True), ("site:REUTERS.COM", True), ("site:com", True),
    ("site:euters.com", False), ("site:bbc.co.uk", False),
    # wildcards
    ("organi?ation", True), ("colo*r", True), ("colo?r", True), ("col?r", False), ("san?tions", True), ("kre*n", True),
])
def test_new_operators(query: str, expected: bool) -> None:
    assert pm(query) is expected


def test_new_nodes_and_positions() -> None:
    from pipeline.query.ast import AtLeast, Lead, Near, to_text

    n = parse("a (putin OR kremlin) NEAR/10 kyiv")
    assert isinstance(n, And) and isinstance(n.children[1], Near)
    near = n.children[1]
    assert near.distance == 10 and not near.ordered and near.fields == ("title", "body") and near.pos == 2
    assert parse("x ONEAR/2 y") == Near((Term(None, "word", "x", ("x",), 0), Term(None, "word", "y", ("y",), 10)),
                                        2, True, ("title", "body"), 0)
    assert parse('"a b"~3') == Term(None, "phrase", "a b", ("a", "b"), 0, False, 3)
    assert parse("atleast3:sanctions") == AtLeast(3, Term(None, "word", "sanctions", ("sanctions",), 0), 0)
    assert parse("lead:kyiv") == Lead(Term(None, "word", "kyiv", ("kyiv",), 0), 0)
    assert parse("case:IT") == Term(None, "word", "IT", ("IT",), 0, True)
    assert parse("organi?ation") == Term(None, "wildcard", "organi?ation", ("organi?ation",), 0)
    assert parse("site:Reuters.com") == Term("site", "word", "reuters.com", (), 0)
    for q in ["a (putin OR kremlin) NEAR/10 kyiv", '"a b"~3 atleast2:case:IT', "lead:colo*r -site:bbc.com",
              "(a NEAR/2 b) ONEAR/3 c", "language:fr case:title:US"]:
        assert parse(to_text(parse(q))) == parse(to_text(parse(to_text(parse(q))))), q
    with pytest.raises(QuerySyntaxError) as exc:
        parse("putin NEAR/3 (a AND b)")
    assert exc.value.pos == 13


def test_anchors_of_new_operators() -> None:
    assert anchors(parse("putin NEAR/5 zelensky")) in ({("tok", "putin")}, {("tok", "zelensky")})
    assert anchors(parse("case:IT")) == {("tok", "it")}
    assert anchors(parse("organi?ation")) == {("pre", "organi")}
    assert anchors(parse("atleast3:sanctions")) == {("tok", "sanctions")}
    assert anchors(parse("site:reuters.com")) is None
    assert anchors(parse("language:fr")) == {("kw", "language", "fr")}


def test_index_agrees_with_brute_force_on_new_operators() -> None:
    queries = ["putin NEAR/5 zelensky", "putin NEAR/3 zelensky", "case:IT", "case:it", "atleast3:sanctions",
               "lead:kremlin", "site:reuters.com", "language:fr", "organi?ation", '"putin zelensky"~3']
    idx: RuleIndex[str] = RuleIndex()
    for q in queries:
        idx.put(q, parse(q))
    assert {k for k, _ in idx.match(Doc.from_article(PROX))} == {q for q in queries if pm(q)}


def test_fast_tokenizer_path_agrees_with_the_general_one() -> None:
    """Text of ASCII and typographic marks takes one regular expression; it must cut as UAX #29 does."""
    import random

    from pipeline.query import analyzer

    rng = random.Random(5)
    alphabet = [chr(i) for i in range(128)] + list("aZ9_.,;:'\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0") * 4
    for _ in range(5000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        general = [analyzer.lower(t) for t in analyzer._segments(s)]
        assert analyzer.tokens(s) == general, s
        assert analyzer.cased_tokens(s) == analyzer._segments(s), s


def test_explain_says_which_terms_matched_and_where() -> None:
    from pipeline.query.explain import explain, render

    lines = explain(parse("putin NEAR/5 zelensky -tokyo case:US"), Doc.from_article(PROX))
    text = render(lines)
    assert "putin NEAR/5 zelensky" in text and "body words 2-7" in text
    assert lines[0].matched
    assert any(x.text == "tokyo" and not x.matched for x in lines)

"""The Kibana saved objects (deploy/kibana) and the Lucene emitter (pipeline/query/lucene.py), without servers."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from deploy.kibana import saved_objects as so
from pipeline.query import And, Not, Or, Term, parse
from pipeline.query.lucene import LuceneUnsupported, to_lucene
from schemas.alerts import AlertRule
from schemas.mapping import ALERT_PROPERTIES, ARTICLE_PROPERTIES
from tests.support.kibana import NEEDS, embedded, fields_used, parse_lines, ref_names_used


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return parse_lines(so.NDJSON.read_text(encoding="utf-8"))


def test_the_committed_file_is_what_the_generator_writes() -> None:
    assert so.NDJSON.read_text(encoding="utf-8") == so.to_ndjson(so.build()), \
        "regenerate: newswatch kibana export --out deploy/kibana/saved-objects.ndjson"


def test_every_line_and_every_embedded_json_string_parses(objects: list[dict[str, Any]]) -> None:
    assert len(objects) >= 20
    for o in objects:
        assert set(o) >= {"type", "id", "attributes", "references", "coreMigrationVersion", "typeMigrationVersion"}
        found = embedded(o)  # raises on a string that is not JSON
        if o["type"] in ("search", "dashboard"):
            assert "searchSourceJSON" in found
        if o["type"] == "map":
            assert {"layerListJSON", "mapStateJSON"} <= set(found)


def test_ids_are_unique_and_stable(objects: list[dict[str, Any]]) -> None:
    keys = [(o["type"], o["id"]) for o in objects]
    assert len(keys) == len(set(keys))
    assert [o["id"] for o in so.build()] == [o["id"] for o in so.build()]
    assert ("index-pattern", "news-articles") in keys  # the id the repository shipped before: overwritten, not doubled


def test_every_reference_resolves_and_every_used_name_is_referenced(objects: list[dict[str, Any]]) -> None:
    present = {(o["type"], o["id"]) for o in objects}
    position = {(o["type"], o["id"]): i for i, o in enumerate(objects)}
    for i, o in enumerate(objects):
        names = {r["name"] for r in o["references"]}
        assert len(names) == len(o["references"]), o["id"]
        for r in o["references"]:
            assert (r["type"], r["id"]) in present, (o["id"], r)
            assert position[(r["type"], r["id"])] < i, f"{o['id']} comes before {r['id']}"
        assert ref_names_used(o) <= names, (o["id"], ref_names_used(o) - names)


def test_the_dashboard_has_every_panel_the_issue_asks_for(objects: list[dict[str, Any]]) -> None:
    [dash] = [o for o in objects if o["type"] == "dashboard"]
    assert dash["attributes"]["title"] == "News monitor"
    by_id = {o["id"]: o for o in objects}
    titles = {by_id[r["id"]]["attributes"]["title"] for r in dash["references"]}
    assert {"Articles over time by region", "Top focus countries", "Top persons", "Top organisations", "Sources",
            "Languages", "Biggest stories", "Alerts over time by rule", "Article places"} <= titles
    panels = json.loads(dash["attributes"]["panelsJSON"])
    cells = {(x, y) for p in panels for x in range(p["gridData"]["x"], p["gridData"]["x"] + p["gridData"]["w"])
             for y in range(p["gridData"]["y"], p["gridData"]["y"] + p["gridData"]["h"])}
    assert sum(p["gridData"]["w"] * p["gridData"]["h"] for p in panels) == len(cells), "panels overlap"
    assert all(p["gridData"]["x"] + p["gridData"]["w"] <= 48 for p in panels)


def test_the_map_needs_no_elastic_maps_service(objects: list[dict[str, Any]]) -> None:
    [m] = [o for o in objects if o["type"] == "map"]
    layers = embedded(m)["layerListJSON"]
    assert {layer["sourceDescriptor"]["type"] for layer in layers} == {"ES_GEO_GRID", "ES_SEARCH"}
    assert "EMS" not in m["attributes"]["layerListJSON"]
    assert all(layer["sourceDescriptor"]["geoField"] == "places.location" for layer in layers)


def test_versions_are_stamped_for_kibana_8_8_to_9(objects: list[dict[str, Any]]) -> None:
    def v(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split("."))

    for o in objects:
        assert o["coreMigrationVersion"] == "8.8.0"
        # never above 8.8: an 8.8 Kibana refuses an object "from a newer version"
        assert v(o["typeMigrationVersion"]) <= (8, 8, 0), o["id"]
    lens = [o for o in objects if o["type"] == "lens"]
    assert lens and all("formBased" in o["attributes"]["state"]["datasourceStates"] for o in lens)
    assert all(v(o["typeMigrationVersion"]) >= (8, 6, 0) for o in lens)  # formBased is the 8.6.0 shape


def test_every_named_field_is_in_the_mapping_with_the_type_it_needs(objects: list[dict[str, Any]]) -> None:
    props = {"news-articles": ARTICLE_PROPERTIES, "news-alerts": ALERT_PROPERTIES}
    used = fields_used(objects)
    assert {use for *_, use in used} >= {"time", "date_histogram", "terms", "geo", "format", "column", "tooltip"}
    bad = [(oid, view, f, use, so.field_type(props[view], f)) for oid, view, f, use in used
           if so.field_type(props[view], f) not in NEEDS[use]]
    assert not bad, bad


def test_a_renamed_field_fails_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    props = dict(ARTICLE_PROPERTIES)
    props["focus"] = props.pop("focus_countries")
    monkeypatch.setitem(so._PROPERTIES, so.ARTICLES_VIEW, props)
    with pytest.raises(ValueError, match="focus_countries"):
        so.build()


def test_formats_link_urls_and_name_countries(objects: list[dict[str, Any]]) -> None:
    view = next(o for o in objects if o["id"] == "news-articles")
    formats = embedded(view)["fieldFormatMap"]
    assert formats["url"]["id"] == "url" and formats["url"]["params"]["type"] == "a"
    entries = {e["key"]: e["value"] for e in formats["countries"]["params"]["lookupEntries"]}
    assert entries["UA"] == "Ukraine" and entries["GB"] == "United Kingdom" and entries["NA"] == "Namibia"
    assert view["attributes"]["timeFieldName"] == "@timestamp"
    alerts = next(o for o in objects if o["id"] == "news-alerts")
    assert alerts["attributes"]["timeFieldName"] == "fired_at"


def test_country_names_are_the_enrichments() -> None:
    from pipeline.enrich.gazetteer import load

    assert so.country_names() == {c: country.name for c, country in sorted(load().countries.items())}


def test_rule_searches_use_the_emitter_and_name_what_they_leave_out(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = [AlertRule(name="ua-missiles", query="missil*", countries=["UA"]),
             AlertRule(name="eu", query='"gas prices"', regions=["Europe"])]
    refused: dict[str, str] = {}
    objs = so.build(rules=rules, refused=refused)
    found = {o["id"]: json.loads(o["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]
             for o in objs if o["id"].startswith(so.RULE_SEARCH_PREFIX)}
    assert found["newswatch-rule-ua-missiles"] == {
        "query": '((title:missil* OR body:missil*) AND countries:"UA")', "language": "lucene"}
    assert found["newswatch-rule-eu"]["query"] == '((title:"gas prices" OR body:"gas prices") AND regions.lc:"europe")'
    assert refused == {}

    from pipeline.query import lucene

    real = lucene.to_lucene

    def picky(node: Any) -> str:
        if "gas" in str(node):
            raise LuceneUnsupported("not this one")
        return real(node)

    monkeypatch.setattr(lucene, "to_lucene", picky)
    objs = so.build(rules=rules, refused=refused)
    assert refused == {"eu": "not this one"}
    assert "newswatch-rule-eu" not in {o["id"] for o in objs}


# --- the emitter -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "lucene"), [
    ("kyiv", '(title:"kyiv" OR body:"kyiv")'),
    ("title:Kyiv", 'title:"kyiv"'),
    ('"eastern ukraine"', '(title:"eastern ukraine" OR body:"eastern ukraine")'),
    ("e-mail", '(title:"e mail" OR body:"e mail")'),
    ("U.S.", '(title:"u.s" OR body:"u.s")'),
    ("body:missil*", "body:missil*"),
    ("don't*", "(title:don't* OR body:don't*)"),
    ("countries:ua", 'countries:"UA"'),
    ('persons:"Vladimir Putin"', 'persons.lc:"vladimir putin"'),
    ("organizations:Ria*", "organizations.lc:ria*"),
    ('source:"a\\b"', 'source.lc:"a\\\\b"'),
    ("a OR b -c", '((title:"a" OR body:"a") OR ((title:"b" OR body:"b") AND (*:* AND NOT (title:"c" OR body:"c"))))'),
])
def test_emitted_lucene(query: str, lucene: str) -> None:
    assert to_lucene(parse(query)) == lucene


def test_keyword_prefixes_escape_lucene_operators() -> None:
    t = Term("organizations", "prefix", "AT&T (US): a+b/c", (), 0)
    assert to_lucene(t) == "organizations.lc:at\\&t\\ \\(us\\)\\:\\ a\\+b\\/c*"
    with pytest.raises(LuceneUnsupported, match="range"):
        to_lucene(Term("organizations", "prefix", "a<b", (), 0))


def test_what_the_emitter_does_not_know_is_refused_not_changed() -> None:
    @dataclasses.dataclass(frozen=True)
    class Near:  # an operator the language may grow (NEAR/n)
        children: tuple[Any, ...]
        distance: int

    word = parse("kyiv")
    with pytest.raises(LuceneUnsupported, match="Near has no Lucene form"):
        to_lucene(And((word, Near((word, word), 3))))  # type: ignore[arg-type]  # not an ast node, on purpose

    @dataclasses.dataclass(frozen=True)
    class CaseTerm(Term):  # a Term that means more (case:)
        case_sensitive: bool = True

    with pytest.raises(LuceneUnsupported):
        to_lucene(CaseTerm("title", "word", "Kyiv", ("kyiv",), 0))

    @dataclasses.dataclass(frozen=True)
    class SlopTerm:  # a Term-shaped node of another type
        field: str
        kind: str

    with pytest.raises(LuceneUnsupported):
        to_lucene(Not(SlopTerm("title", "phrase")))  # type: ignore[arg-type]
    with pytest.raises(LuceneUnsupported, match="'wildcard' term"):
        to_lucene(Term("title", "wildcard", "k*v", ("k*v",), 0))
    with pytest.raises(LuceneUnsupported, match="field 'language'"):
        to_lucene(Term("language", "word", "fr", (), 0))
    with pytest.raises(LuceneUnsupported, match="empty Or"):
        to_lucene(Or(()))

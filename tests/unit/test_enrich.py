"""Enrichment on text, no servers: the same functions the worker runs."""

from __future__ import annotations

import pytest

from pipeline.enrich import enrich_payloads
from pipeline.enrich.canonical import clean, merge
from pipeline.enrich.text import find_dateline
from pipeline.enrich.gazetteer import key, load
from pipeline.enrich.salience import CountryMention, focus, rank, scores
from schemas import EnrichedArticle, ValidationLimits


def _enrich(payload: dict) -> EnrichedArticle:
    [out] = enrich_payloads([payload], ValidationLimits())
    assert out.article is not None, out.error
    return out.article


@pytest.fixture(scope="module")
def seed(seed_raw: dict[str, str]) -> EnrichedArticle:
    return _enrich(seed_raw)


def test_seed_countries_regions_orgs(seed: EnrichedArticle) -> None:
    assert set(seed.countries) == {"JP", "RU", "UA", "US", "GB"}
    assert {"Eastern Asia", "Eastern Europe", "Europe", "Asia"} <= set(seed.regions)
    assert {"JP", "RU"} <= set(seed.focus_countries)
    assert set(seed.focus_countries) <= set(seed.countries)
    orgs = seed.organizations
    assert "Ria Novosti" in orgs
    assert [o for o in orgs if "Ministry of Defense" in o] == ["Japanese Ministry of Defense"]
    assert seed.country_names[seed.countries.index("GB")] == "United Kingdom"


def test_seed_places_have_points(seed: EnrichedArticle) -> None:
    by_name = {p.name: p for p in seed.places}
    assert by_name["Kharkiv"].country == "UA" and by_name["Kharkiv"].kind == "city"
    assert by_name["Kharkiv"].location is not None and 49 < by_name["Kharkiv"].location.lat < 51
    assert by_name["Japan"].kind == "country"
    # demonyms tag countries but are not place mentions
    assert "Russian" not in by_name


def test_variants_are_one_country() -> None:
    art = _enrich({"title": "Talks", "body": "The U.S. and the United States of America and America said. "
                   "Officials in Britain and the UK agreed."})
    assert art.countries == ["US", "GB"] or set(art.countries) == {"US", "GB"}
    names = [e.name for e in art.entities if e.type == "GPE"]
    assert names.count("United States") <= 1


def test_city_resolution_uses_context() -> None:
    g = load()
    assert g.city_candidates("Paris")[0].country == "FR"
    art = _enrich({"title": "Storm", "body": "The storm hit Texas on Monday. In Paris, Texas, residents cleaned up. "
                   "Paris officials said the damage was limited."})
    assert "US" in art.countries
    assert "FR" not in art.countries


def test_a_capital_beats_another_countrys_area_of_the_same_name_unless_the_text_says_so() -> None:
    # GeoNames has Jerusalem the city (Israel's capital) and a Palestinian governorate of the same name
    art = _enrich({"title": "Talks in Jerusalem", "body": "Talks were held in Jerusalem on Monday, officials said."})
    assert art.countries == ["IL"] and [(p.name, p.kind) for p in art.places] == [("Jerusalem", "city")]
    pl = _enrich({"title": "Rozmowy w Jerozolimie", "body": "W Jerozolimie spotkali się przedstawiciele rządu."})
    assert pl.countries == ["IL"]
    art = _enrich({"title": "Protest", "body": "Palestinian officials in the West Bank and Jerusalem said Ramallah "
                   "would respond."})
    assert "PS" in art.countries and "IL" not in art.countries


def test_no_places_no_countries() -> None:
    art = _enrich({"title": "Quarterly results", "body": "The company reported higher revenue this quarter."})
    assert art.countries == [] and art.focus_countries == [] and art.regions == []


def test_region_mentions_add_tags_without_countries() -> None:
    art = _enrich({"title": "Heatwave", "body": "A heatwave is spreading across the Middle East and Southeast Asia."})
    assert {"Western Asia", "South-eastern Asia"} <= set(art.regions)
    assert art.countries == []


def test_clean_and_merge() -> None:
    assert clean("The Japanese Ministry of Defense", "ORG") == "Japanese Ministry of Defense"
    assert clean("President Vladimir Putin's", "PERSON") == "Vladimir Putin"
    groups = merge([("Vladimir Putin", "PERSON", 0), ("Putin", "PERSON", 50), ("World Health Organization", "ORG", 5),
                    ("WHO", "ORG", 60), ("Health Ministry", "ORG", 70)])
    names = {g.name: g.count for g in groups}
    assert names == {"Vladimir Putin": 2, "World Health Organization": 2, "Health Ministry": 1}


def test_salience_prefers_title_and_dateline() -> None:
    ms = [CountryMention("FR", 0, "country"), CountryMention("FR", 100, "country"), CountryMention("DE", 900, "country")]
    sc = scores(ms, title_end=50, lead_end=550, dateline=None)
    ranked = rank(sc, {"FR": 0, "DE": 900})
    assert ranked == ["FR", "DE"]
    assert focus(sc, ranked, dateline=None) == ["FR"]
    assert focus(sc, ranked, dateline="DE")[0] == "DE"


def test_dateline() -> None:
    text = "Title line\nTOKYO, March 3 (Reuters) - Japan said"
    dl = find_dateline(text, len("Title line"))
    assert dl is not None and dl.city == "TOKYO"
    assert find_dateline("T\nThe government said - nothing", 1) is None


def test_key_folds_accents_and_articles() -> None:
    assert key("The Côte d’Ivoire's") == key("cote d'ivoire")

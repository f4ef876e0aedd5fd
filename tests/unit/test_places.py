"""Place resolution on constructed sentences: each test names one error class the resolver handles."""

from __future__ import annotations

from pipeline.enrich import enrich_payloads
from pipeline.enrich.enricher import Enricher
from pipeline.enrich.gazetteer import load
from pipeline.enrich.ner import Mention
from pipeline.enrich.text import compose
from schemas import EnrichedArticle, RawArticle, ValidationLimits


def _enrich(title: str, body: str) -> EnrichedArticle:
    [out] = enrich_payloads([{"title": title, "body": body}], ValidationLimits())
    assert out.article is not None, out.error
    return out.article


def _with(mentions: list[tuple[str, str]], body: str, title: str = "Report") -> EnrichedArticle:
    """Enrich with hand-made NER mentions, to pin the resolver's behaviour independent of the model."""
    raw = RawArticle(title=title, body=body)
    text, _ = compose(raw)
    ms, pos = [], 0
    for surface, label in mentions:
        i = text.index(surface, pos)
        ms.append(Mention(surface, label, i, i + len(surface)))
        pos = i + len(surface)
    return Enricher(load()).enrich(raw, ms)


def test_mislabelled_country_is_still_a_country() -> None:
    art = _with([("U.S.", "ORG"), ("Niger", "PERSON")], "The U.S. sent aid to Niger on Monday.")
    assert set(art.countries) == {"US", "NE"}


def test_an_acronym_is_no_short_place_written_in_capitals() -> None:
    art = _with([("BA", "ORG"), ("IAG", "ORG")], "It may be that BA and IAG have cracked it.")
    assert art.countries == [] and art.places == []
    scanned = _with([], "It may be that BA and IAG have cracked it.")
    assert scanned.countries == []
    abbreviations = _with([("NSW", "ORG"), ("UAE", "ORG")], "Rain hit NSW; the UAE sent aid.")
    assert set(abbreviations.countries) == {"AU", "AE"}


def test_country_inside_an_organisation_counts_but_is_no_place() -> None:
    art = _with([("Public Health Agency of Canada", "ORG")], "The Public Health Agency of Canada said so.")
    assert art.countries == ["CA"]
    assert art.places == []


def test_disease_named_after_a_place_is_not_the_place() -> None:
    art = _with([("Reston", "GPE"), ("Philippines", "GPE")], "Reston ebolavirus was found in pigs in the Philippines.")
    assert art.countries == ["PH"]


def test_a_name_after_a_personal_title_is_a_person() -> None:
    body = "Mr Osborne met Mrs. Jordan and Dr Clinton; the DR Congo and Jordan sent envoys."
    art = _with([("Osborne", "GPE"), ("Jordan", "PERSON"), ("Clinton", "GPE"), ("DR Congo", "GPE"),
                 ("Jordan", "GPE")], body)
    assert set(art.countries) == {"CD", "JO"}
    assert {"Osborne", "Clinton"} <= set(art.persons) and "Osborne" not in {p.name for p in art.places}
    scanned = _with([], "Mr Jordan said he would resign.")
    assert scanned.countries == []
    elsewhere = _enrich("Rozmowy", "Jak powiedział pan Jordan, Polska i Niemcy się zgadzają.")
    assert set(elsewhere.countries) == {"PL", "DE"} and elsewhere.persons == []
    spanish = _enrich("Reunión", "Según el Sr. Jordán, España y Francia firmarán el acuerdo en Madrid.")
    assert set(spanish.countries) == {"ES", "FR"}


def test_admin_area_decided_by_context() -> None:
    uk = _with([("England", "GPE"), ("Suffolk", "GPE")], "Farms in England were hit; a case in Suffolk was confirmed.")
    assert set(uk.countries) == {"GB"}
    us = _with([("Alabama", "GPE"), ("Georgia", "GPE")], "Storms crossed Alabama and then Georgia overnight.")
    assert set(us.countries) == {"US"}
    ge = _with([("Russia", "GPE"), ("Georgia", "GPE")], "Russia and Georgia resumed talks in Geneva.")
    assert set(ge.countries) == {"RU", "GE"}


def test_country_name_beats_a_foreign_admin_area() -> None:
    art = _with([("Nigeria", "GPE"), ("Niger", "GPE")], "Bird flu spread from Nigeria to Niger.")
    assert set(art.countries) == {"NG", "NE"}


def test_big_city_needs_no_context_small_town_does() -> None:
    assert _with([("Cairo", "GPE")], "Officials in Cairo said so.").countries == ["EG"]
    assert _with([("Innisfail", "GPE")], "Officials in Innisfail said so.").countries == []
    assert _with([("Queensland", "GPE"), ("Innisfail", "GPE")], "In Queensland, officials in Innisfail said so.").countries == ["AU"]


def test_hyphenated_names_are_whole() -> None:
    art = _with([("Guinea", "GPE")], "Cholera reached Guinea-Bissau this week.")
    assert art.countries == ["GW"]


def test_scan_finds_unmarked_country_names() -> None:
    art = _with([], "Aid convoys entered Sudan and South Sudan on Tuesday.")
    assert set(art.countries) == {"SD", "SS"}


def test_demonym_in_passing_is_not_a_country_mention() -> None:
    art = _with([("France", "GPE"), ("Canadian", "NORP")], "France reported cases. A Canadian doctor helped.")
    assert art.countries == ["FR"]
    title = _with([("Canadian", "NORP")], "More details followed.", title="Canadian troops arrive")
    assert title.countries == ["CA"]


def test_seas_and_regions_are_places_without_countries() -> None:
    art = _with([("Mediterranean", "LOC"), ("Middle East", "LOC")], "Boats crossed the Mediterranean from the Middle East.")
    assert art.countries == []
    assert {p.name for p in art.places} == {"Mediterranean", "Middle East"}
    assert "Western Asia" in art.regions


def test_focus_skips_passing_mentions() -> None:
    body = ("TOKYO, March 3 (Reuters) - Japan's exports rose in February, the Japanese finance ministry said. "
            "Shipments to Japan's neighbours grew. Japan's economy minister welcomed the data. "
            "Prices were quoted in U.S. dollars.")
    art = _enrich("Japan's exports rise", body)
    assert art.focus_countries == ["JP"]
    assert "US" in art.countries


def test_organisations_have_one_name_across_articles() -> None:
    a = _with([("U.N.", "ORG")], "The U.N. said so.")
    b = _with([("UN", "ORG")], "The UN said so.")
    assert a.organizations == b.organizations == ["United Nations"]


def test_title_and_body_are_not_read_as_one_name() -> None:
    art = _enrich("Missiles over Kyiv", "Ukraine reported long-range missiles launched at Kyiv overnight.")
    assert "UA" in art.countries
    assert not any("Kyiv Ukraine" in e.name for e in art.entities)


def test_the_dateline_qualifier_beats_the_largest_namesake() -> None:
    for title, body, country, wrong in [
        ("Tech firm hires", "SAN MATEO, Calif. - The software company said it would hire 500 people.", "US", "PH"),
        ("Crash on highway", "Scarborough, Ontario - Two people were hurt in a crash on the highway.", "CA", "GB"),
        ("Festival", "READING, Penn. - The festival drew thousands of visitors.", "US", "GB"),
        ("Steel plant", "BIRMINGHAM, Ala. - The steel plant will close next year, the company said.", "US", "GB"),
        ("Storm damage", "PORTLAND, Ore., Feb 26 - A storm knocked out power across the city.", "US", "GB"),
    ]:
        art = _enrich(title, body)
        assert art.focus_countries[:1] == [country] and wrong not in art.countries, (body, art.countries)


def test_a_weak_signal_does_not_move_a_city_abroad() -> None:
    art = _enrich("Talks resume", "Iranian and American negotiators met in Geneva on Tuesday.")
    assert "CH" in art.countries  # a demonym is half a name: Geneva stays in Switzerland


def test_a_city_in_the_state_makes_the_title_state_not_the_country() -> None:
    art = _enrich("Georgia election", "Voters in Atlanta went to the polls on Tuesday.")
    assert "GE" not in art.countries and art.focus_countries[:1] == ["US"]


def test_a_demonym_that_speaks_for_its_state_names_the_country() -> None:
    art = _with([("Iranian", "NORP"), ("American", "NORP"), ("Geneva", "GPE")],
                "Iranian and American negotiators met in Geneva on Tuesday.", title="Talks resume")
    assert set(art.countries) == {"IR", "US", "CH"}
    art = _with([("Chinese", "NORP")], "Senior Chinese military officials arrived on Thursday.", title="Visit")
    assert art.countries == ["CN"]
    art = _with([("Canadian", "NORP")], "A Canadian doctor treated the patients.", title="Clinic")
    assert art.countries == []  # a person's nationality in passing is no country of the story


def test_a_major_city_the_model_missed_is_found_alone_not_inside_a_name() -> None:
    art = _with([], "Explosions were heard in Kyiv early on Monday, officials said.", title="Strike")
    assert art.countries == ["UA"] and art.locations == ["Kyiv"]
    art = _with([], "Tributes to Kobe Bryant came from around the world.", title="Tributes")
    assert art.countries == []

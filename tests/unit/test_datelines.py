"""Datelines by the conventions wire copy follows: AP state abbreviations, Canadian provinces, Australian
states, "CITY, Country". An explicit qualifier beats population; the largest namesake never wins over it."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.enrich.gazetteer import load
from pipeline.enrich.places import PlaceResolver
from pipeline.enrich.text import find_dateline

Case = tuple[str, str, str | None]  # dateline, country, admin1 (None: the country alone)
US: list[Case] = [
    ("PORTLAND, Ore., Feb 26 -", "US", "OR"), ("SANTA CRUZ, Calif. (Reuters) -", "US", "CA"),
    ("WESTPORT, Conn. -", "US", "CT"), ("SAN MATEO, Calif. -", "US", "CA"), ("READING, Penn. -", "US", "PA"),
    ("BIRMINGHAM, Ala. (AP) -", "US", "AL"), ("SPRINGFIELD, Ill. -", "US", "IL"), ("ALBANY, N.Y. -", "US", "NY"),
    ("COLUMBIA, S.C., March 3 -", "US", "SC"), ("CHARLESTON, W.Va. -", "US", "WV"),
    ("MANCHESTER, N.H. -", "US", "NH"), ("AUSTIN, Tex. -", "US", "TX"),
]
CANADA: list[Case] = [
    ("Scarborough, Ontario -", "CA", None), ("LONDON, Ont. -", "CA", "08"), ("HALIFAX, N.S. -", "CA", "07"),
    ("VICTORIA, B.C. -", "CA", "02"), ("KINGSTON, Ont. -", "CA", "08"), ("REGINA, Sask. -", "CA", "11"),
    ("WINNIPEG, Man. -", "CA", "03"), ("EDMONTON, Alberta -", "CA", "01"), ("HAMILTON, Ont. (CP) -", "CA", "08"),
    ("CALGARY, Alta. -", "CA", "01"),
]
AUSTRALIA: list[Case] = [
    ("PERTH, W.A. -", "AU", "08"), ("NEWCASTLE, NSW -", "AU", "02"), ("SYDNEY, N.S.W., Jan 4 -", "AU", "02"),
    ("BRISBANE, Qld -", "AU", "04"), ("HOBART, Tas. -", "AU", "06"), ("DARWIN, N.T. -", "AU", "03"),
    ("MELBOURNE, Vic. -", "AU", "07"), ("ADELAIDE, S.A. -", "AU", "05"), ("IPSWICH, Queensland -", "AU", "04"),
    ("Richmond, Victoria -", "AU", "07"),
]
COUNTRY: list[Case] = [
    ("KYIV, Ukraine -", "UA", None), ("TRIPOLI, Lebanon -", "LB", None), ("VALENCIA, Venezuela -", "VE", None),
    ("CORDOBA, Argentina -", "AR", None), ("ALEXANDRIA, Egypt (Reuters) -", "EG", None),
    ("HYDERABAD, Pakistan -", "PK", None), ("GEORGETOWN, Guyana -", "GY", None), ("TBILISI, Georgia -", "GE", None),
    ("SANTIAGO, Chile -", "CL", None), ("LA PAZ, Bolivia -", "BO", None),
]


@pytest.fixture(scope="module")
def resolver() -> PlaceResolver:
    return PlaceResolver(load())


@pytest.mark.parametrize(("line", "country", "admin1"), US + CANADA + AUSTRALIA + COUNTRY)
def test_the_qualifier_places_the_dateline(resolver: PlaceResolver, line: str, country: str, admin1: str | None) -> None:
    text = f"Title.\n\n{line} The story begins here."
    dl = find_dateline(text, len("Title"))
    assert dl is not None and dl.qualifier, line
    assert text[dl.start : dl.end] == dl.city
    place, code, _ = resolver.resolve_dateline(dl, Counter())
    assert code == country, line
    if place is not None:
        assert place.country == country
        if admin1 is not None and place.kind == "city":
            assert place.admin1 == admin1, line


@pytest.mark.parametrize("line", ["SAN MATEO, Calif. -", "READING, Penn. -", "BIRMINGHAM, Ala. -", "LONDON, Ont. -",
                                  "NEWCASTLE, NSW -", "TRIPOLI, Lebanon -", "VALENCIA, Venezuela -",
                                  "ALEXANDRIA, Egypt -", "MANCHESTER, N.H. -", "IPSWICH, Queensland -"])
def test_a_smaller_namesake_named_by_its_qualifier_beats_the_largest(resolver: PlaceResolver, line: str) -> None:
    dl = find_dateline(f"T.\n\n{line} x", 1)
    assert dl is not None
    place, code, _ = resolver.resolve_dateline(dl, Counter())
    assert place is not None and place.kind == "city" and place.country == code, line


def test_a_date_or_an_agency_is_no_qualifier() -> None:
    dl = find_dateline("T.\n\nTOKYO, March 3 (Reuters) - x", 1)
    assert dl is not None and dl.city == "TOKYO" and dl.qualifier is None
    assert find_dateline("T.\n\nThe government said - nothing", 1) is None


def test_atlanta_makes_georgia_the_state(resolver: PlaceResolver) -> None:
    dl = find_dateline("T.\n\nATLANTA, Georgia - x", 1)
    assert dl is not None
    place, code, _ = resolver.resolve_dateline(dl, Counter())
    assert code == "US" and place is not None and place.name == "Atlanta"

"""Where a capital says nothing, a common word is no place; a first name beside a surname is a person; a
surname made from a place is no case of it. Each case fails without the guard it names: the matcher
read all of these as places before."""

import pytest

from pipeline.enrich.common_words import PERSON, WORD, collisions, related
from pipeline.enrich.multilingual import names_for
from pipeline.measure.evaluate import evaluate


def _places(lang: str, text: str) -> list[tuple[str, str]]:
    return [(text[m.start:m.end], m.text) for m in names_for(lang).find(text) if m.label == "GPE"]


# a sentence's first word, a common word of the language that matches a place's name
SENTENCE_START = [
    ("hr", "Samo je rekao da neće doći.", "Samo"),  # "only", not Samoa
    ("hr", "Još jedna vlada je pala.", "Još"),  # "still", not Jos (Nigeria)
    ("sr", "Kaže da je bilo teško. Samo tri dana kasnije stigli su.", "Samo"),
    ("ru", "Самой большой проблемой остаётся бюджет.", "Самой"),  # "the very", not Samoa
    ("ru", "«Само собой, мы придём», — сказал он.", "Само"),
    ("uk", "Само по собі це нічого не означає.", "Само"),
    ("bg", "Само един човек е пострадал.", "Само"),
    ("sl", "Samo dva dni kasneje so odšli.", "Samo"),
    ("cs", "Samo o sobě to nic neznamená.", "Samo"),
    ("pl", "Samo spotkanie trwało godzinę.", "Samo"),
    # the place's own name, and one of the language's commonest words: the word where the capital says nothing
    ("uk", "Того ж дня уряд ухвалив рішення.", "Того"),  # "that", not Togo
    ("ru", "Того же мнения придерживается и министр.", "Того"),
    ("sk", "Mali podnikatelia protestovali.", "Mali"),  # "small", not Mali
]


@pytest.mark.parametrize(("lang", "text", "word"), SENTENCE_START)
def test_a_common_word_at_a_sentence_start_is_no_place(lang: str, text: str, word: str) -> None:
    assert word.casefold() in collisions(lang)[WORD]
    assert all(found != word for found, _ in _places(lang, text))


def test_a_common_word_in_capitals_or_in_a_name_is_no_place_and_elsewhere_the_capital_decides() -> None:
    assert _places("ru", "Доклад Счётной Палаты опубликован.") == []  # "chamber" in a name, not Palau
    assert _places("ru", "Он выступал в Палате общин.") == []  # a stem of Palau only: the word anywhere
    assert _places("hr", "SAMO NAPRIJED") == []
    assert _places("hr", "Otok je na Samoi, a ne u Zagrebu.") == [("Samoi", "Samoa"), ("Zagrebu", "Zagreb")]
    assert _places("uk", "Вибори в Того пройшли спокійно.") == [("Того", "Togo")]
    assert _places("sk", "Francúzi sa stiahli z Mali.") == [("Mali", "Mali")]


# the language's own names of places stay places at a sentence's start, however common the word
PLACES_AT_THE_START = [
    ("pl", "Polska jest członkiem NATO.", "Poland"), ("pl", "Berlin odpowiedział szybko.", "Berlin"),
    ("pl", "Kijów potwierdził atak.", "Kyiv"), ("pl", "Pekin zaprzecza.", "Beijing"),
    ("hr", "Hrvatska je članica EU.", "Croatia"), ("hr", "Zagreb je glavni grad.", "Zagreb"),
    ("hr", "BiH je podnijela zahtjev.", "Bosnia and Herzegovina"), ("cs", "Čína odmítla.", "China"),
    ("uk", "Київ заявив про атаку.", "Kyiv"), ("ru", "Россия отвергла обвинения.", "Russia"),
    ("bg", "Русия отговори.", "Russia"), ("sl", "Slovenija je sprejela zakon.", "Slovenia"),
]


@pytest.mark.parametrize(("lang", "text", "english"), PLACES_AT_THE_START)
def test_a_place_of_the_language_stays_a_place_at_a_sentence_start(lang: str, text: str, english: str) -> None:
    assert english in [e for _, e in _places(lang, text)]


def test_a_first_name_beside_a_surname_is_a_person_and_alone_a_place() -> None:
    assert "Milan" in collisions("hr")[PERSON]
    assert _places("hr", "Bivši predsjednik Milan Kučan stigao je jučer.") == []
    assert _places("hr", "Sastanak je bio u Milanu.") == [("Milanu", "Milan")]
    assert _places("cs", "Útočník Milan Baroš řekl.") == []
    assert _places("hr", "Ministar Jordan Ilić i gradonačelnik Milan Bandić.") == [("Jordan", "Jordan")]  # a country stays one


def test_a_surname_made_from_a_place_is_no_case_of_it() -> None:
    assert _places("ru", "Актёр Ливанов и посол Йорданова.") == []
    assert _places("ru", "Из Ливана и Объединенных Арабских Эмиратов.") == [
        ("Ливана", "Lebanon"), ("Объединенных Арабских Эмиратов", "United Arab Emirates")]
    assert _places("bg", "Министър Йорданов е в Йордания.") == [("Йордания", "Jordan")]


def test_related_is_the_name_or_an_adjective_never_a_word_sharing_letters() -> None:
    assert related("Polska", "Polska", set())
    assert related("polski", "Polska", {"polski"})
    assert not related("samo", "Samoa", {"samoanski"})
    assert not related("još", "Jos", set())  # compared with accents kept


def test_eval_scores_places_against_every_marked_place() -> None:
    body = ("Predsjednik vlade stigao je jučer u Zagreb na sastanak s ministrima. Delegacija iz Splita i "
            "Rima doputovala je u Zagreb iz Beograda, gdje su razgovori o suradnji trajali dva dana. "
            "Ministri su rekli da će se sljedeći sastanak održati na proljeće.")
    spans = [(body.index(w), body.index(w) + len(w)) for w in ("Zagreb", "Splita", "Beograda")]
    rec = {"id": "x", "title": body.split(".")[0] + ".", "body": body, "gold_language": "hr",
           "gold_places": [{"name": body[s:e], "start": s, "end": e} for s, e in spans]}
    r = evaluate([rec]).as_dict()
    places = r["places"]
    # found: Zagreb (twice, the second unmarked), Rima (unmarked), Beograda; missed: Splita
    assert places["tp"] >= 2 and places["fp"] >= 1 and places["fn"] >= 1
    assert "countries" in r and r["countries"]["tp"] + r["countries"]["fp"] == 0  # no gold_countries: unscored
    assert any("Rima" in e for e in r["examples"]["place_unmarked"])


def test_the_news_ner_set_places_are_mostly_marked_places() -> None:
    """`ner-news.jsonl` (the dev half): of the places newswatch finds in Russian, Ukrainian, Croatian
    and Serbian news, the share on a span the annotators marked as a place (0.862 when this was written;
    0.852 before the guards above)."""
    import json
    from pathlib import Path

    lines = (Path(__file__).parents[1] / "data" / "ner-news.jsonl").read_text(encoding="utf-8").splitlines()
    r = evaluate([json.loads(line) for line in lines]).as_dict()
    assert r["places"]["precision"] >= 0.86
    assert r["languages"]["ru"]["places"]["precision"] >= 0.94
    # the countries the articles write out: 0.829 / 0.976 when written (0.757 while every capital
    # implied its state wherever it stood)
    assert r["countries"]["precision"] >= 0.82 and r["countries"]["recall"] >= 0.97

"""Other languages: the language from the text, countries and big cities by their local names."""

import json
from pathlib import Path

import pytest

from pipeline.enrich import enrich_articles
from pipeline.enrich.language import detect
from pipeline.enrich.multilingual import names_for
from schemas import RawArticle

SET = Path(__file__).parents[1] / "data" / "multilingual.jsonl"


def _found(lang: str, text: str) -> list[tuple[str, str]]:
    return [(m.text, text[m.start:m.end]) for m in names_for(lang).find(text)]


def test_the_text_decides_the_language_not_the_producer() -> None:
    assert detect("Des missiles ont frappé Kiev dans la nuit, selon les autorités.", claimed="en") == "fr"
    assert detect("中国外交部发言人在北京表示反对", claimed=None) == "zh"
    assert detect("OK", claimed="de") == "de"  # too short to tell: the producer's word stands
    assert detect("", claimed=None) == "und"
    # short text: trigrams mislead ("Floods in Dhaka" scores Estonian), so English words or the claim decide
    assert detect("Floods in Dhaka", claimed=None) == "und"
    assert detect("Floods in Dhaka", claimed="en") == "en"
    assert detect("At present, the individual remains unidentified", claimed=None) == "en"
    assert detect("Президент России прибыл в Пекин", claimed="en") == "ru"


def test_russian_case_endings_and_short_forms() -> None:
    text = "Делегации России и Украины встретились в Киеве. США и Соединенных Штатов."
    assert _found("ru", text) == [("Russia", "России"), ("Ukraine", "Украины"), ("Kyiv", "Киеве"),
                                  ("United States", "США"), ("United States", "Соединенных Штатов")]
    assert _found("ru", "малый бизнес и российские компании") == []  # no stem of a name


def test_arabic_clitics_and_chinese_longest_first() -> None:
    assert _found("ar", "وروسيا وبالصين وللصين") == [("Russia", "وروسيا"), ("China", "وبالصين"), ("China", "وللصين")]
    assert _found("zh", "印度尼西亚和印度") == [("Indonesia", "印度尼西亚"), ("India", "印度")]


def test_german_inflection_and_lowercase_words_are_no_places() -> None:
    assert _found("de", "Russlands Angriff, den Vereinigten Staaten") == [
        ("Russia", "Russlands"), ("United States", "Vereinigten Staaten")]
    assert _found("fr", "La France accueillait la réunion.") == [("France", "France")]
    assert _found("es", "Reunión en Washington") == [("Washington", "Washington")]


def test_a_foreign_article_gets_english_place_names_and_its_language() -> None:
    art = enrich_articles([RawArticle(title="Переговоры", body="Делегации России и Украины встретились в Стамбуле.",
                                      language="en")])[0]
    assert art.language == "ru"
    assert set(art.countries) == {"RU", "UA", "TR"} and "Istanbul" in art.locations
    assert art.persons == []  # no NER reads Russian: the English model would invent entities


@pytest.mark.timeout(300)
def test_the_multilingual_set_language_right_and_countries_recall() -> None:
    from pipeline.measure.evaluate import evaluate

    records = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert {r["gold_language"] for r in records} == {"fr", "es", "de", "ru", "zh", "ar"}
    assert all(sum(r["gold_language"] == lang for r in records) == 10 for lang in ("fr", "es", "de", "ru", "zh", "ar"))
    report = evaluate(records).as_dict()
    for lang, score in report["languages"].items():
        assert score["language_accuracy"] == 1.0, lang
        assert score["countries"]["recall"] >= 0.9, (lang, score)
    assert report["countries"]["precision"] >= 0.9


def test_french_articles_get_people_and_organisations_from_the_french_model() -> None:
    art = enrich_articles([RawArticle(title="Visite officielle", body="Emmanuel Macron a reçu le président du "
                                      "Sénégal à Paris. La Banque mondiale a salué l'accord signé en Allemagne.")])[0]
    assert art.language == "fr"
    assert art.persons == ["Emmanuel Macron"] and "Banque mondiale" in art.organizations
    assert set(art.countries) == {"SN", "FR", "DE"}  # places by their French names: "Allemagne" is Germany

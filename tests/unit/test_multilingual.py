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
    # no NER reads Russian: a city named once in the body is a place of the article, but its country
    # (Turkey) is only implied, which counts for a name found alone only in the title or dateline
    assert set(art.countries) == {"RU", "UA"} and "Istanbul" in art.locations
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


# Inflected forms of country and city names, per language family: (language, form in running text,
# the gazetteer name it must resolve to). None of them is a hand rule of the language; the forms come
# from the listed inflections (simplemma's lists) or the generic stem match.
INFLECTED: dict[str, list[tuple[str, str, str]]] = {
    "West Slavic (Polish, Czech, Slovak)": [
        ('pl', 'Polsce', 'Poland'), ('pl', 'Niemczech', 'Germany'), ('pl', 'Ukrainie', 'Ukraine'),
        ('pl', 'Rosji', 'Russia'), ('pl', 'Francji', 'France'), ('pl', 'Chinach', 'China'),
        ('pl', 'Wielkiej Brytanii', 'United Kingdom'), ('pl', 'Czechach', 'Czechia'),
        ('pl', 'Węgrzech', 'Hungary'), ('pl', 'Hiszpanii', 'Spain'), ('pl', 'Włoszech', 'Italy'),
        ('pl', 'Japonii', 'Japan'), ('pl', 'Indiach', 'India'), ('pl', 'Turcji', 'Türkiye'),
        ('pl', 'Białorusi', 'Belarus'), ('pl', 'Litwie', 'Lithuania'), ('pl', 'Szwecji', 'Sweden'),
        ('pl', 'Izraelu', 'Israel'), ('pl', 'Iranie', 'Iran'), ('pl', 'Warszawie', 'Warsaw'),
        ('pl', 'Berlinie', 'Berlin'), ('pl', 'Moskwie', 'Moscow'), ('pl', 'Paryżu', 'Paris'),
        ('pl', 'Londynie', 'London'), ('pl', 'Kijowie', 'Kyiv'), ('pl', 'Rzymie', 'Rome'),
        ('pl', 'Wiedniu', 'Vienna'), ('pl', 'Stanach Zjednoczonych', 'United States'),
        ('cs', 'Ukrajině', 'Ukraine'), ('cs', 'Německa', 'Germany'), ('cs', 'Polsku', 'Poland'),
        ('cs', 'Rusku', 'Russia'), ('cs', 'Francii', 'France'), ('cs', 'Slovensku', 'Slovakia'),
        ('cs', 'Rakousku', 'Austria'), ('cs', 'Maďarsku', 'Hungary'), ('cs', 'Itálii', 'Italy'),
        ('cs', 'Španělsku', 'Spain'), ('cs', 'Číně', 'China'), ('cs', 'Japonsku', 'Japan'),
        ('cs', 'Indii', 'India'), ('cs', 'Turecku', 'Türkiye'), ('cs', 'Izraeli', 'Israel'),
        ('cs', 'Íránu', 'Iran'), ('cs', 'Spojených státech', 'United States'), ('cs', 'Praze', 'Prague'),
        ('cs', 'Berlíně', 'Berlin'), ('cs', 'Moskvě', 'Moscow'), ('cs', 'Paříži', 'Paris'),
        ('cs', 'Londýně', 'London'), ('cs', 'Vídni', 'Vienna'), ('cs', 'Varšavě', 'Warsaw'),
        ('cs', 'Kyjevě', 'Kyiv'), ('sk', 'Slovensku', 'Slovakia'), ('sk', 'Nemecku', 'Germany'),
        ('sk', 'Poľsku', 'Poland'), ('sk', 'Rusku', 'Russia'), ('sk', 'Ukrajine', 'Ukraine'),
        ('sk', 'Francúzsku', 'France'), ('sk', 'Maďarsku', 'Hungary'), ('sk', 'Rakúsku', 'Austria'),
        ('sk', 'Taliansku', 'Italy'), ('sk', 'Číne', 'China'), ('sk', 'Bratislave', 'Bratislava'),
        ('sk', 'Prahe', 'Prague'), ('sk', 'Viedni', 'Vienna'), ('sk', 'Moskve', 'Moscow'),
    ],
    "South Slavic (Slovene, Croatian, Serbian in both scripts, Bulgarian)": [
        ('sl', 'Sloveniji', 'Slovenia'), ('sl', 'Hrvaškem', 'Croatia'), ('sl', 'Nemčiji', 'Germany'),
        ('sl', 'Avstriji', 'Austria'), ('sl', 'Rusiji', 'Russia'), ('sl', 'Ukrajini', 'Ukraine'),
        ('sl', 'Franciji', 'France'), ('sl', 'Italiji', 'Italy'), ('sl', 'Madžarskem', 'Hungary'),
        ('sl', 'Srbiji', 'Serbia'), ('sl', 'Poljskem', 'Poland'), ('sl', 'Kitajskem', 'China'),
        ('sl', 'Španiji', 'Spain'), ('sl', 'Turčiji', 'Türkiye'), ('sl', 'Ljubljani', 'Ljubljana'),
        ('sl', 'Zagrebu', 'Zagreb'), ('sl', 'Beogradu', 'Belgrade'), ('sl', 'Moskvi', 'Moscow'),
        ('sl', 'Parizu', 'Paris'), ('sl', 'Londonu', 'London'), ('sl', 'Dunaju', 'Vienna'),
        ('sl', 'Združenih državah Amerike', 'United States'), ('hr', 'Hrvatskoj', 'Croatia'),
        ('hr', 'Njemačkoj', 'Germany'), ('hr', 'Srbiji', 'Serbia'),
        ('hr', 'Bosni i Hercegovini', 'Bosnia and Herzegovina'), ('hr', 'Sloveniji', 'Slovenia'),
        ('hr', 'Italiji', 'Italy'), ('hr', 'Francuskoj', 'France'), ('hr', 'Rusiji', 'Russia'),
        ('hr', 'Ukrajini', 'Ukraine'), ('hr', 'Kini', 'China'), ('hr', 'Zagrebu', 'Zagreb'),
        ('hr', 'Beogradu', 'Belgrade'), ('hr', 'Sarajevu', 'Sarajevo'), ('hr', 'Parizu', 'Paris'),
        ('sr', 'Србији', 'Serbia'), ('sr', 'Русији', 'Russia'), ('sr', 'Хрватској', 'Croatia'),
        ('sr', 'Београду', 'Belgrade'), ('sr', 'Srbiji', 'Serbia'), ('sr', 'Rusiji', 'Russia'),
        ('sr', 'Nemačkoj', 'Germany'), ('sr', 'Beogradu', 'Belgrade'), ('bg', 'България', 'Bulgaria'),
        ('bg', 'Германия', 'Germany'), ('bg', 'Русия', 'Russia'), ('bg', 'Украйна', 'Ukraine'),
        ('bg', 'Франция', 'France'), ('bg', 'Румъния', 'Romania'), ('bg', 'Гърция', 'Greece'),
        ('bg', 'Турция', 'Türkiye'), ('bg', 'Сърбия', 'Serbia'), ('bg', 'Китай', 'China'),
        ('bg', 'Съединените щати', 'United States'), ('bg', 'САЩ', 'United States'), ('bg', 'София', 'Sofia'),
        ('bg', 'Москва', 'Moscow'), ('bg', 'Париж', 'Paris'), ('bg', 'Лондон', 'London'),
        ('bg', 'Берлин', 'Berlin'), ('bg', 'Букурещ', 'Bucharest'), ('bg', 'Атина', 'Athens'),
        ('bg', 'Виена', 'Vienna'),
    ],
    "East Slavic (Ukrainian, Russian)": [
        ('uk', 'Україні', 'Ukraine'), ('uk', 'Німеччини', 'Germany'), ('uk', 'Польщі', 'Poland'),
        ('uk', 'Росії', 'Russia'), ('uk', 'Франції', 'France'), ('uk', 'Білорусі', 'Belarus'),
        ('uk', 'Угорщині', 'Hungary'), ('uk', 'Румунії', 'Romania'), ('uk', 'Туреччині', 'Türkiye'),
        ('uk', 'Китаї', 'China'), ('uk', 'Японії', 'Japan'), ('uk', 'Італії', 'Italy'),
        ('uk', 'Сполучених Штатах', 'United States'), ('uk', 'США', 'United States'), ('uk', 'Києві', 'Kyiv'),
        ('uk', 'Москві', 'Moscow'), ('uk', 'Варшаві', 'Warsaw'), ('uk', 'Берліні', 'Berlin'),
        ('uk', 'Парижі', 'Paris'), ('uk', 'Лондоні', 'London'), ('ru', 'России', 'Russia'),
        ('ru', 'Украины', 'Ukraine'), ('ru', 'Германии', 'Germany'), ('ru', 'Франции', 'France'),
        ('ru', 'Китае', 'China'), ('ru', 'Польше', 'Poland'), ('ru', 'Турции', 'Türkiye'),
        ('ru', 'Японии', 'Japan'), ('ru', 'Москве', 'Moscow'), ('ru', 'Киеве', 'Kyiv'),
        ('ru', 'Берлине', 'Berlin'), ('ru', 'Париже', 'Paris'), ('ru', 'Лондоне', 'London'),
    ],
    "Baltic (Lithuanian, Latvian)": [
        ('lt', 'Lietuvoje', 'Lithuania'), ('lt', 'Vokietijoje', 'Germany'), ('lt', 'Rusijos', 'Russia'),
        ('lt', 'Lenkijoje', 'Poland'), ('lt', 'Latvijoje', 'Latvia'), ('lt', 'Ukrainoje', 'Ukraine'),
        ('lt', 'Prancūzijoje', 'France'), ('lt', 'Vilniuje', 'Vilnius'), ('lt', 'Maskvoje', 'Moscow'),
        ('lt', 'Estijoje', 'Estonia'), ('lt', 'Suomijoje', 'Finland'), ('lt', 'Švedijoje', 'Sweden'),
        ('lt', 'Baltarusijoje', 'Belarus'), ('lt', 'Kinijoje', 'China'), ('lt', 'Italijoje', 'Italy'),
        ('lt', 'Ispanijoje', 'Spain'), ('lt', 'Rygoje', 'Riga'), ('lt', 'Berlyne', 'Berlin'),
        ('lt', 'Paryžiuje', 'Paris'), ('lv', 'Latvijā', 'Latvia'), ('lv', 'Vācijā', 'Germany'),
        ('lv', 'Krievijas', 'Russia'), ('lv', 'Lietuvā', 'Lithuania'), ('lv', 'Igaunijā', 'Estonia'),
        ('lv', 'Ukrainā', 'Ukraine'), ('lv', 'Francijā', 'France'), ('lv', 'Rīgā', 'Riga'),
        ('lv', 'Maskavā', 'Moscow'), ('lv', 'Polijā', 'Poland'), ('lv', 'Zviedrijā', 'Sweden'),
        ('lv', 'Somijā', 'Finland'), ('lv', 'Baltkrievijā', 'Belarus'), ('lv', 'Ķīnā', 'China'),
        ('lv', 'Itālijā', 'Italy'), ('lv', 'Spānijā', 'Spain'), ('lv', 'Viļņā', 'Vilnius'),
        ('lv', 'Tallinā', 'Tallinn'), ('lv', 'Berlīnē', 'Berlin'), ('lv', 'Parīzē', 'Paris'),
    ],
    "Finnic and Ugric (Finnish, Estonian, Hungarian)": [
        ('fi', 'Suomessa', 'Finland'), ('fi', 'Venäjällä', 'Russia'), ('fi', 'Ruotsiin', 'Sweden'),
        ('fi', 'Saksassa', 'Germany'), ('fi', 'Ranskassa', 'France'), ('fi', 'Norjassa', 'Norway'),
        ('fi', 'Virossa', 'Estonia'), ('fi', 'Ukrainassa', 'Ukraine'), ('fi', 'Kiinassa', 'China'),
        ('fi', 'Japanissa', 'Japan'), ('fi', 'Helsingissä', 'Helsinki'), ('fi', 'Tukholmassa', 'Stockholm'),
        ('fi', 'Moskovassa', 'Moscow'), ('fi', 'Pariisissa', 'Paris'), ('fi', 'Lontoossa', 'London'),
        ('et', 'Eestis', 'Estonia'), ('et', 'Soomes', 'Finland'), ('et', 'Venemaal', 'Russia'),
        ('et', 'Saksamaal', 'Germany'), ('et', 'Lätis', 'Latvia'), ('et', 'Tallinnas', 'Tallinn'),
        ('et', 'Moskvas', 'Moscow'), ('hu', 'Magyarországon', 'Hungary'), ('hu', 'Németországban', 'Germany'),
        ('hu', 'Oroszországgal', 'Russia'), ('hu', 'Ausztriában', 'Austria'), ('hu', 'Franciaországban', 'France'),
        ('hu', 'Romániában', 'Romania'), ('hu', 'Ukrajnában', 'Ukraine'), ('hu', 'Kínában', 'China'),
        ('hu', 'Budapesten', 'Budapest'), ('hu', 'Bécsben', 'Vienna'), ('hu', 'Moszkvában', 'Moscow'),
        ('hu', 'Párizsban', 'Paris'), ('hu', 'Londonban', 'London'),
    ],
    "Turkish": [
        ('tr', "Türkiye'de", 'Türkiye'), ('tr', "Almanya'da", 'Germany'), ('tr', "Rusya'nın", 'Russia'),
        ('tr', "Fransa'ya", 'France'), ('tr', "Yunanistan'da", 'Greece'), ('tr', "Çin'e", 'China'),
        ('tr', "İran'la", 'Iran'), ('tr', "İstanbul'da", 'Istanbul'), ('tr', "Ankara'ya", 'Ankara'),
        ('tr', "Moskova'da", 'Moscow'), ('tr', "Paris'te", 'Paris'), ('tr', "Londra'da", 'London'),
        ('tr', "İtalya'da", 'Italy'), ('tr', "İspanya'ya", 'Spain'), ('tr', "Japonya'nın", 'Japan'),
        ('tr', "Hindistan'da", 'India'), ('tr', "Mısır'ın", 'Egypt'), ('tr', "Ukrayna'da", 'Ukraine'),
        ('tr', "Polonya'da", 'Poland'), ('tr', "Berlin'de", 'Berlin'), ('tr', "Tahran'da", 'Tehran'),
        ('tr', "Atina'da", 'Athens'),
    ],
    "Greek": [
        ('el', 'Ελλάδα', 'Greece'), ('el', 'Γερμανίας', 'Germany'), ('el', 'Ρωσία', 'Russia'),
        ('el', 'Γαλλίας', 'France'), ('el', 'Τουρκίας', 'Türkiye'), ('el', 'Ιταλίας', 'Italy'),
        ('el', 'Κίνας', 'China'), ('el', 'Αθήνα', 'Athens'), ('el', 'Αθήνας', 'Athens'), ('el', 'Μόσχα', 'Moscow'),
        ('el', 'Παρίσι', 'Paris'), ('el', 'Λονδίνο', 'London'), ('el', 'Βερολίνο', 'Berlin'),
        ('el', 'Ισπανίας', 'Spain'), ('el', 'Ουκρανίας', 'Ukraine'), ('el', 'Αιγύπτου', 'Egypt'),
        ('el', 'Ιαπωνίας', 'Japan'), ('el', 'Πολωνίας', 'Poland'), ('el', 'Βουλγαρίας', 'Bulgaria'),
        ('el', 'Ρώμη', 'Rome'), ('el', 'Κωνσταντινούπολη', 'Istanbul'),
    ],
}


@pytest.mark.parametrize("family", sorted(INFLECTED))
def test_inflected_country_and_city_names_per_language_family(family: str) -> None:
    cases = INFLECTED[family]
    assert len(cases) >= 20  # the issue's floor: at least 20 country and city names per family
    for lang, form, english in cases:
        text = f"Wiadomości: {form} i {form}."  # a word before it: the name is not the sentence's first word
        assert [m.text for m in names_for(lang).find(text)] == [english, english], (lang, form)


def test_inflection_keeps_the_capitalisation_guard_and_common_words_out() -> None:
    assert _found("pl", "polska gospodarka rośnie, a polsce nie") == []  # lower case: an adjective, not Poland
    # English names match only as written: their stems are other words there
    assert _found("sl", "Austritt in Pariser nista kraja.") == []
    assert _found("de", "Der Austritt Großbritanniens") == [("United Kingdom", "Großbritanniens")]
    # an exact name beats a stem: "Nigeria" is not "Niger" less two letters
    assert _found("pl", "W Nigerii i w Nigrze, Nigeria.")[-1] == ("Nigeria", "Nigeria")


def test_an_inflected_article_gets_its_countries_end_to_end() -> None:
    art = enrich_articles([RawArticle(title="Rozmowy w Warszawie", body="Premier Polski rozmawiał w Warszawie z "
                                      "przedstawicielami Ukrainy o sytuacji w Niemczech i w Stanach Zjednoczonych.")])[0]
    assert art.language == "pl"
    assert set(art.countries) == {"PL", "DE", "UA", "US"}


def test_the_inflection_table_is_small_and_covers_the_issue_languages() -> None:
    from pipeline.enrich.inflections import DATA, forms

    assert DATA.stat().st_size < 400_000  # shipped in the package: kept small
    for lang, form in [("pl", "Polsce"), ("cs", "Ukrajině"), ("sl", "Sloveniji"), ("uk", "Німеччини"),
                       ("fi", "Suomessa"), ("hu", "Németországban")]:
        assert form in forms(lang), (lang, form)


def test_plain_english_is_decided_without_the_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.enrich.language as language

    def no_lingua() -> None:
        raise AssertionError("lingua consulted for plain English")

    english = ("The minister said on Monday that the talks with their neighbours had been constructive and "
               "that a deal would be signed after the summit, which was held in the capital of the country.")
    monkeypatch.setattr(language, "detector", no_lingua)
    assert detect(english) == "en"
    monkeypatch.undo()
    # other languages' text carries few English function words and still goes to lingua
    assert detect("Premier powiedział w poniedziałek, że rozmowy z sąsiadami były konstruktywne, a umowa "
                  "zostanie podpisana po szczycie, który odbył się w stolicy kraju.") == "pl"

"""One event per happening: differently written articles about one event share an event_id, an unrelated
article of the same hour does not, several workers converge on one name, and memory stays bounded."""

from __future__ import annotations

from typing import Any

from pipeline.enrich import events
from pipeline.enrich.events import DocFreq, EventIndex, Remote, features
from pipeline.measure.events import clustering_scores
from tests.support.fake_es import FakeES

HOUR = 1_800_000_000.0


def doc(i: str, title: str, body: str, *, persons: list[str] = (), orgs: list[str] = (),  # type: ignore[assignment]
        countries: list[str] = (), language: str = "en") -> dict[str, Any]:  # type: ignore[assignment]
    return {"id": i, "title": title, "body": body, "language": language, "persons": list(persons),
            "organizations": list(orgs), "countries": list(countries), "focus_countries": list(countries)[:1]}


QUAKE = [
    doc("a1", "Strong earthquake shakes western Turkey, dozens injured",
        "A magnitude 6.1 earthquake struck Sindirgi in Balikesir province on Sunday evening, injuring at least "
        "29 people and collapsing several buildings, Turkey's disaster agency AFAD said. Interior Minister Ali "
        "Yerlikaya said rescue teams were searching the rubble in Sindirgi.",
        persons=["Ali Yerlikaya"], orgs=["AFAD"], countries=["TR"]),
    doc("a2", "Rescuers dig through rubble after quake in Balikesir",
        "Search teams pulled an elderly woman from a collapsed building in the town of Sindirgi overnight after "
        "the 6.1 quake, Ali Yerlikaya told reporters. AFAD counted more than 40 aftershocks; tremors were felt "
        "in Istanbul and Izmir.", persons=["Ali Yerlikaya"], orgs=["AFAD"], countries=["TR"]),
    doc("a3", "Turkey: one dead as 6.1 tremor topples buildings",
        "One person died and 29 were hurt when an earthquake of magnitude 6.1 hit Balikesir province, the "
        "interior minister, Ali Yerlikaya, said on Monday. Sixteen buildings collapsed in Sindirgi, according "
        "to AFAD, and schools across the province will stay shut.", persons=["Ali Yerlikaya"], orgs=["AFAD"],
        countries=["TR"]),
]
UNRELATED = doc("b1", "Central bank holds interest rates steady as inflation cools",
                "The European Central Bank kept its deposit rate unchanged on Thursday, saying inflation was "
                "moving towards its two percent target. Christine Lagarde told a news conference that the "
                "governing council would decide meeting by meeting.", persons=["Christine Lagarde"],
                orgs=["European Central Bank"], countries=["DE"])


def test_three_differently_written_articles_share_an_event_and_an_unrelated_one_does_not() -> None:
    index = EventIndex()
    got = {d["id"]: index.assign(d["id"], features(d), HOUR + n * 60).event_id
           for n, d in enumerate([QUAKE[0], UNRELATED, QUAKE[1], QUAKE[2]])}
    assert got["a1"] == got["a2"] == got["a3"] == "a1"  # named by its first article
    assert got["b1"] == "b1"
    # the same article again: the same answer, and nothing remembered twice
    assert index.assign("a2", features(QUAKE[1]), HOUR + 600).event_id == "a1"
    assert sum(len(e.members) for e in index.events.values()) == 4


def test_the_time_window_ends_an_event() -> None:
    index = EventIndex()
    index.assign("a1", features(QUAKE[0]), HOUR)
    assert index.assign("a2", features(QUAKE[1]), HOUR + events.WINDOW_S + 3600).event_id == "a2"


def test_two_workers_founding_one_event_converge_on_the_smallest_id() -> None:
    # worker 1 saw a2 first, worker 2 saw a1 first: each founded an event of its own
    w1, w2 = EventIndex(), EventIndex()
    assert w1.assign("a2", features(QUAKE[1]), HOUR).event_id == "a2"
    assert w2.assign("a1", features(QUAKE[0]), HOUR).event_id == "a1"
    # each learns the other's article from Elasticsearch; the next article joins the same event on both
    w1.learn([Remote("a1", "a1", features(QUAKE[0]), HOUR)])
    w2.learn([Remote("a2", "a2", features(QUAKE[1]), HOUR)])
    third = features(QUAKE[2])
    assert w1.assign("a3", third, HOUR + 60).event_id == w2.assign("a3", third, HOUR + 60).event_id == "a1"
    assert w1.resolve("a2") == "a1"


def test_a_recorded_event_stands() -> None:
    index = EventIndex()
    assert index.assign("a2", features(QUAKE[1]), HOUR, known="zz").event_id == "zz"


def test_across_languages_shared_names_link_and_one_shared_country_does_not() -> None:
    index = EventIndex()
    index.assign("a1", features(QUAKE[0]), HOUR)
    fr = doc("f1", "Séisme en Turquie", "Un séisme de magnitude 6,1 a frappé la province, selon l'agence.",
             persons=["Ali Yerlikaya"], orgs=["AFAD"], countries=["TR"], language="fr")
    assert index.assign("f1", features(fr), HOUR + 60, "fr").event_id == "a1"
    other = doc("f2", "Football en Turquie", "Le club d'Istanbul a gagné le championnat dimanche soir.",
                orgs=["Galatasaray"], countries=["TR"], language="fr")
    assert index.assign("f2", features(other), HOUR + 120, "fr").event_id == "f2"


def test_memory_is_bounded() -> None:
    index = EventIndex(max_events=50, max_articles=100)
    for n in range(400):
        d = doc(f"x{n}", f"Report {n} zeta{n} omega{n}", f"Unique words kappa{n} lambda{n} sigma{n} here.")
        index.assign(d["id"], features(d), HOUR + n)
    assert len(index.events) <= 50 and len(index.articles) <= 100
    assert all(len(e.members) <= events.MAX_MEMBERS for e in index.events.values())
    df = DocFreq(max_terms=100)
    for n in range(1_000):
        df.add([f"t{n}", "common"])
    assert len(df.counts) <= 100 and df.idf("common") < df.idf("never-seen")


def test_features_are_bounded_and_language_free_signals_are_kept() -> None:
    f = features(doc("z", "A title", "word " * 5_000 + " ".join(f"w{n}x" for n in range(500)),
                     persons=["Ali Yerlikaya"], countries=["TR"]))
    assert len(f) <= events.MAX_FEATURES
    assert "p:ali yerlikaya" in f and "c:TR" in f and "w:the" not in f


def test_bcubed_and_pairwise() -> None:
    gold = {"1": "A", "2": "A", "3": "B", "4": "B"}
    assert clustering_scores(gold, dict(gold)).bcubed_f1 == 1.0
    s = clustering_scores(gold, {"1": "x", "2": "x", "3": "x", "4": "y"})
    assert round(s.bcubed_p, 4) == round((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, 4)
    assert s.bcubed_r == (1 + 1 + 0.5 + 0.5) / 4
    assert s.pairwise_p == 1 / 3 and s.pairwise_r == 0.5


def _stored(d: dict[str, Any], event_id: str) -> dict[str, Any]:
    tf = features(d)
    return {"id": d["id"], "event_id": event_id, "event_terms": list(tf), "event_weights": list(tf.values()),
            "published_at": "2027-01-15T08:00:00+00:00", "language": "en"}


def test_the_worker_desk_joins_events_indexed_elsewhere_and_keeps_recorded_ones() -> None:
    import asyncio

    from pipeline.settings import Settings
    from pipeline.worker.events import EventDesk

    es = FakeES([_stored(QUAKE[0], "a0"), {"id": "b1", "event_id": "ev-9"}])
    desk = EventDesk(Settings(), es)
    docs = [dict(QUAKE[1], published_at="2027-01-15T09:00:00+00:00"), dict(UNRELATED)]
    asyncio.run(desk.assign(docs))
    assert docs[0]["event_id"] == "a0"  # another worker's event, read back from Elasticsearch
    assert docs[1]["event_id"] == "ev-9"  # a redelivery keeps its recorded event
    assert docs[0]["event_terms"] and len(docs[0]["event_terms"]) == len(docs[0]["event_weights"])
    assert any("event_terms" in str(q["query"]) for q in es.queries)
    away = EventDesk(Settings(), FakeES(fail=True))
    docs = [dict(QUAKE[0]), dict(QUAKE[2])]
    asyncio.run(away.assign(docs))
    assert [d["event_id"] for d in docs] == ["a1", "a1"]  # from memory alone


def test_candidates_the_worker_already_holds_are_not_read_again() -> None:
    import asyncio

    from pipeline.settings import Settings
    from pipeline.worker.events import EventDesk

    es = FakeES([_stored(QUAKE[0], "a0")])
    desk = EventDesk(Settings(), es)
    asyncio.run(desk.assign([dict(QUAKE[1], published_at="2027-01-15T09:00:00+00:00")]))
    assert es.gets == [[QUAKE[0]["id"]]]  # another worker's article: its features read once
    assert all(q["_source"] is False for q in es.queries)  # the searches read ids and events, no stored text
    asyncio.run(desk.assign([dict(QUAKE[2], published_at="2027-01-15T10:00:00+00:00")]))
    assert len(es.gets) == 1  # held now: the second batch reads no features


def test_an_article_that_bridges_two_events_joins_the_closer_and_merges_neither() -> None:
    ecb = [UNRELATED,
           doc("b2", "ECB leaves rates unchanged, Lagarde sees inflation easing",
               "Christine Lagarde said the European Central Bank's governing council left its deposit rate on "
               "hold on Thursday, with inflation moving towards the two percent target.",
               persons=["Christine Lagarde"], orgs=["European Central Bank"], countries=["DE"]),
           doc("b3", "Lagarde: ECB will decide meeting by meeting",
               "The European Central Bank's president Christine Lagarde said rates would stay on hold while "
               "inflation cools towards two percent.", persons=["Christine Lagarde"],
               orgs=["European Central Bank"])]
    roundup = doc("z", "Morning briefing: earthquake in Balikesir, ECB holds rates",
                  "A 6.1 earthquake struck Sindirgi in Balikesir province, Ali Yerlikaya said, and AFAD is "
                  "searching the rubble. In Frankfurt, Christine Lagarde said the European Central Bank kept "
                  "its deposit rate unchanged as inflation cools.",
                  persons=["Ali Yerlikaya", "Christine Lagarde"], orgs=["AFAD", "European Central Bank"])
    aftershock = doc("a4", "Aftershocks rattle Sindirgi as AFAD counts damage",
                     "A 4.8 aftershock shook Sindirgi in Balikesir province on Tuesday, AFAD said, as Ali "
                     "Yerlikaya announced tents for families whose buildings collapsed in the 6.1 earthquake.",
                     persons=["Ali Yerlikaya"], orgs=["AFAD"], countries=["TR"])
    index = EventIndex()
    got = {d["id"]: index.assign(d["id"], features(d), HOUR).event_id for d in [*QUAKE, *ecb]}
    assert set(got.values()) == {"a1", "b1"}
    linked = {e.event_id for e, _ in index._linked(features(roundup), HOUR, "en")}
    assert linked == {"a1", "b1"}  # the roundup is close enough to both to join either
    assert index.assign("z", features(roundup), HOUR).event_id == "b1"  # the closer one
    # neither event was folded into the other (single link made them one before), and the next article
    # about the quake still finds its own
    assert index.resolve("b1") == "b1" and index.resolve("a1") == "a1"
    assert index.assign("a4", features(aftershock), HOUR).event_id == "a1"

"""The feed poller against a local site and real Kafka: every new item once, none twice across a
restart, and a failing feed does not hold up the others."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from pipeline.clients.kafka import ensure_topics, make_producer
from producers.feeds.fetch import FetchLimits
from producers.feeds.poller import Poller, PollResult
from producers.feeds.store import FeedStore
from producers.publisher import ArticlePublisher
from schemas.feeds import Feed
from tests.support import read_topic, settings_for
from pipeline.measure.localsite import FeedSite, gzip_bomb

pytestmark = pytest.mark.integration


def _poll(env: dict[str, str], store_path: Path, feeds: list[Feed], *, timeout: float = 3.0) -> list[PollResult]:
    s = settings_for(env)
    publisher = ArticlePublisher(s, make_producer(s))
    store = FeedStore(store_path)
    results: list[PollResult] = []
    try:
        limits = FetchLimits(per_host=4, deadline_s=timeout)
        poller = Poller(feeds, store, publisher.send, publisher.acknowledge, limits)
        asyncio.run(poller.run(cycles=1, on_poll=results.append))
    finally:
        publisher.producer.close()
        store.close()
    return results


def test_every_item_once_across_polls_and_restarts(env: dict[str, str], site: FeedSite, tmp_path: Path) -> None:
    s = settings_for(env)
    ensure_topics(s)
    site.feeds = {"/rss2.xml": ("rss2", [1, 2, 3]), "/atom.xml": ("atom", [10, 11]), "/rss1.xml": ("rss1", [20]),
                  "/broken.xml": ("broken", [30, 31])}
    feeds = [Feed(url=site.url(p)) for p in ("/rss2.xml", "/atom.xml", "/rss1.xml", "/broken.xml", "/redirect.xml",
                                             "/missing.xml", "/error.xml")]
    store = tmp_path / "feeds.sqlite"
    first = {r.feed.rsplit("/", 1)[1]: r for r in _poll(env, store, feeds)}
    assert first["atom.xml"].produced == 2 and first["rss1.xml"].produced == 1
    assert first["broken.xml"].produced == 2
    # redirect.xml ends at rss2.xml: the same items, produced by whichever of the two got there first
    assert first["rss2.xml"].produced + first["redirect.xml"].produced == 3
    assert first["missing.xml"].error == "HTTP 404" and first["error.xml"].error == "HTTP 500"

    # a restart (new poller, same store): unchanged feeds answer 304, a new item is the only thing produced
    site.feeds["/rss2.xml"] = ("rss2", [1, 2, 3, 4])
    second = {r.feed.rsplit("/", 1)[1]: r for r in _poll(env, store, feeds)}
    assert second["atom.xml"].status == "unchanged" and second["atom.xml"].items == 0  # a 304: nothing parsed
    assert second["rss2.xml"].produced + second["redirect.xml"].produced == 1
    assert sum(r.produced for r in second.values()) == 1

    raw = read_topic(s, s.topic_raw, expect=9)
    urls = Counter(r["url"] for r in raw)
    assert len(raw) == 9 and set(urls.values()) == {1}
    assert all("utm_" not in u for u in urls)
    assert f"http://{site.host}/news/1" in urls  # the page's rel=canonical
    one = next(r for r in raw if r["url"].endswith("/news/1"))
    assert "plan number 1" in one["body"] and "Teaser" not in one["body"] and "Subscribe now" not in one["body"]

    st = FeedStore(store)
    status = {x.url.rsplit("/", 1)[1]: x for x in st.all_status()}
    st.close()
    assert status["rss2.xml"].items_produced + status["redirect.xml"].items_produced == 4
    assert status["error.xml"].failures == 2
    assert status["missing.xml"].error == "HTTP 404" and status["atom.xml"].last_success is not None


def test_a_failing_feed_does_not_delay_the_others(env: dict[str, str], site: FeedSite, tmp_path: Path) -> None:
    ensure_topics(settings_for(env))
    site.feeds = {"/slow.xml": ("rss2", [50]), "/fast.xml": ("atom", [60, 61])}
    site.slow.add("/slow.xml")
    order: list[str] = []
    results = _poll(env, tmp_path / "f.sqlite", [Feed(url=site.url("/slow.xml")), Feed(url=site.url("/fast.xml"))],
                    timeout=2.0)
    order = [r.feed.rsplit("/", 1)[1] for r in results]
    assert order == ["fast.xml", "slow.xml"]
    by = {r.feed.rsplit("/", 1)[1]: r for r in results}
    assert by["fast.xml"].produced == 2 and by["slow.xml"].status == "error" and "timeout" in (by["slow.xml"].error or "")


def test_page_that_times_out_falls_back_to_the_feed_text(env: dict[str, str], site: FeedSite, tmp_path: Path) -> None:
    s = settings_for(env)
    ensure_topics(s)
    site.feeds = {"/rss2.xml": ("rss2", [70])}
    site.slow.add("/pages/70")
    [r] = _poll(env, tmp_path / "f.sqlite", [Feed(url=site.url("/rss2.xml"))], timeout=1.0)
    assert r.produced == 1
    [article] = read_topic(s, s.topic_raw, expect=1)
    assert article["body"] == "Teaser 70" and "utm_" not in article["url"]




def test_hostile_feeds_cost_only_themselves(env: dict[str, str], site: FeedSite, tmp_path: Path) -> None:
    """A bad port and a huge item cost that item (dead-lettered once, never refetched); a gzip bomb and a
    server sending a byte at a time cost that feed's poll; a healthy feed on the same host, sharing its
    one slot, is polled all the same."""
    s = settings_for(env)
    ensure_topics(s)
    site.feeds = {"/healthy.xml": ("rss2", [80, 81])}
    paths = ["/hostile/trickle.xml", "/hostile/bomb.xml", "/hostile/port.xml", "/hostile/huge.xml", "/healthy.xml"]
    feeds = [Feed(url=site.url(p)) for p in paths]

    def poll_all() -> dict[str, PollResult]:
        publisher = ArticlePublisher(s, make_producer(s))
        store = FeedStore(tmp_path / "f.sqlite")
        results: list[PollResult] = []
        try:
            poller = Poller(feeds, store, publisher.send, publisher.acknowledge, FetchLimits(per_host=1, deadline_s=3.0))
            asyncio.run(poller.run(cycles=1, on_poll=results.append))
        finally:
            publisher.producer.close()
            store.close()
        return {r.feed.rsplit("/", 1)[1]: r for r in results}

    # the bomb built before the poll: seconds of compression on a loaded machine are the test's own,
    # not the server's, and must not count against the poll's 3 s deadline
    site._bomb = gzip_bomb()
    first = poll_all()
    assert first["healthy.xml"].produced == 2 and first["healthy.xml"].error is None
    assert first["trickle.xml"].status == "error" and "timeout" in (first["trickle.xml"].error or "")
    assert first["bomb.xml"].status == "error" and "too large" in (first["bomb.xml"].error or "")
    for name in ("port.xml", "huge.xml"):
        assert (first[name].produced, first[name].rejected) == (1, 1), first[name]

    dead = read_topic(s, s.topic_dlq, expect=2)
    reasons = sorted(d["reason"] for d in dead)
    assert "invalid item link" in reasons[1] and "99999" in dead[[d["reason"] for d in dead].index(reasons[1])]["source"]
    huge = next(d for d in dead if "invalid item link" not in d["reason"])
    assert huge["truncated"] and huge["payload_bytes"] > 6_000_000 and len(huge["payload_sha256"]) == 64
    assert len(read_topic(s, s.topic_raw, expect=4)) == 4

    second = poll_all()  # the bad items are remembered: nothing is fetched or dead-lettered again
    assert second["port.xml"].new == 0 and second["huge.xml"].new == 0
    assert len(read_topic(s, s.topic_dlq, expect=3, timeout=5)) == 2

    st = FeedStore(tmp_path / "f.sqlite")
    status = {x.url.rsplit("/", 1)[1]: x for x in st.all_status()}
    st.close()
    assert "timeout" in (status["trickle.xml"].error or "") and status["trickle.xml"].failures == 2
    assert status["healthy.xml"].error is None and status["healthy.xml"].items_produced == 2


def test_walls_fall_back_to_the_feed_text_and_the_page_dates_an_undated_item(
    env: dict[str, str], site: FeedSite, tmp_path: Path
) -> None:
    from pipeline.measure.localsite import PUBLISHED

    s = settings_for(env)
    ensure_topics(s)
    site.feeds = {"/undated.xml": ("undated", [81, 82, 83])}
    site.pages = {81: "paywall", 82: "cookiewall", 83: "dated"}
    [r] = _poll(env, tmp_path / "f.sqlite", [Feed(url=site.url("/undated.xml"))])
    assert r.produced == 3
    by = {a["url"].rsplit("/", 1)[1]: a for a in read_topic(s, s.topic_raw, expect=3)}
    assert by["81"]["body"] == "Teaser 81" and by["82"]["body"] == "Teaser 82"  # not the teaser, not the wall
    assert "plan number 83" in by["83"]["body"] and by["83"]["published_at"].startswith(PUBLISHED[:19])
    assert by["81"].get("published_at") is None

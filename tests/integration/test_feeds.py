"""The feed poller against a local site and real Kafka: every new item once, none twice across a
restart, and a failing feed does not hold up the others."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from pipeline.clients.kafka import ensure_topics, make_producer
from producers.feeds.poller import Poller, PollResult
from producers.feeds.store import FeedStore
from producers.publisher import ArticlePublisher
from schemas.feeds import Feed
from tests.support import read_topic, settings_for
from pipeline.measure.localsite import FeedSite

pytestmark = pytest.mark.integration


def _poll(env: dict[str, str], store_path: Path, feeds: list[Feed], *, timeout: float = 3.0) -> list[PollResult]:
    s = settings_for(env)
    publisher = ArticlePublisher(s, make_producer(s))
    store = FeedStore(store_path)
    results: list[PollResult] = []
    try:
        poller = Poller(feeds, store, publisher.send, publisher.flush, per_host=4, timeout=timeout)
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



from __future__ import annotations

from pathlib import Path

from producers.feeds.config import load_feeds, save_feeds
from producers.feeds.extract import extract
from producers.feeds.parse import page_canonical, parse_feed
from schemas.feeds import Feed
from pipeline.measure.localsite import NAV, atom, broken, page_html, page_text, rss1, rss2

HOST = "news.example:8080"


def test_every_dialect_parses() -> None:
    for make in (rss2, atom, rss1, broken):
        items = parse_feed(make([1, 2, 3], HOST).encode(), f"http://{HOST}/feed")
        assert [i.title for i in items] == ["Story 1", "Story 2", "Story 3"], make.__name__
        assert all(i.link.startswith(f"http://{HOST}/pages/") for i in items)
        assert items[0].summary == "Teaser 1"
    assert parse_feed(rss2([5], HOST).encode(), "http://x/")[0].published_at is not None


def test_page_main_text_without_navigation() -> None:
    found = extract(page_html(3, HOST), f"http://{HOST}/pages/3")
    text, title = found.text, found.title
    assert text is not None and "plan number 3" in text and "Critics argued" in text
    assert "Subscribe now" not in text and "horoscopes" not in text and NAV not in text
    assert title == "Story 3"
    assert page_text(3).split(".")[0] in text


def test_canonical_url_from_page_and_tracking_params() -> None:
    assert page_canonical(page_html(7, HOST), f"http://{HOST}/pages/7?utm_source=rss") == f"http://{HOST}/news/7"
    assert page_canonical(page_html(7, HOST, canonical=False), f"http://{HOST}/pages/7?utm_source=rss&id=2") == \
        f"http://{HOST}/pages/7?id=2"


def test_feed_list_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "feeds.toml"
    save_feeds(f, [Feed(url="https://a.example/rss", name="A", interval_s=300), Feed(url="https://b.example/atom",
                                                                                     interval_s=45)])
    assert 'interval = "5m"' in f.read_text() and 'interval = "45s"' in f.read_text()
    assert [(x.url, x.name, x.interval_s) for x in load_feeds(f)] == [("https://a.example/rss", "A", 300.0),
                                                                    ("https://b.example/atom", None, 45.0)]
    f.write_text('[[feed]]\nurl = "https://c.example/x"\ninterval = "1h"\n')  # written by hand
    assert load_feeds(f)[0].interval_s == 3600


def test_the_seen_store_forgets_items_past_its_horizon(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from producers.feeds.store import FeedStore

    store = FeedStore(tmp_path / "s.sqlite")
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    store.mark_seen("f", [("old", "a1")], now - timedelta(days=100))
    store.mark_seen("f", [("new", "a2")], now - timedelta(days=1))
    assert store.prune(now - timedelta(days=90)) == 1
    assert store.unseen(["old", "new"]) == ["old"]
    store.close()


def test_walls_are_not_bodies_and_the_page_dates_the_article() -> None:
    from pipeline.measure.localsite import AUTHOR, PUBLISHED, cookiewall_html, dated_html, paywall_html

    url = f"http://{HOST}/pages/5"
    assert extract(paywall_html(5, HOST), url).text is None  # the teaser sentence is not the article
    assert extract(cookiewall_html(5, HOST), url).text is None
    dated = extract(dated_html(5, HOST), url)
    assert dated.text is not None and "plan number 5" in dated.text
    assert dated.published_at is not None and dated.published_at.isoformat() == PUBLISHED
    assert dated.author == AUTHOR
    # the same page twice (another outlet's copy): the same text, nothing remembered between pages
    assert extract(page_html(5, HOST), url).text == extract(page_html(5, HOST), url).text
    assert "Officials in" in (extract(page_html(5, HOST), url).text or "")


def test_a_newsletter_line_is_stripped_but_the_article_stays() -> None:
    from producers.feeds.extract import is_wall, strip_walls

    body = page_text(4)
    article = f"<html><body><article><p>{body}</p><p>Sign up for our newsletter.</p></article></body></html>"
    assert strip_walls(f"{body}\nSign up for our newsletter.", article) == body
    assert not is_wall(body)
    assert is_wall("We use cookies to improve your experience. Accept all cookies or manage preferences.")
    assert strip_walls("Subscribe to continue reading.", "<html></html>") is None


def test_page_dates_are_bounded() -> None:
    from producers.feeds.extract import published_date

    assert published_date('<meta property="article:published_time" content="2999-01-01T00:00:00Z">') is None
    assert published_date('<meta property="article:published_time" content="yesterday">') is None
    ld = published_date('<script>{"datePublished": "2023-02-06T04:17:00Z"}</script>')
    assert ld is not None and ld.year == 2023
    assert published_date("<p>" + "<meta " * 100_000 + "</p>") is None  # a hostile head costs one bounded pass

"""`newswatch status` asks the servers and the feed poller through what the CLI hands it (no stack, no
feed store of its own), and the feed poller's side of that seam reads its real store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.observe.status import collect
from pipeline.settings import Settings
from producers.feeds.health import FeedHealth
from producers.feeds.store import FeedStore
from schemas.feeds import FeedStatus
from tests.support import free_port


@dataclass
class FakeServers:
    kafka_dir: Path
    es_dir: Path
    kafka_up: bool = False

    def kafka_healthy(self) -> bool:
        return self.kafka_up

    def es_healthy(self) -> bool:
        return True


@dataclass
class FakeFeeds:
    listed: bool
    errors: list[str]

    def configured(self) -> bool:
        return self.listed

    def failing(self) -> list[str]:
        return self.errors


def test_status_reports_what_the_handed_in_servers_and_feeds_say(tmp_path: Path) -> None:
    (tmp_path / "kafka").mkdir()
    (tmp_path / "kafka" / "log").write_bytes(b"x" * 10)
    (tmp_path / "es").mkdir()
    s = Settings(metrics_port_worker=0, metrics_port_indexer=0, metrics_port_alerts=0, metrics_port_feeds=free_port())
    report = collect(s, servers=FakeServers(tmp_path / "kafka", tmp_path / "es"),
                     feeds=FakeFeeds(True, ["local: HTTP 500"]))
    assert not report.ok
    assert any(p.startswith("kafka is down") for p in report.problems)
    assert any(p.startswith("feeds is down") for p in report.problems)  # listed feeds: the poller is expected
    assert "feed failing: local: HTTP 500" in report.problems
    assert report.disk_bytes == {"kafka": 10, "elasticsearch": 0}
    assert report.lag == []  # Kafka down: not asked

    quiet = collect(s, servers=FakeServers(tmp_path / "kafka", tmp_path / "es"), feeds=FakeFeeds(False, []))
    assert not any(p.startswith("feeds is down") for p in quiet.problems)


def test_feed_health_reads_the_feed_list_and_the_pollers_store(tmp_path: Path) -> None:
    listed, store_path = tmp_path / "feeds.toml", tmp_path / "feeds.sqlite"
    health = FeedHealth(listed, store_path)
    assert not health.configured() and health.failing() == []  # nothing listed, never polled
    listed.write_text('[[feed]]\nurl = "https://example.org/rss"\nname = "example"\n')
    store = FeedStore(store_path)
    try:
        store.save_status(FeedStatus(url="https://example.org/rss", name="example", error="HTTP 503", failures=2))
        store.save_status(FeedStatus(url="https://example.org/ok"))
    finally:
        store.close()
    assert health.configured()
    assert health.failing() == ["example: HTTP 503"]
    listed.write_text("not toml [")
    assert not health.configured()

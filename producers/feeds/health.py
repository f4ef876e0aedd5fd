"""The feed poller's health as `newswatch status` asks for it (`pipeline.observe.status.Feeds`): whether
any feed is configured, and which failed on their last poll."""

from __future__ import annotations

from pathlib import Path

from producers.feeds.config import load_feeds
from producers.feeds.store import FeedStore


class FeedHealth:
    def __init__(self, feeds_file: Path, store: Path) -> None:
        self.feeds_file, self.store = feeds_file, store

    def configured(self) -> bool:
        try:
            return bool(load_feeds(self.feeds_file))
        except (OSError, ValueError):
            return False

    def failing(self) -> list[str]:
        if not self.store.exists():
            return []
        store = FeedStore(self.store)
        try:
            return [f"{st.name or st.url}: {st.error}" for st in store.all_status() if st.error]
        finally:
            store.close()

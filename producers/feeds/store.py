"""What the poller remembers across restarts (SQLite in the state folder): each feed's conditional-GET
validators and status, and every item already produced, so a restart republishes nothing."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from schemas.feeds import FeedStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (item TEXT PRIMARY KEY, feed TEXT NOT NULL, article_id TEXT NOT NULL,
                                 produced_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, name TEXT, last_poll TEXT, last_success TEXT,
                                  items_produced INTEGER NOT NULL DEFAULT 0, error TEXT,
                                  failures INTEGER NOT NULL DEFAULT 0, etag TEXT, last_modified TEXT);
"""


class FeedStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def unseen(self, keys: list[str]) -> list[str]:
        with self._lock:
            known = {r[0] for r in self._db.execute(
                f"SELECT item FROM seen WHERE item IN ({','.join('?' * len(keys))})", keys)}  # noqa: S608 - only placeholders if keys else set()
        return [k for k in keys if k not in known]

    def mark_seen(self, feed: str, produced: list[tuple[str, str]], when: datetime) -> None:
        """Called after Kafka acknowledged the articles: (item key, article id) pairs."""
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)",
                                 [(k, feed, aid, when.isoformat()) for k, aid in produced])
            n = sum(1 for k, aid in produced if aid and not k.startswith("url:"))
            self._db.execute("INSERT INTO feeds (url, items_produced) VALUES (?, ?) ON CONFLICT(url) DO UPDATE SET"
                             " items_produced = items_produced + excluded.items_produced", (feed, n))

    def prune(self, before: datetime) -> int:
        """Forget items produced before `before`: the store stays bounded. An item that shows up again
        after that is produced again, and its article id (from the URL) makes it the same document."""
        with self._lock:
            cur = self._db.execute("DELETE FROM seen WHERE produced_at < ?", (before.isoformat(),))
            return int(cur.rowcount or 0)

    def status(self, url: str) -> FeedStatus:
        with self._lock:
            row = self._db.execute("SELECT url, name, last_poll, last_success, items_produced, error, failures, etag,"
                                   " last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is None:
            return FeedStatus(url=url)
        keys = ("url", "name", "last_poll", "last_success", "items_produced", "error", "failures", "etag", "last_modified")
        return FeedStatus(**dict(zip(keys, row, strict=True)))

    def save_status(self, st: FeedStatus) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO feeds (url, name, last_poll, last_success, items_produced, error, failures, etag, last_modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET name=excluded.name,"
                " last_poll=excluded.last_poll, last_success=excluded.last_success, error=excluded.error,"
                " failures=excluded.failures, etag=excluded.etag, last_modified=excluded.last_modified",
                (st.url, st.name, _iso(st.last_poll), _iso(st.last_success), st.items_produced, st.error, st.failures,
                 st.etag, st.last_modified))

    def all_status(self) -> list[FeedStatus]:
        with self._lock:
            urls = [r[0] for r in self._db.execute("SELECT url FROM feeds ORDER BY url")]
        return [self.status(u) for u in urls]


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None

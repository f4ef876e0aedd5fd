"""Poll every feed on its own interval (with jitter), concurrently, politely, and produce each new item
once as a full article.

One asyncio task per feed, so a slow or failing feed never holds up the others; a per-host semaphore
caps concurrent requests to one server; conditional GET (ETag / Last-Modified) makes an unchanged feed
cost one 304; a failing feed backs off exponentially. An item is marked seen only after Kafka
acknowledged its article, and the article id comes from the canonical URL, so a crash at worst sends an
item again and the index still holds it once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx

from producers.feeds.parse import FeedError, main_text, page_canonical, parse_feed
from producers.feeds.store import FeedStore
from producers.record import SourceRecord
from schemas import canonical_url
from schemas.feeds import Feed, FeedItem

log = logging.getLogger("newswatch.feeds")
JITTER = 0.1


@dataclass
class PollResult:
    feed: str
    status: str  # "new", "unchanged", "error"
    items: int = 0
    new: int = 0
    produced: int = 0
    error: str | None = None


class Poller:
    def __init__(self, feeds: list[Feed], store: FeedStore, send: Callable[[SourceRecord], str | None],
                 flush: Callable[[], Any], *, per_host: int = 2, timeout: float = 15.0, max_backoff: float = 3600.0,
                 user_agent: str = "newswatch", rng: random.Random | None = None) -> None:
        self.feeds = feeds
        self.store = store
        self.send = send  # the shared publisher: validates, produces, returns the article id
        self.flush = flush  # waits for Kafka's acknowledgement
        self.timeout = timeout
        self.max_backoff = max_backoff
        self.user_agent = user_agent
        self.rng = rng or random.Random()
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        self._send_lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None
        self._inflight: set[str] = set()  # items another feed of this poller is producing right now

    async def run(self, *, cycles: int | None = None, on_poll: Callable[[PollResult], None] | None = None) -> None:
        """Poll until cancelled (or `cycles` polls per feed, for tests and benchmarks)."""
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True, max_redirects=5,
                                     headers={"User-Agent": self.user_agent}) as client:
            self._client = client
            await asyncio.gather(*(self._feed_loop(client, f, cycles, on_poll) for f in self.feeds))

    async def _feed_loop(self, client: httpx.AsyncClient, feed: Feed, cycles: int | None,
                         on_poll: Callable[[PollResult], None] | None) -> None:
        n = 0
        while cycles is None or n < cycles:
            result = await self.poll_once(client, feed)
            n += 1
            if on_poll:
                on_poll(result)
            if cycles is not None and n >= cycles:
                return
            st = self.store.status(feed.url)
            delay = feed.interval_s * (2 ** min(st.failures, 16) if st.failures else 1)
            delay = min(delay, max(self.max_backoff, feed.interval_s))
            await asyncio.sleep(delay * (1 + self.rng.uniform(-JITTER, JITTER)))

    async def _get(self, client: httpx.AsyncClient | None, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        assert client is not None
        async with self._hosts[urlsplit(url).hostname or ""]:
            return await client.get(url, headers=headers or {})

    async def poll_once(self, client: httpx.AsyncClient, feed: Feed) -> PollResult:
        st = self.store.status(feed.url)
        st.name = feed.name
        now = datetime.now(timezone.utc)
        st.last_poll = now
        headers = {}
        if st.etag:
            headers["If-None-Match"] = st.etag
        if st.last_modified:
            headers["If-Modified-Since"] = st.last_modified
        try:
            resp = await self._get(client, feed.url, headers)
            if resp.status_code == 304:
                st.error, st.failures, st.last_success = None, 0, now
                self.store.save_status(st)
                return self._report(PollResult(feed.url, "unchanged"))
            resp.raise_for_status()
            items = parse_feed(resp.content, str(resp.url))
        except (httpx.HTTPError, FeedError) as exc:
            st.error, st.failures = _describe(exc), st.failures + 1
            self.store.save_status(st)
            return self._report(PollResult(feed.url, "error", error=st.error))
        keys = {self._key(i): i for i in items}
        new_keys = [k for k in self.store.unseen(list(keys)) if k not in self._inflight]
        self._inflight.update(new_keys)
        produced: list[tuple[str, str]] = []
        try:
            produced = await self._produce(feed, [(k, keys[k]) for k in new_keys])
            self.store.mark_seen(feed.url, produced, now)
        finally:
            self._inflight.difference_update(new_keys)
            self._inflight.difference_update(k for k, _ in produced)
        sent = sum(1 for k, aid in produced if aid and not k.startswith("url:"))
        st.etag = resp.headers.get("ETag")
        st.last_modified = resp.headers.get("Last-Modified")
        st.error, st.failures, st.last_success = None, 0, now
        self.store.save_status(st)
        return self._report(PollResult(feed.url, "new" if new_keys else "unchanged", len(items), len(new_keys), sent))

    @staticmethod
    def _key(item: FeedItem) -> str:
        return item.guid or canonical_url(item.link)

    async def _produce(self, feed: Feed, new: list[tuple[str, FeedItem]]) -> list[tuple[str, str]]:
        articles = await asyncio.gather(*(self._article(feed, item) for _, item in new))
        produced = []
        async with self._send_lock:
            for (key, _), record in zip(new, articles, strict=True):
                url_key = f"url:{record.payload['url']}" if record.payload else ""
                if url_key and (url_key in self._inflight or not self.store.unseen([url_key])):
                    produced.append((key, ""))  # the same page reached through another feed or guid
                    continue
                aid = self.send(record)
                if aid:
                    produced.append((key, aid))
                    if url_key:
                        produced.append((url_key, aid))
                        self._inflight.add(url_key)
            if produced:
                await asyncio.to_thread(self.flush)
        return produced

    async def _article(self, feed: Feed, item: FeedItem) -> SourceRecord:
        """The item as a raw article: the page's main text when the page can be had, else the feed's text."""
        body, title, url = None, None, canonical_url(item.link)
        try:
            resp = await self._get(self._client, item.link)
            resp.raise_for_status()
            page = resp.text
            url = page_canonical(page, str(resp.url))
            body, title = await asyncio.to_thread(main_text, page, str(resp.url))
        except httpx.HTTPError as exc:
            log.debug("page %s: %s; using the feed's text", item.link, _describe(exc))
        payload = {
            "title": item.title or title or "",
            "body": body or item.summary or item.title,
            "url": url,
            "source": feed.name or urlsplit(feed.url).hostname,
            "published_at": item.published_at.isoformat() if item.published_at else None,
        }
        return SourceRecord(f"{feed.url} -> {item.link}", payload, raw=json.dumps(payload))

    def _report(self, r: PollResult) -> PollResult:
        if r.status == "error":
            log.warning("poll %s: error %s", r.feed, r.error)
        else:
            log.info("poll %s: %s, %d items, %d new, %d produced", r.feed, r.status, r.items, r.new, r.produced)
        return r


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"

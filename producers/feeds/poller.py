"""Poll every feed on its own interval (with jitter), concurrently, politely, and produce each new item
once as a full article.

One asyncio task per feed, so a slow or failing feed never holds up the others; every fetch is bounded
(`fetch.FetchLimits`: a total deadline, bytes on the wire and decompressed) and a per-host semaphore
caps concurrent requests to one server; parsing and the SQLite store run off the event loop; conditional GET
(ETag / Last-Modified) makes an unchanged feed cost one 304; a failing feed backs off exponentially. An item is marked seen only after Kafka
acknowledged its article, and the article id comes from the canonical URL, so a crash at worst sends an
item again and the index still holds it once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import httpx

from pipeline.observe import metrics
from producers.feeds.fetch import Fetcher, FetchError, FetchLimits, describe
from producers.feeds.extract import extract
from producers.feeds.parse import FeedError, parse_feed
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
    rejected: int = 0  # dead-lettered: bad items, each costing only itself
    error: str | None = None


class Poller:
    def __init__(self, feeds: list[Feed], store: FeedStore, send: Callable[[SourceRecord], str | None],
                 flush: Callable[[], set[str]], limits: FetchLimits | None = None, *,
                 rng: random.Random | None = None, seen_days: float | None = None) -> None:
        self.feeds = feeds
        self.store = store
        self.send = send  # the shared publisher: validates, produces (or dead-letters), returns the article id
        self.flush = flush  # waits for Kafka's acknowledgement; returns the ids Kafka did not take
        self.limits = limits or FetchLimits()
        self.seen_days = seen_days  # items remembered this long (None: forever)
        self.rng = rng or random.Random()  # noqa: S311 - jitter for poll times, not cryptography
        self._send_lock = asyncio.Lock()
        self._fetcher: Fetcher | None = None
        self._inflight: set[str] = set()  # items another feed of this poller is producing right now
        # a feed's metrics label: its name, else its host (a feed URL can carry a key)
        self._labels = {f.url: f.name or urlsplit(f.url).hostname or "?" for f in feeds}

    async def run(self, *, cycles: int | None = None, on_poll: Callable[[PollResult], None] | None = None) -> None:
        """Poll until cancelled (or `cycles` polls per feed, for tests and benchmarks)."""
        async with httpx.AsyncClient(timeout=self.limits.deadline_s, follow_redirects=True, max_redirects=5,
                                     headers={"User-Agent": self.limits.user_agent}) as client:
            self._fetcher = Fetcher(client, self.limits)
            pruning = asyncio.ensure_future(self._prune_forever()) if self.seen_days else None
            try:
                await asyncio.gather(*(self._feed_loop(f, cycles, on_poll) for f in self.feeds))
            finally:
                if pruning:
                    pruning.cancel()

    async def _prune_forever(self) -> None:
        """The seen-store keeps `seen_days` of items: pruned at start and every day."""
        assert self.seen_days
        while True:
            before = datetime.now(timezone.utc) - timedelta(days=self.seen_days)
            n = await asyncio.to_thread(self.store.prune, before)
            if n:
                log.info("forgot %d item(s) produced before %s", n, before.date())
            await asyncio.sleep(86_400)

    async def _feed_loop(self, feed: Feed, cycles: int | None, on_poll: Callable[[PollResult], None] | None) -> None:
        n = 0
        while cycles is None or n < cycles:
            try:
                result = await self.poll_once(feed)
            except Exception as exc:  # a bug or an outage costs this poll, never the other feeds
                log.warning("poll %s: failed (%s: %s); retrying with backoff", feed.url, type(exc).__name__, exc,
                            exc_info=log.isEnabledFor(logging.DEBUG))
                result = PollResult(feed.url, "error", error=f"{type(exc).__name__}: {exc}")
                await asyncio.to_thread(self._failed, feed, result.error or "")
            n += 1
            if on_poll:
                on_poll(result)
            if cycles is not None and n >= cycles:
                return
            st = await asyncio.to_thread(self.store.status, feed.url)
            delay = feed.interval_s * (2 ** min(st.failures, 16) if st.failures else 1)
            delay = min(delay, max(self.limits.max_backoff_s, feed.interval_s))
            await asyncio.sleep(delay * (1 + self.rng.uniform(-JITTER, JITTER)))

    def _failed(self, feed: Feed, error: str) -> None:
        st = self.store.status(feed.url)
        st.error, st.failures = error, st.failures + 1
        self.store.save_status(st)

    async def poll_once(self, feed: Feed) -> PollResult:
        assert self._fetcher is not None, "poll_once runs inside run()"
        st = await asyncio.to_thread(self.store.status, feed.url)
        st.name = feed.name
        now = datetime.now(timezone.utc)
        st.last_poll = now
        headers = {}
        if st.etag:
            headers["If-None-Match"] = st.etag
        if st.last_modified:
            headers["If-Modified-Since"] = st.last_modified
        try:
            resp = await self._fetcher.get(feed.url, headers)
            if resp.status == 304:
                st.error, st.failures, st.last_success = None, 0, now
                await asyncio.to_thread(self.store.save_status, st)
                return self._report(PollResult(feed.url, "unchanged"))
            items = await asyncio.to_thread(parse_feed, resp.content, resp.url, max_items=self.limits.max_items)
        except (FetchError, FeedError) as exc:
            st.error, st.failures = describe(exc), st.failures + 1
            await asyncio.to_thread(self.store.save_status, st)
            return self._report(PollResult(feed.url, "error", error=st.error))
        keys = {item_key(i): i for i in items}
        unseen = await asyncio.to_thread(self.store.unseen, list(keys))
        new_keys = [k for k in unseen if k not in self._inflight]
        self._inflight.update(new_keys)
        done: list[tuple[str, str]] = []
        try:
            done = await self._produce(feed, [(k, keys[k]) for k in new_keys])
            await asyncio.to_thread(self.store.mark_seen, feed.url, done, now)
        finally:
            self._inflight.difference_update(new_keys)
            self._inflight.difference_update(k for k, _ in done)
        sent = sum(1 for k, aid in done if aid and not k.startswith("url:"))
        rejected = sum(1 for k, aid in done if aid == REJECTED)
        st.etag = resp.headers.get("ETag")
        st.last_modified = resp.headers.get("Last-Modified")
        st.error, st.failures, st.last_success = None, 0, now
        await asyncio.to_thread(self.store.save_status, st)
        return self._report(PollResult(feed.url, "new" if new_keys else "unchanged", len(items), len(new_keys),
                                       sent - rejected, rejected))

    async def _produce(self, feed: Feed, new: list[tuple[str, FeedItem]]) -> list[tuple[str, str]]:
        """(item key, article id) for every item that is done with: sent and acknowledged, a duplicate
        (""), or rejected and dead-lettered (REJECTED: a bad item is not fetched again on every poll)."""
        records = await asyncio.gather(*(self._article(feed, item) for _, item in new))
        done: list[tuple[str, str]] = []
        async with self._send_lock:
            sent: list[tuple[str, str]] = []
            for (key, _), record in zip(new, records, strict=True):
                url_key = f"url:{record.payload['url']}" if record.payload and record.payload.get("url") else ""
                if url_key and (url_key in self._inflight or not await asyncio.to_thread(self.store.unseen, [url_key])):
                    done.append((key, ""))  # the same page reached through another feed or guid
                    continue
                aid = await asyncio.to_thread(self.send, record)
                if aid is None:
                    done.append((key, REJECTED))
                    continue
                sent.append((key, aid))
                if url_key:
                    sent.append((url_key, aid))
                    self._inflight.add(url_key)
            if sent:
                failed = await asyncio.to_thread(self.flush)
                # not acknowledged by Kafka: not seen either, so the next poll sends it again
                done += [(k, aid) for k, aid in sent if aid not in failed]
        return done

    async def _article(self, feed: Feed, item: FeedItem) -> SourceRecord:
        """The item as a raw article: the page's main text when the page can be had, else the feed's text.
        An item that cannot be an article comes back with its reason, for the dead-letter topic."""
        origin = f"{feed.url} -> {item.link[:500]}"
        if item.problem:
            return SourceRecord(origin, error=item.problem, raw=item.model_dump_json())
        try:
            url = canonical_url(item.link)
        except ValueError as exc:
            return SourceRecord(origin, error=f"invalid item link: {exc}", raw=item.model_dump_json())
        body = title = published = author = None
        assert self._fetcher is not None
        try:
            page = await self._fetcher.get(item.link)
            found = await asyncio.to_thread(extract, page.text(), page.url)
            url, body, title, published, author = found.url, found.text, found.title, found.published_at, found.author
        except FetchError as exc:
            log.debug("page %s: %s; using the feed's text", item.link, exc)
        except Exception as exc:  # noqa: BLE001 - a page the extractor chokes on costs its text, not the item
            log.warning("page %s: not readable (%s: %s); using the feed's text", item.link, type(exc).__name__, exc)
        when = item.published_at or published  # the feed's date, else the page's own
        payload = {
            "title": item.title or title or "",
            "body": body or item.summary or item.title,
            "url": url,
            "source": feed.name or urlsplit(feed.url).hostname,
            "published_at": when.isoformat() if when else None,
            "author": item.author or author,
        }
        return SourceRecord(origin, payload, raw=json.dumps(payload))

    def _report(self, r: PollResult) -> PollResult:
        feed = self._labels.get(r.feed, "?")
        metrics.FEED_POLLS.labels(feed, r.status).inc()
        metrics.FEED_ITEMS.labels(feed, "produced").inc(r.produced)
        metrics.FEED_ITEMS.labels(feed, "dead_lettered").inc(r.rejected)
        if r.status == "error":
            log.warning("poll %s: error %s", r.feed, r.error)
        else:
            log.info("poll %s: %s, %d items, %d new, %d produced, %d dead-lettered", r.feed, r.status, r.items,
                     r.new, r.produced, r.rejected)
        return r


REJECTED = "-"  # the article id recorded for an item that was dead-lettered


def item_key(item: FeedItem) -> str:
    """What makes an item 'seen': its guid, else its canonical link; bounded, never raising."""
    key = item.guid or ""
    if not key:
        try:
            key = canonical_url(item.link)
        except ValueError:
            key = item.link
    return key if len(key) <= 512 else "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()

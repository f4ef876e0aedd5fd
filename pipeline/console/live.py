"""The Live page: articles as the worker hands them to the indexer (`articles.enriched`) and alerts as they
fire (`alerts`), pushed by server-sent events. One Kafka consumer per console (no consumer group: it
reads from the end and commits nothing), fanned out to every connected page through a bounded queue per
page: a slow page loses its oldest items, never slows the others or the pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from pipeline.console.app import Console, safe_url
from pipeline.console.backend import Unavailable
from pipeline.settings import Settings

log = logging.getLogger("newswatch.console.live")
KEEPALIVE_S = 15.0
MAX_RECORD_BYTES = 8 * 1024 * 1024  # an enriched article is read only to be summarised; bigger ones are skipped
LIVE_BATCH = 200  # records read and matched at once


class Subscriber:
    """One connected page: its filter's name in the hub's rule set (None: everything) and its queue of
    encoded events."""

    def __init__(self, size: int, rule: str | None) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=size)
        self.dropped = 0
        self.rule = rule

    def offer(self, event: str) -> None:
        while True:
            try:
                self.queue.put_nowait(event)
                return
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    self.queue.get_nowait()
                    self.dropped += 1


class LiveHub:
    """The pages' filters are rules of one RuleSet (the workers' matcher, so a live filter selects exactly
    what a rule would): each article is read and matched once for all pages, in a thread of its own
    (a 2 MB article never stalls the event loop that streams to the pages)."""

    def __init__(self, s: Settings) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from pipeline.query.rules import RuleSet

        self.s = s
        self.subscribers: set[Subscriber] = set()
        self.rules = RuleSet()
        self.status = "starting"
        self._task: asyncio.Task[None] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-match")
        self._ids = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._pool.shutdown(wait=False, cancel_futures=True)

    def subscribe(self, query: str) -> Subscriber:
        """Raises QuerySyntaxError for a filter that does not parse."""
        rule = None
        if query.strip() and query.strip() != "*":
            from schemas.alerts import AlertRule

            self._ids += 1
            rule = f"live-{self._ids}"
            self.rules.put(AlertRule(name=rule, query=query))
        sub = Subscriber(self.s.console_live_buffer, rule)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        if sub.rule is not None:
            self.rules.remove(sub.rule)

    async def _run(self) -> None:
        """Read both topics from their ends; on any Kafka failure, say so and reconnect (backing off)."""
        from pipeline.clients.kafka import ensure_topics, make_aiokafka_consumer

        loop = asyncio.get_running_loop()
        backoff = 1.0
        while True:
            consumer = make_aiokafka_consumer(self.s, group_id=None)
            try:
                # the topics exist before we subscribe: a consumer would otherwise learn of them only at its
                # next metadata refresh, minutes later
                await loop.run_in_executor(self._pool, lambda: ensure_topics(self.s))
                consumer.subscribe([self.s.topic_enriched, self.s.topic_alerts])
                await consumer.start()
                self.status = "connected"
                backoff = 1.0
                self._broadcast_status()
                while True:
                    # what has arrived, prepared in one hop to the matching thread: a hop per record cost
                    # each record of a worker's batch the wait of every one before it (bench console)
                    polled = await consumer.getmany(timeout_ms=1000, max_records=LIVE_BATCH)
                    records = [(r.topic, r.value) for rs in polled.values() for r in rs]
                    if not records or not self.subscribers:
                        continue
                    for prepared in await loop.run_in_executor(self._pool, self._prepare_many, records):
                        self._deliver(*prepared)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported on the page, retried
                self.status = f"Kafka is not reachable ({type(exc).__name__}); reconnecting"
                log.warning("live: %s: %s", self.status, exc)
                self._broadcast_status()
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
            await asyncio.sleep(backoff)
            backoff = min(30.0, backoff * 2)

    def _broadcast_status(self) -> None:
        event = _event("status", {"status": self.status})
        for sub in list(self.subscribers):
            sub.offer(event)

    def _prepare_many(self, records: list[tuple[str, bytes | None]]) -> list[tuple[str, set[str]]]:
        return [p for topic, value in records if (p := self._prepare(topic, value)) is not None]

    def _prepare(self, topic: str, value: bytes | None) -> tuple[str, set[str]] | None:
        """In the matching thread: the record summarised and encoded once, and the filters it matches."""
        if not value or len(value) > MAX_RECORD_BYTES:
            return None
        from schemas import untrusted

        try:
            data = untrusted.loads(value, max_bytes=MAX_RECORD_BYTES)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        seen = time.time()
        if topic == self.s.topic_alerts:
            item = alert_item(data, seen)
            probe = {"id": item["article_id"], "title": item["title"], "body": data.get("snippet") or "",
                     "countries": item["countries"], "regions": data.get("regions") or []}
            kind = "alert"
        else:
            item, probe, kind = article_item(data, seen), data, "article"
        try:
            matched = {e.rule for e in self.rules.match(probe)} if self.rules.rules else set()
        except Exception:  # noqa: BLE001 - an odd record costs only itself
            return None
        return _event(kind, item), matched

    def _deliver(self, event: str, matched: set[str]) -> None:
        for sub in list(self.subscribers):
            if sub.rule is None or sub.rule in matched:
                sub.offer(event)


def _str(v: Any, n: int = 500) -> str:
    return v[:n] if isinstance(v, str) else ""


def _strs(v: Any, n: int = 12) -> list[str]:
    return [x[:100] for x in v[:n] if isinstance(x, str)] if isinstance(v, list) else []


def article_item(a: dict[str, Any], seen: float) -> dict[str, Any]:
    return {"id": _str(a.get("id"), 512), "title": _str(a.get("title")), "url": safe_url(a.get("url")),
            "source": _str(a.get("source"), 200), "countries": _strs(a.get("countries")),
            "published_at": _str(a.get("published_at"), 40), "story_id": _str(a.get("event_id") or a.get("story_id"), 200),
            "ingested_at": _str(a.get("@timestamp"), 40), "seen": seen}


def alert_item(a: dict[str, Any], seen: float) -> dict[str, Any]:
    snippet = _str(a.get("snippet"), 600).replace("<em>", "").replace("</em>", "")
    return {"rule": _str(a.get("rule"), 128), "article_id": _str(a.get("article_id"), 512), "title": _str(a.get("title")),
            "url": safe_url(a.get("url")), "countries": _strs(a.get("countries")), "snippet": snippet,
            "fired_at": _str(a.get("fired_at"), 40), "kind": _str(a.get("kind"), 20), "seen": seen}


def routes(ctx: Console) -> list[Route]:
    def page(request: Request) -> Response:
        from pipeline.query import QuerySyntaxError, parse

        from pipeline.console.pages import syntax_error

        q = (request.query_params.get("q") or "").strip()[:10_000]
        error = None
        if q and q != "*":
            try:
                parse(q)
            except QuerySyntaxError as exc:
                error = syntax_error(exc)
        recent: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []
        outage = None
        try:  # the page holds the newest items already: readable without script
            from pipeline.query.search import build_query

            body = build_query(q if q and not error else "*", limit=20)
            body["sort"] = [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}]
            body.pop("aggs", None)
            body["_source"] = [*body["_source"], "source", "@timestamp"]
            recent = [h["_source"] | {"id": h["_id"]} for h in ctx.backend.search(body).get("hits", {}).get("hits", [])]
            ar = ctx.backend.search({"size": 10, "sort": [{"fired_at": "desc"}]}, index=ctx.s.es_alerts_alias,
                                    what="the alerts")
            alerts = [h["_source"] for h in ar.get("hits", {}).get("hits", [])]
        except Unavailable as exc:
            outage = str(exc)
        except QuerySyntaxError:
            pass
        return ctx.render(request, "live.html", q=q, error=error, recent=recent, alerts=alerts, outage=outage,
                          status=ctx.hub.status if ctx.hub else "off", buffer=ctx.s.console_live_buffer)

    async def stream(request: Request) -> Response:
        from pipeline.query import QuerySyntaxError

        if ctx.hub is None:
            return Response("the live stream is off", status_code=503)
        try:
            sub = ctx.hub.subscribe((request.query_params.get("q") or "")[:10_000])
        except QuerySyntaxError as exc:
            return Response(f"query error: {str(exc).splitlines()[0]}", status_code=400)
        hub = ctx.hub

        async def events() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                yield _event("status", {"status": hub.status})
                reported = 0
                while True:
                    try:
                        event = await asyncio.wait_for(sub.queue.get(), timeout=KEEPALIVE_S)
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield ": keepalive\n\n"
                        continue
                    if sub.dropped != reported:  # a slow page lost its oldest items: say how many
                        reported = sub.dropped
                        yield _event("dropped", {"dropped": reported})
                    yield event
            finally:
                hub.unsubscribe(sub)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    return [Route("/live", page), Route("/live/stream", stream)]


def _event(kind: str, data: dict[str, Any]) -> str:
    # JSON on one line: a title cannot break out of the data field (newlines are escaped)
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"

"""NER is CPU-bound: it runs in a pool of processes so the worker's event loop keeps heartbeating.

Children receive raw payload bytes and return plain tuples (cheap to pickle); each child loads the model
and the gazetteer once, in its initializer.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress

from pipeline.worker.events import EventHint, article_hint
from pipeline.worker.stories import STORY_FIELDS
from schemas import ValidationLimits

log = logging.getLogger("newswatch.worker")

# (article id or None, enriched JSON bytes without the story fields or None, rejection reason or None,
# the story sketch, encoded, or None, the event desk's hint or None): what the story desk needs beside the
# document (worker/stories.py, worker/events.py)
Result = tuple[str | None, bytes | None, str | None, str | None, EventHint | None]


def _init(parent: int) -> None:
    _die_with(parent)
    from pipeline.enrich import warm_up

    warm_up()


def _die_with(parent: int) -> None:
    """A child must not outlive its worker (SIGKILLed, OOM-killed): each holds a model (~450 MB) and may
    be mid-article. The kernel kills it when the thread that spawned it ends (Linux); a watchdog thread
    covers the rest (children respawned by the executor's own thread, other systems)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the worker died before we got here
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-worker", daemon=True).start()


class _OverBudget(BaseException):
    """Raised by the alarm inside a child; a BaseException so no `except Exception` on the way swallows it."""


@contextmanager
def _budget(seconds: float) -> Iterator[None]:
    def ring(*_: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def enrich_chunk(payloads: list[bytes], max_article_bytes: int, budget_s: float) -> list[Result]:
    """In a child. The chunk gets `budget_s` per article; when it overruns, each article is enriched on its
    own with `budget_s`, and the one that overruns alone is reported as timed out: it costs only itself."""
    if not payloads:
        return []
    try:
        with _budget(budget_s * len(payloads)):
            return _enrich(payloads, max_article_bytes)
    except _OverBudget:
        pass
    out: list[Result] = []
    for p in payloads:
        try:
            with _budget(budget_s):
                out += _enrich([p], max_article_bytes)
        except _OverBudget:
            out.append((_article_id(p, max_article_bytes), None, f"enrichment timed out after {budget_s:g}s", None, None))
    return out


def _enrich(payloads: list[bytes], max_article_bytes: int) -> list[Result]:
    from pipeline.enrich import enrich_payloads

    out: list[Result] = []
    for o in enrich_payloads(list(payloads), ValidationLimits(max_article_bytes)):
        if o.article is not None:
            # serialised once, here; the desk appends the story fields to these bytes (worker/stories.py)
            h = article_hint(o.article)  # the event features: in the document and beside it
            o.article.event_terms, o.article.event_weights = list(h[1]), list(h[1].values())
            doc = o.article.model_dump_json(by_alias=True, exclude=set(STORY_FIELDS)).encode("utf-8")
            out.append((o.article_id, doc, None, o.article.story_sketch, h))
        else:
            out.append((o.article_id, None, o.error, None, None))
    return out


def _article_id(payload: bytes, max_article_bytes: int) -> str | None:
    from schemas import RawArticle

    try:
        return RawArticle.from_payload(payload, ValidationLimits(max_article_bytes)).id
    except Exception:  # noqa: BLE001 - an id is a courtesy for the dead letter
        return None


class EnrichPool:
    """`size` child processes, one per slot, each used by one batch at a time.

    The budget is enforced twice: by an alarm inside the child (per article, above), and by the parent,
    which kills and replaces a child that does not answer within the budget plus a grace period (stuck in
    native code, or killed by the kernel for memory); that batch is then retried an article at a time in
    fresh children, so only the article that causes it is lost to the dead-letter topic.
    """

    GRACE_S = 30.0

    def __init__(self, processes: int, max_article_bytes: int, budget_s: float = 60.0) -> None:
        self.size = processes or os.cpu_count() or 1
        self.max_article_bytes = max_article_bytes
        self.budget_s = budget_s
        self.replaced = 0  # children killed and replaced: a number for the operator
        self._free: asyncio.Queue[ProcessPoolExecutor] | None = None
        self._all: list[ProcessPoolExecutor] = []
        self._warmed = asyncio.Event()

    @staticmethod
    def _child() -> ProcessPoolExecutor:
        # spawn, not fork: the parent runs an event loop and client threads that must not be copied.
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
                                   initargs=(os.getpid(),))

    async def warm(self) -> None:
        """Start every child and load its model before the first real batch. A child is handed out only
        once warm, so no article waits behind a model loading and its time budget counts its own work
        (on a busy machine a load took longer than budget and grace: the child was replaced mid-warm-up
        and the warm-up's broken future crashed the worker)."""
        if self._free is not None:
            await self._warmed.wait()
            return
        self._free = asyncio.Queue()
        self._all = [self._child() for _ in range(self.size)]
        loop = asyncio.get_running_loop()
        free = self._free

        async def ready(i: int) -> None:
            try:
                await loop.run_in_executor(self._all[i], enrich_chunk, [], 1, 1.0)
            except BrokenProcessPool:
                log.warning("enrichment process died while loading its model; replacing it")
                self._replace(self._all[i])
            free.put_nowait(self._all[i])

        try:
            await asyncio.gather(*(ready(i) for i in range(len(self._all))))
        finally:
            self._warmed.set()

    async def enrich(self, payloads: list[bytes]) -> list[Result]:
        """One result per payload, in order. The batch is split across the children, which work on
        their parts at once: one batch keeps every core busy, so the agent needs no concurrency of its
        own (Faust can commit past an in-flight event when an agent's actors run side by side:
        faust-streaming#606)."""
        if not payloads:
            return []
        if self._free is None:
            await self.warm()
        n = min(self.size, len(payloads))
        step = -(-len(payloads) // n)
        parts = await asyncio.gather(*(self._enrich_part(payloads[i : i + step])
                                       for i in range(0, len(payloads), step)))
        return [r for part in parts for r in part]

    async def _enrich_part(self, payloads: list[bytes]) -> list[Result]:
        assert self._free is not None
        child = await self._free.get()
        try:
            child, results = await self._run(child, payloads)
            if results is not None:
                return results
            out: list[Result] = []  # the child died or hung: one article at a time, in fresh children
            for p in payloads:
                child, one = await self._run(child, [p])
                out += one if one is not None else [(None, None, "enrichment did not finish: the article took its "
                                                      "process down or over the time budget", None, None)]
            return out
        finally:
            self._free.put_nowait(child)

    async def _run(self, child: ProcessPoolExecutor, payloads: list[bytes]) -> tuple[ProcessPoolExecutor, list[Result] | None]:
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(child, enrich_chunk, payloads, self.max_article_bytes, self.budget_s)
        try:
            return child, await asyncio.wait_for(fut, self.budget_s * len(payloads) + self.GRACE_S)
        except (asyncio.TimeoutError, BrokenProcessPool) as exc:
            log.warning("enrichment process %s on a batch of %d; replacing it",
                        "over its time budget" if isinstance(exc, asyncio.TimeoutError) else "died", len(payloads))
            return self._replace(child), None

    def _replace(self, child: ProcessPoolExecutor) -> ProcessPoolExecutor:
        for proc in list(getattr(child, "_processes", {}).values()):
            with suppress(OSError):
                proc.kill()
        child.shutdown(wait=False, cancel_futures=True)
        fresh = self._child()
        self._all[self._all.index(child)] = fresh
        self.replaced += 1
        return fresh

    def close(self) -> None:
        for c in self._all:
            c.shutdown(wait=False, cancel_futures=True)

"""NER is CPU-bound: it runs in a pool of processes so the worker's event loop keeps heartbeating.

Children receive raw payload bytes and return plain tuples (cheap to pickle); each child loads the model
and the gazetteer once, in its initializer.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from schemas import ValidationLimits

# (article id or None, enriched JSON bytes or None, rejection reason or None)
Result = tuple[str | None, bytes | None, str | None]


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


def enrich_chunk(payloads: list[bytes], max_article_bytes: int) -> list[Result]:
    from pipeline.enrich import enrich_payloads

    out: list[Result] = []
    for o in enrich_payloads(list(payloads), ValidationLimits(max_article_bytes)):
        if o.article is not None:
            out.append((o.article_id, o.article.model_dump_json(by_alias=True).encode("utf-8"), None))
        else:
            out.append((o.article_id, None, o.error))
    return out


class EnrichPool:
    def __init__(self, processes: int, max_article_bytes: int) -> None:
        self.size = processes or os.cpu_count() or 1
        self.max_article_bytes = max_article_bytes
        # spawn, not fork: the parent runs an event loop and client threads that must not be copied.
        self._pool = ProcessPoolExecutor(
            max_workers=self.size, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
            initargs=(os.getpid(),),
        )

    async def warm(self) -> None:
        """Start every child and load its model before the first real batch."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, enrich_chunk, [], 1) for _ in range(self.size)))

    async def enrich(self, payloads: list[bytes], *, chunks: int = 0) -> list[Result]:
        """Split the batch across `chunks` children (0: all of them), keep the order."""
        if not payloads:
            return []
        loop = asyncio.get_running_loop()
        n = min(chunks or self.size, len(payloads))
        step = -(-len(payloads) // n)
        chunks = [payloads[i : i + step] for i in range(0, len(payloads), step)]
        parts = await asyncio.gather(
            *(loop.run_in_executor(self._pool, enrich_chunk, c, self.max_article_bytes) for c in chunks)
        )
        return [r for part in parts for r in part]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

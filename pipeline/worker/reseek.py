"""Re-read from the committed offsets once a rebalance has fully ended, and whenever a partition's
commits have stood still with records waiting.

Faust (0.15) drops records its fetcher thread took while the flow was suspended for a rebalance or a
table recovery, yet marks them read: they never reach an agent, the next fetch starts after them, and
the partition's commits stop at the first of them (nothing after a hole is committed). Seen here: a
worker started while articles were arriving lost one fetch per partition (17 to 132 articles) until
the next restart. Seeking every assigned partition back to its committed offset once the flow runs
again costs at most some records enriched twice (the document id makes that harmless). The drop can
also come just after the rebalance's end, so a watch re-reads whenever a partition of this worker has had
records waiting behind an unchanged commit for a minute: a lost fetch costs a minute, never the articles.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from faust.sensors import Sensor

log = logging.getLogger("newswatch.worker")


class ReseekAfterRebalance(Sensor):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending: asyncio.Task[None] | None = None
        self.reseeks = 0

    def on_rebalance_end(self, app: Any, state: dict[Any, Any]) -> None:
        if self._pending is not None and not self._pending.done():
            return
        self._pending = asyncio.get_running_loop().create_task(self._reseek(app))

    async def _reseek(self, app: Any) -> None:
        if app.rebalancing or app.should_stop:
            return  # another rebalance has begun: its own end seeks again
        try:
            await app.consumer.perform_seek()
        except Exception as exc:  # noqa: BLE001 - the next rebalance or restart seeks again
            log.warning("could not seek back to the committed offsets after a rebalance: %s", exc)
            return
        self.reseeks += 1
        log.info("after the rebalance: reading again from the committed offsets")


class StallWatch:
    """Partitions whose committed offset has not moved for `after_s` while records wait behind it."""

    def __init__(self, after_s: float = 60.0) -> None:
        self.after_s = after_s
        self._since: dict[int, tuple[int, float]] = {}  # partition -> (committed offset, first seen there)

    def stalled(self, positions: dict[int, tuple[int, int]], assigned: set[int], now: float | None = None) -> list[int]:
        now = time.monotonic() if now is None else now
        out = []
        for p, (committed, end) in positions.items():
            if p not in assigned or committed >= end:
                self._since.pop(p, None)
                continue
            prev = self._since.get(p)
            if prev is None or prev[0] != committed:
                self._since[p] = (committed, now)
            elif now - prev[1] >= self.after_s:
                out.append(p)
                self._since[p] = (committed, now)  # give the re-read its own minute
        return sorted(out)

"""The backstop for a partition whose commit stands still with records waiting behind it.

`ContiguousConsumer` re-reads records Faust skipped; a record handed to a stream and then cleared from
its queue without a seek back would still hold the partition's commit (nothing after an unacknowledged
record is committed). The worker's timer reads such a partition again from its committed offset after
`stall_reseek_s` (30 s): a lost hand-over costs half a minute, never the articles. The clock runs only while
the worker can move (not during a rebalance, a table's recovery or the pool's warm-up) and while the record
at the committed offset is neither still coming nor in an agent's hands nor acknowledged with its commit
under way: a start-up into a backlog, where a partition's records wait a minute behind the others' in the
stream's queue, or a commit that takes half a minute on a loaded machine (it flushes the producer first;
the firings measured before this rule came from one), is not a stall.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class StallWatch:
    """Partitions whose committed offset has not moved for `after_s` while records wait behind it."""

    def __init__(self, after_s: float = 30.0) -> None:
        self.after_s = after_s
        self._since: dict[int, tuple[int, float]] = {}  # partition -> (committed offset, first seen there)

    def reset(self) -> None:
        """The worker cannot move now (a rebalance, a table's recovery, the pool warming up): time spent so
        is no evidence of a stall, so every partition's clock starts again when it can."""
        self._since.clear()

    def stalled(self, positions: dict[int, tuple[int, int]], assigned: set[int], now: float | None = None,
                waiting: Callable[[int, int], bool] = lambda p, committed: False) -> list[int]:
        """`waiting(p, committed)`: the record at the committed offset is still on its way to an agent (not
        fetched yet, queued, being enriched): the commit moves when it is done, so that is no stall either."""
        now = time.monotonic() if now is None else now
        out = []
        for p, (committed, end) in positions.items():
            if p not in assigned or committed >= end or waiting(p, committed):
                self._since.pop(p, None)
                continue
            prev = self._since.get(p)
            if prev is None or prev[0] != committed:
                self._since[p] = (committed, now)
            elif now - prev[1] >= self.after_s:
                out.append(p)
                self._since[p] = (committed, now)  # give the re-read its own minute
        return sorted(out)

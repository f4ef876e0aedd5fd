"""Which record each partition must hand to the agents next, so a record Faust skipped is read again.

Faust (0.15) can lose a fetch around a rebalance: records taken from Kafka while the flow is suspended
are dropped (or left in a batch it stops iterating), and when the next record is more than one offset
ahead, Faust's `_drain_messages` calls the hole a "gap" and counts the missing offsets as acknowledged,
so the commit moves past records no agent ever saw. Our topics are neither compacted nor transactional:
their offsets are contiguous, so a hole means skipped records, and the answer is to read them again.
A hole that is still there after `max_rereads` re-reads is real (retention deleted the records,
compaction, transaction markers) and is accepted as Faust would.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Generic, Hashable, TypeVar

P = TypeVar("P", bound=Hashable)


class Verdict(Enum):
    DELIVER = "deliver"  # the record expected next, or the first one seen since a seek with no offset
    STALE = "stale"  # before the expected offset: already handed on, or fetched before a seek back
    REREAD = "reread"  # records before it were skipped: seek back to `at` and read them again
    GAP = "gap"  # skipped again after max_rereads re-reads: the records are really absent from `at` on


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    at: int | None = None


class Contiguity(Generic[P]):
    def __init__(self, max_rereads: int = 3) -> None:
        self.max_rereads = max_rereads
        self._next: dict[P, int] = {}
        self._rereads: dict[P, tuple[int, int]] = {}  # partition -> (offset re-read from, times)
        self.rereads = 0
        self.gaps = 0

    def expect(self, tp: P, offset: int | None) -> None:
        """After a seek: the next record is `offset`; None when Kafka chooses (no committed offset)."""
        if offset is None or offset < 0:
            self._next.pop(tp, None)
        else:
            self._next[tp] = offset

    def next(self, tp: P) -> int | None:
        """The offset the partition must deliver next; None until known (no seek to an offset, nothing delivered)."""
        return self._next.get(tp)

    def forget(self, tps: set[P]) -> None:
        for tp in tps:
            self._next.pop(tp, None)
            self._rereads.pop(tp, None)

    def check(self, tp: P, offset: int) -> Decision:
        expected = self._next.get(tp)
        if expected is None or offset == expected:
            return Decision(Verdict.DELIVER)
        if offset < expected:
            return Decision(Verdict.STALE)
        from_, times = self._rereads.get(tp, (expected, 0))
        if from_ != expected:
            times = 0
        if times >= self.max_rereads:
            self._rereads.pop(tp, None)
            self.gaps += 1
            return Decision(Verdict.GAP, expected)
        self._rereads[tp] = (expected, times + 1)
        self.rereads += 1
        return Decision(Verdict.REREAD, expected)

    def delivered(self, tp: P, offset: int) -> None:
        self._next[tp] = offset + 1
        prev = self._rereads.get(tp)
        if prev is not None and offset >= prev[0]:
            self._rereads.pop(tp, None)  # the hole was filled

"""Faust's aiokafka consumer with a drain loop that never lets the commit pass a record no agent saw.

The loop below is faust-streaming 0.15's `Consumer._drain_messages` (BSD-3-Clause) with these changes,
for the faust-streaming#606 family of losses around rebalances (each one seen losing articles here):
- a record whose hand-over was cut short by a suspended flow is not marked read;
- on topics with acknowledgements (ours: contiguous offsets), a record ahead of the one expected sends
  the partition back to the expected offset (`Contiguity`) instead of acknowledging the hole;
- a stream skips a record handed over before a rebalance (an older generation, or a suspended flow) and
  acknowledges it although no agent saw it: that acknowledgement is refused, so the commit stops there,
  and the partition is read again from the record;
- the commit never passes the committed offset's own record while it is unacknowledged (Faust's
  `_new_offset` lets the first acknowledged offset be one past the committed one: a record lost at
  exactly the committed offset was committed over, and never read again).
- a record handed to a stream and then dropped from its queue unacknowledged (Faust clears the queues
  on a rebalance) is noticed when the record is garbage, and its partition is read again from it.
Topics without acknowledgements (table changelogs) keep Faust's own rule.

Upstream: faust-streaming#606 ("Wrong offset commit in case of gaps", open) is the family; its fix,
faust-streaming#707 ("never commit past an in-flight (unacked) message", `_smallest_unacked_offset` in
`_new_offset`), was not in any release when 0.15.3 was pinned. #707 covers a record still in flight; it
does not cover one no stream holds any more (a dropped fetch, a cleared queue), so the overrides below stay
needed after it. Each override says what to check when upgrading; tests/unit/test_consumer.py runs every
loss against faust's own consumer too, and tells when one no longer happens there.
This module is the one place allowed to touch faust's private members (ruff SLF001, pyproject.toml).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, AsyncIterator, Mapping, cast

from faust.transport.consumer import CONSUMER_FETCHING, ensure_TP
from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, Message
from mode import Service

from pipeline.worker.contiguity import Contiguity, Verdict

log = logging.getLogger("newswatch.worker")


class ContiguousConsumer(Consumer):
    dropped_check_s = 1.0  # how often the drain loop looks for hand-overs dropped unacknowledged

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contiguity: Contiguity[TP] = Contiguity()
        self._skipped: dict[TP, int] = {}  # partition -> first offset a stream skipped unseen
        self._handed: dict[TP, dict[int, weakref.ref[Message]]] = {}  # handed over, not yet acknowledged
        self._dropped_checked = 0.0
        self._handing: tuple[TP, int] | None = None  # the record whose hand-over is under way

    # Override (upgrade check: Consumer.perform_seek still calls seek_to_committed, and the aiokafka
    # driver's version still returns {tp: committed offset}): every seek resets what Contiguity expects.
    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        for tp, off in committed.items():
            self.contiguity.expect(ensure_TP(tp), off if off and off > 0 else None)
            self._forget_handed(ensure_TP(tp), off if off and off > 0 else None)
        return committed

    # Override (upgrade check: Consumer.seek still ends in _seek and sets _read_offset), as above.
    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        tp = ensure_TP(partition)
        self.contiguity.expect(tp, offset)
        self._forget_handed(tp, offset)

    def _forget_handed(self, tp: TP, from_offset: int | None = None) -> None:
        """Records from `from_offset` on will be handed over again: their first hand-over no longer counts."""
        handed = self._handed.get(tp)
        if handed:
            for offset in [o for o in handed if from_offset is None or o >= from_offset]:
                del handed[offset]

    # Override (upgrade check: the base still drops _acked/_read_offset/_committed_offset for revoked
    # partitions here): our own per-partition state goes with theirs.
    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self.contiguity.forget({ensure_TP(tp) for tp in revoked})
        for tp in revoked:
            self._handed.pop(ensure_TP(tp), None)
        await super().on_partitions_revoked(revoked)

    # Override for faust-streaming#606 (skipped-but-acked; #707 does not change it). Upgrade check:
    # Stream._py_aiter still sets `message.tracked` before an agent sees a record and still acks the
    # records it skips (generation_id, flow control) with `skipped_value`; Consumer.ack still takes
    # `_acked`/`_acked_index`/`_unacked_messages`. test_consumer.py scenario 2.
    def ack(self, message: Message) -> bool:
        handed = self._handed.get(message.tp)
        if handed is not None:
            handed.pop(message.offset, None)
        if not message.tracked and self.app.topics.acks_enabled_for(message.topic):
            # A stream tracks each record it gives an agent; an untracked one was skipped unseen.
            message.acked = True  # nothing waits for it any more (wait_empty)...
            self._unacked_messages.discard(message)
            tp = message.tp
            self._skipped[tp] = min(self._skipped.get(tp, message.offset), message.offset)
            return False  # ...but the commit does not pass it
        return super().ack(message)

    # Override for faust-streaming#606, the off-by-one at the committed offset (the head-gap guard bails
    # only when min(acked) - committed > 1). #707 caps the batch at the smallest in-flight offset, which
    # does not help when the record is held by nothing. Upgrade check: `_committed_offset` is still the
    # next offset to read, `_gap` still the IntervalTree of accepted gaps. test_consumer.py scenario 3.
    def _new_offset(self, tp: TP) -> int | None:
        acked = self._acked[tp]
        committed = self._committed_offset.get(tp)
        if acked and committed is not None and not self._gap[tp] and min(acked) > committed:
            return None  # the committed offset's record is still out: a hole, not a commit
        return super()._new_offset(tp)

    def _note_dropped(self) -> None:
        """Records handed over that no queue, stream or agent holds any more, unacknowledged: dropped."""
        for tp, handed in self._handed.items():
            dead = [offset for offset, ref in handed.items() if ref() is None]
            if dead:
                for offset in dead:
                    del handed[offset]
                self._skipped[tp] = min(self._skipped.get(tp, min(dead)), min(dead))

    async def _reread_skipped(self) -> None:
        skipped, self._skipped = self._skipped, {}
        assigned = self.assignment()
        for tp, offset in skipped.items():
            if tp in assigned:
                log.info("%s[%d]: records from offset %d were dropped unprocessed around a rebalance: reading them "
                         "again", tp.topic, tp.partition, offset)
                await self.seek(tp, offset)

    async def _hand_over(self, message: Message) -> bool:
        """Give the record to the agents; False when a suspended flow cut that short."""
        delivery = asyncio.ensure_future(self.callback(message))
        self._handing = (message.tp, message.offset)  # a full queue can hold the hand-over for long
        try:
            await self.wait_first(delivery, self.suspend_flow.wait())
        finally:
            self._handing = None
        return delivery.done() and not delivery.cancelled()

    def waiting_on(self, tp: TP, offset: int) -> bool:
        """True while the record at `offset` is still on its way: being handed over, held unacknowledged by a
        stream or an agent, not delivered yet while the agents are busy with other records (a backlog: the
        fetch reaches it when the queue drains), or acknowledged with its commit under way (a commit flushes
        the producer first: on a loaded machine one took 33 s). The stall watch asks this of the committed
        offset: only a record that is none of these (dropped unacknowledged, skipped, a fetch lost with
        nothing else to do) can hold a commit for good, so only then is a still commit a stall."""
        if self._handing == (tp, offset) or self._commit_fut is not None:
            return True
        if offset in self._acked_index.get(tp, ()):
            return True
        ref = self._handed.get(tp, {}).get(offset)
        if ref is not None and ref() is not None:
            return True
        expected = self.contiguity.next(tp)
        return (expected is None or expected <= offset) and self._busy()

    def _busy(self) -> bool:
        """Some record, of any partition, is being handed over or is held by a stream or an agent."""
        return self._handing is not None or any(ref() is not None for handed in self._handed.values()
                                                for ref in handed.values())

    # Override for faust-streaming#606 (a fetch dropped while the flow is suspended; a hand-over cut
    # short; a record dropped from a queue unacked). Upgrade check: diff the new base
    # Consumer._drain_messages against this copy (0.15.3's), and check getmany still stops iterating a
    # fetch when the flow stops and the Conductor still clears queues on a rebalance. test_consumer.py
    # scenarios 1 and 4 drive this loop with a fake log.
    async def _drain_messages(self, fetcher: Any) -> None:
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set
        read_offset = self._read_offset
        acks_enabled_for = self.app.topics.acks_enabled_for
        contiguity = self.contiguity
        yield_every, since_yield = 100, 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                if self.flow_active and time.monotonic() - self._dropped_checked >= self.dropped_check_s:
                    self._dropped_checked = time.monotonic()
                    self._note_dropped()
                if self._skipped and self.flow_active:
                    await self._reread_skipped()
                self.diag.set_flag(CONSUMER_FETCHING)
                ait = cast(AsyncIterator, self.getmany(timeout=1.0))
                await self.sleep(0)
                if self.should_stop:
                    continue
                rereading: set[TP] = set()  # sent back this batch: the rest of its records are stale
                async for tp, message in ait:
                    since_yield += 1
                    if since_yield > yield_every:
                        await asyncio.sleep(0)
                        since_yield = 0
                    offset = message.offset
                    if not acks_enabled_for(message.topic):
                        r_offset = read_offset[tp]
                        if r_offset is None or offset >= r_offset:
                            await self._hand_over(message)
                            read_offset[tp] = offset
                        continue
                    if tp in rereading:
                        continue
                    decision = contiguity.check(tp, offset)
                    if decision.verdict is Verdict.STALE:
                        continue
                    if decision.verdict is Verdict.REREAD:
                        rereading.add(tp)
                        log.warning("%s[%d]: offset %d arrived where %s was expected: reading again from %s",
                                    tp.topic, tp.partition, offset, decision.at, decision.at)
                        await self.seek(tp, cast(int, decision.at))
                        continue
                    if decision.verdict is Verdict.GAP:
                        log.warning("%s[%d]: offsets %s to %d are not in Kafka (retention or compaction); going on",
                                    tp.topic, tp.partition, decision.at, offset - 1)
                        await self._add_gap(tp, cast(int, decision.at), offset - 1)
                    if self._commit_every is not None and self._n_acked >= self._commit_every:
                        self._n_acked = 0
                        await self.commit()
                    if await self._hand_over(message):
                        contiguity.delivered(tp, offset)
                        read_offset[tp] = offset
                        if not message.acked and message.refcount > 0:  # in some stream's queue
                            self._handed.setdefault(tp, {})[offset] = weakref.ref(message)
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        except Exception as exc:
            log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

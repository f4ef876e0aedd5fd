"""`ContiguousConsumer` against the four ways faust-streaming 0.15.3 loses records around a rebalance.

Each scenario drives the consumer's real drain loop, acknowledgements and commit rule with fakes at the
I/O edges (a partition log that honours seeks, an agent that acknowledges what it processes) and
returns the offsets committed without any agent having processed them. Every scenario runs twice: on
faust's own aiokafka `Consumer`, where it must lose records (so the test proves the override is needed,
and says so when an upgrade fixes the loss upstream), and on `ContiguousConsumer`, where it must lose
none and commit the partition to its end.
"""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, Message

from pipeline.worker.consumer import ContiguousConsumer

TOPIC = "articles.raw"
TP0 = TP(TOPIC, 0)
END = 12  # records 0..11 on the partition
BATCH = 4  # records per fetch
DEADLINE_S = 60.0  # only a failing run waits this long (a loaded machine can take seconds over a good one)

Agent = Callable[["Run", Message], Awaitable[None]]


@dataclass
class Run:
    """One scenario: the consumer, the fake partition log behind it, and what the agent processed."""

    consumer: Any
    position: int = 0  # the fetcher's position in the log (seeks move it)
    processed: set[int] = field(default_factory=set)
    queue: list[Message] = field(default_factory=list)  # a stream's queue: records handed over, not yet acked
    seen: dict[int, int] = field(default_factory=dict)  # offset -> hand-overs

    def process(self, message: Message) -> None:
        """What a stream and its agent do with a record: track it, process it, acknowledge it."""
        message.tracked = True
        self.consumer._unacked_messages.add(message)
        self.processed.add(message.offset)
        message.incref()
        message.ack(self.consumer)

    def commit(self) -> None:
        """Faust's commit, without Kafka: the offsets its rule would commit become the committed ones."""
        c = self.consumer
        c._committed_offset.update(c._filter_committable_offsets(list(c._filter_tps_with_pending_acks())))

    @property
    def committed(self) -> int:
        return self.consumer._committed_offset.get(TP0) or 0

    def lost(self) -> set[int]:
        return set(range(self.committed)) - self.processed


def _record(offset: int) -> SimpleNamespace:
    return SimpleNamespace(topic=TOPIC, partition=0, offset=offset, timestamp=0, timestamp_type=0, headers=[],
                           key=b"k", value=b"v", checksum=None, serialized_key_size=1, serialized_value_size=1)


def _run(cls: type[Consumer], agent: Agent) -> Run:
    """Drive `cls`'s drain loop over the fake log until the partition is committed to its end (or the
    deadline), committing after every fetch as Faust's commit timer would."""

    async def main() -> Run:
        app = faust.App(f"t{uuid.uuid4().hex[:8]}", broker="kafka://127.0.0.1:1", store="memory://",
                        web_enabled=False, value_serializer="raw")
        topics: Any = app.topics  # the Conductor (ConductorT does not declare its acking set)
        topics._acking_topics.add(TOPIC)  # an agent's topic: acknowledgements enabled

        async def callback(message: Message) -> None:
            run.seen[message.offset] = run.seen.get(message.offset, 0) + 1
            await agent(run, message)

        async def partitions_changed(*_: Any) -> None:
            return None

        consumer: Any = cls(app.transport, callback=callback, on_partitions_revoked=partitions_changed,
                       on_partitions_assigned=partitions_changed)
        run = Run(consumer)
        fetcher = SimpleNamespace(_stopped=asyncio.Event())
        started = time.monotonic()

        async def seek(tp: TP, offset: int) -> None:
            run.position = offset

        async def getmany(timeout: float) -> AsyncIterator[tuple[TP, Message]]:  # noqa: ASYNC109 - faust's signature
            run.commit()
            if run.committed >= END or time.monotonic() - started > DEADLINE_S:
                fetcher._stopped.set()
                return
            if not consumer.flow_active:  # Faust waits for the flow to resume before fetching
                await consumer.can_resume_flow.wait()
            batch = range(run.position, min(run.position + BATCH, END))
            run.position = batch.stop if batch else run.position
            if not batch:
                await asyncio.sleep(0.001)  # the end of the log: a fetch that times out
            for offset in batch:
                if not consumer.flow_active:  # Faust stops iterating a fetch when the flow stops: the rest is dropped
                    return
                yield TP0, consumer._to_message(TP0, _record(offset))

        consumer._seek = seek
        consumer.getmany = getmany
        consumer.assignment = lambda: {TP0}
        consumer.dropped_check_s = 0.0
        await consumer._drain_messages(fetcher)
        return run

    return asyncio.run(main())


def _scenario(agent: Agent) -> tuple[Run, Run]:
    return _run(Consumer, agent), _run(ContiguousConsumer, agent)


def _assert_faust_loses_and_we_do_not(agent: Agent) -> None:
    faust_run, ours = _scenario(agent)
    assert faust_run.lost(), "faust's own consumer no longer loses records here: is the override still needed?"
    assert ours.lost() == set()
    assert ours.committed == END  # and nothing stalls: the partition is committed to its end
    assert ours.processed == set(range(END))


# 1. A fetch dropped while the flow is suspended (faust-streaming#606): the hand-over of record 5 is cut
#    short by a rebalance suspending the flow, and the rest of its fetch is dropped by `getmany`.
def test_a_fetch_dropped_while_the_flow_is_suspended_is_read_again() -> None:
    async def agent(run: Run, message: Message) -> None:
        if message.offset == 5 and run.seen[5] == 1:
            run.consumer.stop_flow()
            asyncio.get_running_loop().call_later(0.01, run.consumer.resume_flow)
            await asyncio.Event().wait()  # a full stream queue: the hand-over never finishes
        run.process(message)

    _assert_faust_loses_and_we_do_not(agent)


# 2. A skipped-but-acked record (faust-streaming#606, #707): the stream skips record 5, handed over
#    before a rebalance (an older generation), and acknowledges it although no agent saw it.
def test_a_record_a_stream_skipped_and_acknowledged_is_read_again() -> None:
    async def agent(run: Run, message: Message) -> None:
        if message.offset == 5 and run.seen[5] == 1:
            message.incref()
            message.ack(run.consumer)  # untracked: Stream skipped it (`skipped_value`) and acked it
            return
        run.process(message)

    _assert_faust_loses_and_we_do_not(agent)


# 3. `_new_offset`'s off-by-one at the committed offset: with 5 committed and 5 itself never
#    acknowledged, Faust takes 6, 7 as the next consecutive run and commits 8 over the hole.
@pytest.mark.parametrize("cls", [Consumer, ContiguousConsumer], ids=["faust", "ours"])
def test_the_commit_never_passes_an_unacknowledged_record_at_the_committed_offset(cls: type[Consumer]) -> None:
    async def main() -> int | None:
        app = faust.App(f"t{uuid.uuid4().hex[:8]}", broker="kafka://127.0.0.1:1", store="memory://",
                        web_enabled=False)
        topics: Any = app.topics
        topics._acking_topics.add(TOPIC)

        async def noop(*_: Any) -> None:
            return None

        c = cls(app.transport, callback=noop, on_partitions_revoked=noop, on_partitions_assigned=noop)
        c._committed_offset[TP0] = 5
        for offset in (6, 7):
            m = c._to_message(TP0, _record(offset))
            m.tracked = True
            m.incref()
            m.ack(c)
        return c._new_offset(TP0)

    new_offset = asyncio.run(main())
    if cls is Consumer:
        assert new_offset == 8, "faust's _new_offset no longer commits over the committed offset's hole"
    else:
        assert new_offset is None


# 4. A record dropped from a queue unacknowledged (faust-streaming#606): record 5 reached a stream's
#    queue, and the queue was cleared (Faust does on a rebalance) before an agent took it.
def test_a_record_dropped_from_a_queue_unacknowledged_is_read_again() -> None:
    async def agent(run: Run, message: Message) -> None:
        if message.offset == 5 and run.seen[5] == 1:
            message.tracked = True
            message.incref()
            run.queue.append(message)  # handed over: waiting in the stream's queue
            return
        if message.offset == 7 and run.queue:
            run.queue.clear()  # the rebalance clears the queues: 5 is gone, unacknowledged
            gc.collect()
        run.process(message)

    _assert_faust_loses_and_we_do_not(agent)


def test_records_in_order_are_committed_to_the_end_by_both() -> None:
    """The control: without a fault neither consumer loses or re-reads anything."""

    async def agent(run: Run, message: Message) -> None:
        run.process(message)

    for run in _scenario(agent):
        assert run.lost() == set() and run.committed == END
        assert set(run.seen.values()) == {1}


def test_the_stall_watch_is_told_which_records_are_still_on_their_way() -> None:
    """`waiting_on(tp, committed)`: a record queued or in an agent, not fetched yet while the agents are
    busy, or acknowledged with its commit to come, is on its way; one dropped from its queue unacknowledged,
    or never delivered while nothing else moves, is not (then the stall watch's clock runs)."""

    async def main() -> None:
        app = faust.App(f"t{uuid.uuid4().hex[:8]}", broker="kafka://127.0.0.1:1", store="memory://",
                        web_enabled=False)

        async def noop(*_: Any) -> None:
            return None

        topics: Any = app.topics
        topics._acking_topics.add(TOPIC)
        c = ContiguousConsumer(app.transport, callback=noop, on_partitions_revoked=noop, on_partitions_assigned=noop)
        c.contiguity.expect(TP0, 5)
        assert not c.waiting_on(TP0, 5)  # not delivered, and nothing else in flight: a lost fetch
        queued = [c._to_message(TP0, _record(5)), c._to_message(TP0, _record(6))]
        for m in queued:
            c.contiguity.delivered(TP0, m.offset)
            c._handed.setdefault(TP0, {})[m.offset] = weakref.ref(m)
        del m  # the queue holds them, nothing else
        assert c.waiting_on(TP0, 5) and c.waiting_on(TP0, 6)  # in a stream's queue
        other = TP(TOPIC, 1)
        c.contiguity.expect(other, 40)
        assert c.waiting_on(other, 40)  # not fetched yet while partition 0's records keep the agents busy
        del queued[0]
        gc.collect()
        assert not c.waiting_on(TP0, 5)  # dropped from its queue unacknowledged
        del queued[0]
        gc.collect()
        assert not c.waiting_on(other, 40)  # nothing in flight any more and 40 never came
        done = c._to_message(TP0, _record(5))
        done.tracked = True
        done.incref()
        done.ack(c)
        assert c.waiting_on(TP0, 5)  # acknowledged: the next commit takes it
        c._acked_index[TP0].clear()
        c._commit_fut = asyncio.get_running_loop().create_future()
        assert c.waiting_on(TP0, 5)  # a commit under way (it flushes the producer first: slow under load)

    asyncio.run(main())

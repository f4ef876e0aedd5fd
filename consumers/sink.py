"""The lifecycle every sink shares, and the one loop that drives it.

open, write a batch, commit the batch's offsets only after the sink acknowledged it, close. A sink that
cannot take a batch *now* (its server is down, overloaded) raises `RetryableError`: the same batch is
written again after a backoff and nothing is committed meanwhile, so a crash at any point redelivers
rather than loses. Writes are idempotent (stable ids), so a redelivered batch never doubles anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from kafka import KafkaConsumer
from kafka.errors import KafkaError

log = logging.getLogger("newswatch.consumers")
R = TypeVar("R", covariant=True)


class RetryableError(RuntimeError):
    """The sink could not take the batch now; write the same batch again later."""


class Sink(Protocol[R]):
    def open(self) -> None:
        """Prepare the destination (templates, indices); called once before the first write."""

    def write(self, records: list[Any]) -> R:
        """Take one polled batch (possibly empty: sinks with timed work, such as digests, do it then).
        Returns what happened, for the caller's report; raises RetryableError to get the batch again."""

    def close(self) -> None:
        """Flush what is buffered; called once, also after an error."""


def run(
    consumer: KafkaConsumer,
    sink: Sink[R],
    *,
    batch_size: int,
    window_ms: int,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[R], None] = lambda r: None,  # type: ignore[misc]  # R: covariant in Sink, an argument here
    max_backoff_s: float = 30.0,
) -> None:
    """Poll, write, commit until `should_stop()`.

    A write that fails is retried with backoff, offsets unmoved, for as long as it takes (a dependency's
    outage, however long, is waited out, not a crash). While it waits, the consumer's partitions are
    paused and it keeps polling, so it stays in its group instead of being evicted after
    `max.poll.interval.ms` and rebalanced.
    """
    backoff = Backoff(max_backoff_s)
    while not should_stop():
        try:
            sink.open()
            break
        except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch not up yet: wait for it
            backoff.failed(f"could not open {type(sink).__name__}: {type(exc).__name__}: {exc}")
            _wait(consumer, backoff.delay, should_stop)
    else:
        return
    backoff.reset()
    try:
        while not should_stop():
            try:
                polled = consumer.poll(timeout_ms=window_ms, max_records=batch_size)
            except KafkaError as exc:
                backoff.failed(f"poll failed: {exc}")
                _wait(consumer, backoff.delay, should_stop)
                continue
            records = [r for batch in polled.values() for r in batch]
            while True:
                try:
                    result = sink.write(records)
                    break
                except Exception as exc:  # noqa: BLE001 - RetryableError, or a dependency failing unexpectedly
                    what = str(exc) if isinstance(exc, RetryableError) else f"{type(exc).__name__}: {exc}"
                    backoff.failed(f"batch of {len(records)} not written ({what})")
                    _wait(consumer, backoff.delay, should_stop)
                    if should_stop():
                        return
            if backoff.failures:
                log.info("recovered after %d failed attempt(s)", backoff.failures)
            backoff.reset()
            if not records:
                continue
            try:
                consumer.commit()
            except KafkaError as exc:  # a rebalance, or Kafka away: the batch is redelivered, idempotently
                log.warning("offset commit failed, the batch will be redelivered: %s", exc)
            on_batch(result)
    finally:
        sink.close()


class Backoff:
    """Exponential backoff, logged as one line per attempt (no traceback)."""

    def __init__(self, max_s: float) -> None:
        self.max_s = max_s
        self.reset()

    def reset(self) -> None:
        self.failures = 0
        self.delay = 0.5

    def failed(self, what: str) -> None:
        if self.failures:
            self.delay = min(self.delay * 2, self.max_s)
        self.failures += 1
        log.warning("%s; attempt %d, retrying in %.1fs", what, self.failures, self.delay)


def _wait(consumer: KafkaConsumer, seconds: float, should_stop: Callable[[], bool]) -> None:
    """Stay in the group for `seconds` without taking records: partitions paused, polls continuing."""
    deadline = time.monotonic() + seconds
    while not should_stop() and (left := deadline - time.monotonic()) > 0:
        try:
            consumer.pause(*consumer.assignment())
            polled = consumer.poll(timeout_ms=int(min(left, 1.0) * 1000))
            for tp, recs in polled.items():  # assigned by a rebalance meanwhile: give them back
                consumer.seek(tp, recs[0].offset)
        except KafkaError as exc:
            log.debug("poll while waiting: %s", exc)
            time.sleep(min(left, 1.0))
    try:
        consumer.resume(*consumer.paused())
    except KafkaError:  # pragma: no cover - resume is local state
        pass

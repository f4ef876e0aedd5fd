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
from kafka.errors import CommitFailedError

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
    on_batch: Callable[[R], None] = lambda r: None,
    max_backoff_s: float = 30.0,
) -> None:
    """Poll, write, commit until `should_stop()`; a failed write is retried with backoff, offsets unmoved."""
    sink.open()
    backoff = 0.5
    try:
        while not should_stop():
            polled = consumer.poll(timeout_ms=window_ms, max_records=batch_size)
            records = [r for batch in polled.values() for r in batch]
            while True:
                try:
                    result = sink.write(records)
                    break
                except RetryableError as exc:
                    log.warning("%s; retrying in %.1fs", exc, backoff)
                    time.sleep(backoff)
                    backoff = min(backoff * 2, max_backoff_s)
                    if should_stop():
                        return
            backoff = 0.5
            if not records:
                continue
            try:
                consumer.commit()
            except CommitFailedError as exc:  # the group moved on: the batch is redelivered, idempotently
                log.warning("offset commit failed, batch will be redelivered: %s", exc)
            on_batch(result)
    finally:
        sink.close()

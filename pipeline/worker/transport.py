"""Faust's aiokafka transport, with topic creation that outlasts a broker's outage.

A worker creates its tables' changelog topics while it starts. Faust asks the first broker its metadata
lists for the controller and sends it the request; a broker that died a moment before is still listed for
a few seconds, the request fails with NodeNotReadyError, and Faust stops the whole worker (seen in
tests/cluster: a broker SIGKILLed while a worker was starting). Here a retriable error is retried with
backoff, the metadata refreshed in between, until `kafka_start_retry_s`: by then the dead broker has left
the metadata or come back. Any other error (a bad config, no rights) still stops the worker at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiokafka
from aiokafka.errors import KafkaError
from faust.transport.drivers.aiokafka import Transport
from mode import Service

log = logging.getLogger("newswatch.worker")


def transient(exc: BaseException) -> bool:
    """Worth asking again: Kafka says so, the wait timed out, or faust found a stale controller."""
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    if isinstance(exc, RuntimeError) and str(exc).startswith("Invalid controller"):
        return True
    return isinstance(exc, TimeoutError | ConnectionError)


class TolerantTransport(Transport):
    def __init__(self, url: Any, app: Any, *, retry_for_s: float) -> None:
        super().__init__(url, app)
        self.retry_for_s = retry_for_s

    async def _create_topic(
        self, owner: Service, client: aiokafka.AIOKafkaClient, topic: str, partitions: int, replication: int,
        **kwargs: Any,
    ) -> None:
        deadline = time.monotonic() + self.retry_for_s
        delay, attempt = 0.5, 0
        while True:
            try:
                await super()._create_topic(owner, client, topic, partitions, replication, **kwargs)
            except Exception as exc:
                if not transient(exc) or owner.should_stop or time.monotonic() + delay > deadline:
                    raise
                attempt += 1
                if attempt == 1 or attempt % 10 == 0:
                    log.warning("creating topic %s: %s: %s (attempt %d; retrying for up to %.0f s in all)",
                                topic, type(exc).__name__, exc, attempt, self.retry_for_s)
                await asyncio.sleep(delay)
                delay = min(10.0, delay * 2)
                await client.force_metadata_update()  # False when no broker answered: the next attempt says so
                continue
            if attempt:
                log.info("topic %s: created after %d retried attempts", topic, attempt)
            return

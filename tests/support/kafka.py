"""Settings for one test's topics, groups and indices, and reading what landed on a topic."""

from __future__ import annotations

import json
import time
from typing import Any


def settings_for(env: dict[str, str]) -> Any:
    from pipeline.settings import Settings

    return Settings(**{k[len("NEWSWATCH_"):].lower(): v for k, v in env.items() if k.startswith("NEWSWATCH_")
                       and k != "NEWSWATCH_CONFIG"})


def read_topic(settings: Any, topic: str, *, expect: int, timeout: float = 60) -> list[dict[str, Any]]:
    from pipeline.clients.kafka import make_consumer

    consumer = make_consumer(settings, topic, group_id=None, consumer_timeout_ms=500)
    got: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                got.extend(json.loads(r.value) for r in batch)
    finally:
        consumer.close()
    return got

"""Settings for one test's topics, groups and indices, and reading what landed on a topic."""

from __future__ import annotations

import json
import threading
import time
from typing import Any


def settings_for(env: dict[str, str]) -> Any:
    from pipeline.settings import Settings

    values: dict[str, Any] = {k[len("NEWSWATCH_"):].lower(): v for k, v in env.items() if k.startswith("NEWSWATCH_")
                              and k != "NEWSWATCH_CONFIG"}
    return Settings(**values)


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


class PacedProducer:
    """Articles at a steady pace from a thread, so processes start, die or join while the stream flows."""

    def __init__(self, s: Any, tag: str, n: int, per_s: float) -> None:
        from pipeline.clients.kafka import ensure_topics, make_producer
        from producers.publisher import ArticlePublisher
        from producers.record import SourceRecord

        ensure_topics(s)
        self.publisher = ArticlePublisher(s, make_producer(s))
        self.records = [SourceRecord(f"{tag}-{i}", {"title": f"Report {tag} {i}", "body": f"Floods in Dhaka, "
                        f"Bangladesh, report {tag} {i}.", "url": f"https://example.org/{tag}/{i}"}) for i in range(n)]
        self.sent = 0
        self.per_s = per_s
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        for i, rec in enumerate(self.records):
            delay = start + i / self.per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the producer (the load), not synchronisation
            self.publisher.send(rec)
            self.sent = i + 1
        self.publisher.flush(timeout=300)

    def done(self) -> bool:
        return not self.thread.is_alive()

    def ids(self) -> set[str]:
        from schemas import RawArticle

        return {RawArticle.from_payload(r.payload or {}).id or "" for r in self.records}

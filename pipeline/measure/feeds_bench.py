"""Poller throughput: items per second from many feeds on a local site (127.0.0.1) into real Kafka."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.settings import Settings


def run_feeds_bench(s: Settings, *, feeds: int, items: int, per_host: int) -> dict[str, Any]:
    from pipeline.clients.kafka import ensure_topics, make_producer
    from pipeline.measure.localsite import FeedSite
    from producers.feeds.fetch import FetchLimits
    from producers.feeds.poller import Poller, PollResult
    from producers.feeds.store import FeedStore
    from producers.publisher import ArticlePublisher
    from schemas.feeds import Feed

    tag = uuid.uuid4().hex[:8]
    # its own topics: the benchmark's articles never reach the real pipeline
    s = s.model_copy(update={"topic_raw": f"bench-{tag}.raw", "topic_dlq": f"bench-{tag}.dlq",
                             "topic_enriched": f"bench-{tag}.enriched", "topic_alerts": f"bench-{tag}.alerts",
                             "topic_rules": f"bench-{tag}.rules"})
    ensure_topics(s)
    site = FeedSite()
    site.feeds = {f"/feed{i}.xml": ("rss2", list(range(i * items, (i + 1) * items))) for i in range(feeds)}
    publisher = ArticlePublisher(s, make_producer(s, client_id="newswatch-bench"))
    results: list[PollResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = FeedStore(Path(tmp) / "feeds.sqlite")
        limits = replace(FetchLimits.from_settings(s), per_host=per_host, deadline_s=30)
        poller = Poller([Feed(url=site.url(p)) for p in site.feeds], store, publisher.send, publisher.acknowledge, limits)
        t0 = time.perf_counter()
        asyncio.run(poller.run(cycles=1, on_poll=results.append))
        elapsed = time.perf_counter() - t0
        store.close()
    publisher.producer.close()
    site.close()
    produced = sum(r.produced for r in results)
    return {"feeds": feeds, "items": feeds * items, "produced": produced, "errors": sum(r.status == "error" for r in results),
            "seconds": round(elapsed, 2), "items_per_s": round(produced / elapsed, 1), "per_host": per_host}

"""End-to-end throughput of the running pipeline: N articles produced at once, timed until every one is
searchable. Run against `newswatch stack up --pipeline [--workers N --indexers M]` to compare shapes."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pipeline.settings import Settings


def run_throughput(s: Settings, *, articles: int, body: str, timeout: float = 1800.0, progress: Any = None) -> dict[str, Any]:
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import ensure_topics, make_producer
    from producers.publisher import ArticlePublisher
    from producers.record import SourceRecord

    tag = uuid.uuid4().hex[:10]
    ensure_topics(s)
    publisher = ArticlePublisher(s, make_producer(s, client_id="newswatch-bench"))
    t0 = time.perf_counter()
    for i in range(articles):
        publisher.send(SourceRecord(f"bench-{i}", {"title": f"Bench {tag} {i}", "body": f"{body} ({tag} {i})",
                                                   "url": f"https://bench.example/{tag}/{i}"}))
    summary = publisher.flush()
    publisher.producer.close()
    produced = time.perf_counter() - t0
    es = make_es(s)
    found = 0
    while time.perf_counter() - t0 < timeout:
        es.indices.refresh(index=s.es_alias)
        found = int(es.count(index=s.es_alias, query={"match_phrase": {"title": f"bench {tag}"}})["count"])
        if progress:
            progress(found, articles)
        if found >= summary.sent:
            break
        time.sleep(1.0)  # polling the index, with the deadline above
    elapsed = time.perf_counter() - t0
    return {"articles": articles, "sent": summary.sent, "searchable": found, "produce_s": round(produced, 2),
            "seconds": round(elapsed, 2), "articles_per_s": round(found / elapsed, 1)}

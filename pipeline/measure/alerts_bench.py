"""Alert latency through the running pipeline: article produced -> alert delivered to a webhook.

Needs the stack with the worker and the alert deliverer (`newswatch stack up --pipeline`). Adds one rule
whose webhook is served here on 127.0.0.1, produces articles at a steady rate, and times each one from
`send` to the webhook's receipt. The rule is removed afterwards.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipeline.settings import Settings


def run_latency(s: Settings, *, rate: float, seconds: float, body: str, kind: str = "match",
                progress: Any = None) -> dict[str, Any]:
    """`kind="frequency"`: the rule counts its matches (a frequency rule of 1 within a minute, so every
    article fires), timing the path frequency and spike rules take: match, rule-hits topic, count table."""
    from pipeline.measure.stats import percentile
    from pipeline.clients.kafka import ensure_topics, make_producer
    from pipeline.clients.rules_store import delete_rule, put_rule
    from schemas.alerts import AlertRule

    token = "zq" + uuid.uuid4().hex[:10]
    received: dict[str, float] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            received.setdefault(data.get("article_id", ""), time.perf_counter())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    counting: dict[str, Any] = {"kind": "frequency", "min_count": 1, "window_s": 60.0} if kind == "frequency" else {}
    rule = AlertRule(name=f"bench-{token}", query=f"title:{token}",
                     webhooks=[f"http://127.0.0.1:{server.server_address[1]}/bench"], **counting)
    ensure_topics(s)
    put_rule(s, rule)
    producer = make_producer(s, client_id="newswatch-bench")
    sent: dict[str, float] = {}
    try:
        # one warm-up article, so the worker has loaded the rule before timing starts
        _send(producer, s, token, "warmup", body, sent)
        _wait(60, received, sent)
        received.clear()
        sent.clear()
        n = int(rate * seconds)
        start = time.perf_counter()
        for i in range(n):
            target = start + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            _send(producer, s, token, str(i), body, sent)
            if progress:
                progress(i + 1, n)
        producer.flush()
        _wait(max(30.0, seconds), received, sent)
    finally:
        producer.close()
        delete_rule(s, rule.name)
        server.shutdown()
    lat = [received[k] - sent[k] for k in sent if k in received]
    return {
        "rate_per_s": rate, "articles": len(sent), "delivered": len(lat),
        "p50_ms": round(percentile(lat, 50) * 1000, 1), "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1) if lat else None,
    }


def _send(producer: Any, s: Settings, token: str, suffix: str, body: str, sent: dict[str, float]) -> None:
    from schemas import article_id

    url = f"https://bench.newswatch.local/{token}/{suffix}"
    aid = article_id(url=url, source="bench", title="", body="")
    sent[aid] = time.perf_counter()
    producer.send(s.topic_raw, key=aid, value={"id": aid, "title": f"{token} {suffix}", "body": body, "url": url,
                                               "source": "bench"})


def _wait(timeout: float, received: dict[str, float], sent: dict[str, float]) -> None:
    """Until every sent article's alert has arrived (polled, with a deadline)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sent and set(sent) <= set(received):
            return
        time.sleep(0.05)
    raise TimeoutError(f"only {len(set(sent) & set(received))} of {len(sent)} alerts arrived within {timeout:.0f}s "
                       "(is `newswatch stack up --pipeline` running?)")

"""Alert latency through the running pipeline: article produced -> alert delivered to a webhook.

Needs the stack with the worker and the alert deliverer (`newswatch stack up --pipeline`). Adds one rule
whose webhook is served here on 127.0.0.1, produces articles at a steady rate, and times each one from
`send` to the webhook's receipt. The rule is removed afterwards.

Traffic (`plan`): by default one body again and again (a wire story republished by hundreds of sites);
the mixed mode sends distinct articles with storms among them (`storm_share` of the traffic rewritten
copies of a few stories, as outlets republish them), so alert latency can be read per kind. `rules`
loads that many plausible watch rules beside the timed one (no channels: they fire, are recorded, and
are sent nowhere), so matching works against a realistic rule set.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipeline.settings import Settings


@dataclass(frozen=True)
class Planned:
    """One article to send: its body and what kind of traffic it stands for."""

    body: str
    kind: str  # "repeat" (the one body again), "distinct", or "storm" (a copy of one of a few stories)


def plan(n: int, body: str, bodies: list[tuple[str, str]] | None = None, *, storm_share: float = 0.3,
         storms: int = 3, seed: int = 7) -> list[Planned]:
    """The articles a run sends, in order. With `bodies` (title, body): the first `storms` are the
    stories copied, the rest distinct articles taken in turn (again from the start when they run out)."""
    if not bodies:
        return [Planned(body, "repeat")] * n
    from pipeline.measure.stories import rewrite

    if len(bodies) < 2:
        raise ValueError("a mixed plan needs at least two bodies: a story to copy and a distinct article")
    storms = max(1, min(storms, len(bodies) - 1))
    stories, distinct = bodies[:storms], bodies[storms:]
    rng = random.Random(seed)
    out: list[Planned] = []
    d = 0
    for _ in range(n):
        if rng.random() < storm_share:
            title, text = stories[rng.randrange(storms)]
            out.append(Planned(rewrite(title, text, rng)[1], "storm"))
        else:
            out.append(Planned(distinct[d % len(distinct)][1], "distinct"))
            d += 1
    return out


def background_rules(bodies: list[str], n: int, token: str) -> list[Any]:
    """`n` plausible watch rules (match_bench's), named after this run so they can be removed."""
    from pipeline.measure.match_bench import random_rules
    from schemas.alerts import AlertRule

    return [AlertRule(name=f"bench-{token}-bg{i}", query=q)
            for i, q in enumerate(random_rules([{"body": b} for b in bodies], n))]


class Receiver:
    """A webhook on 127.0.0.1 that notes when each article's first alert arrived; `delay_s`: a slow one."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.received: dict[str, float] = {}
        self.requests = 0
        lock = threading.Lock()
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if delay_s:
                    time.sleep(delay_s)  # the slow receiver being measured
                with lock:
                    me.requests += 1
                    me.received.setdefault(data.get("article_id", ""), time.perf_counter())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # a real receiver's backlog: connections beyond 5 would wait on SYN retries
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bench"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def run_latency(s: Settings, *, rate: float, seconds: float, body: str, kind: str = "match",
                bodies: list[tuple[str, str]] | None = None, storm_share: float = 0.3, rules: int = 0,
                progress: Any = None) -> dict[str, Any]:
    """`kind="frequency"`: the rule counts its matches (a frequency rule of 1 within a minute, so every
    article fires), timing the path frequency and spike rules take: match, rule-hits topic, count table."""
    from pipeline.clients.kafka import ensure_topics, make_producer
    from pipeline.clients.rules_store import delete_rules, put_rules
    from schemas.alerts import AlertRule

    token = "zq" + uuid.uuid4().hex[:10]
    receiver = Receiver()
    counting: dict[str, Any] = {"kind": "frequency", "min_count": 1, "window_s": 60.0} if kind == "frequency" else {}
    rule = AlertRule(name=f"bench-{token}", query=f"title:{token}", webhooks=[receiver.url], **counting)
    extra = background_rules([b for _, b in bodies] if bodies else [body], rules, token) if rules else []
    ensure_topics(s)
    put_rules(s, [*extra, rule])  # the timed rule last: its first alert means the worker read them all
    producer = make_producer(s, client_id="newswatch-bench")
    sent: dict[str, float] = {}
    kinds: dict[str, str] = {}
    n = int(rate * seconds)
    try:
        # one warm-up article, so the worker has loaded the rules before timing starts
        _send(producer, s, token, "warmup", body, sent)
        _wait(300, receiver.received, sent)  # the worker may still be loading its models, or the rules
        receiver.received.clear()
        sent.clear()
        planned = plan(n, body, bodies, storm_share=storm_share)
        start = time.perf_counter()
        for i, p in enumerate(planned):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            kinds[_send(producer, s, token, str(i), p.body, sent)] = p.kind
            if progress:
                progress(i + 1, n)
        producer.flush()
        with suppress(TimeoutError):  # a pipeline that fell behind: reported as delivered of sent, not a crash
            _wait(max(60.0, seconds), receiver.received, sent)
    finally:
        producer.close()
        delete_rules(s, [rule.name, *(r.name for r in extra)])
        receiver.close()
    out = {"rate_per_s": rate, "articles": len(sent), "rules": len(extra) + 1, **_latency(sent, receiver.received)}
    if bodies:
        for k in ("distinct", "storm"):
            mine = {a: t for a, t in sent.items() if kinds.get(a) == k}
            out[k] = {"articles": len(mine), **_latency(mine, receiver.received)}
    return out


def _latency(sent: dict[str, float], received: dict[str, float]) -> dict[str, Any]:
    from pipeline.measure.stats import percentile

    lat = [received[k] - sent[k] for k in sent if k in received]
    return {"delivered": len(lat), "p50_ms": round(percentile(lat, 50) * 1000, 1),
            "p99_ms": round(percentile(lat, 99) * 1000, 1), "max_ms": round(max(lat) * 1000, 1) if lat else None}


def _send(producer: Any, s: Settings, token: str, suffix: str, body: str, sent: dict[str, float]) -> str:
    from schemas import article_id

    url = f"https://bench.newswatch.local/{token}/{suffix}"
    aid = article_id(url=url, source="bench", title="", body="")
    sent[aid] = time.perf_counter()
    producer.send(s.topic_raw, key=aid, value={"id": aid, "title": f"{token} {suffix}", "body": body, "url": url,
                                               "source": "bench"})
    return aid


def _wait(timeout: float, received: dict[str, float], sent: dict[str, float]) -> None:
    """Until every sent article's alert has arrived (polled, with a deadline)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sent and set(sent) <= set(received):
            return
        time.sleep(0.05)
    raise TimeoutError(f"only {len(set(sent) & set(received))} of {len(sent)} alerts arrived within {timeout:.0f}s "
                       "(is `newswatch stack up --pipeline` running?)")


def run_slow_webhook(s: Settings, *, alerts: int, delay_s: float, timeout: float = 600.0,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The deliverer's own loop (`alerts run`, in this process, on a topic and index of this run's own)
    against a webhook that takes `delay_s` per request: `alerts` alerts written onto the topic at once,
    timed from the first request until the last alert arrived."""
    from consumers import sink
    from consumers.alerts.deliverer import AlertDeliverer
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import ensure_topics, make_consumer, make_producer
    from schemas.alerts import AlertEvent, AlertRule

    token = "bench" + uuid.uuid4().hex[:8]
    s = s.model_copy(update={
        "topic_alerts": f"{token}.alerts", "alerts_group": f"{token}-alerts", "es_alerts_alias": f"{token}-news-alerts",
        "es_alerts_index": f"{token}-news-alerts-v1",
        "alerts_allow_targets": ",".join(filter(None, [s.alerts_allow_targets, "127.0.0.1"])),  # our own receiver
    })
    receiver = Receiver(delay_s)
    rule = AlertRule(name=f"bench-{token}", query="anything", webhooks=[receiver.url])
    ensure_topics(s)
    producer = make_producer(s, client_id="newswatch-bench")
    ids = []
    for i in range(alerts):
        a = AlertEvent(rule=rule.name, article_id=f"{token}-{i:05d}", title=f"Alert {i}")
        producer.send(s.topic_alerts, key=a.id, value=a.model_dump(mode="json"))
        ids.append(a.article_id)
    producer.flush()
    es = make_es(s)
    deliverer = AlertDeliverer(s, es, producer, rules=lambda: {rule.name: rule})
    consumer = make_consumer(s, s.topic_alerts, group_id=s.alerts_group)
    stop = threading.Event()
    loop = threading.Thread(target=sink.run, args=(consumer, deliverer),
                            kwargs={"batch_size": 500, "window_ms": 200, "should_stop": stop.is_set}, daemon=True)
    start = time.perf_counter()
    loop.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(receiver.received) < alerts:
            if progress:
                progress(len(receiver.received), alerts)
            time.sleep(0.2)
    finally:
        stop.set()
        loop.join(timeout=60)
        consumer.close()
        producer.close()
        receiver.close()
        es.options(ignore_status=404).indices.delete(index=s.es_alerts_index)
        es.options(ignore_status=404).indices.delete_index_template(name=s.es_alerts_alias)
    got = [receiver.received[i] for i in ids if i in receiver.received]
    first = min(got) - delay_s if got else start
    seconds = (max(got) - first) if got else float("nan")
    return {"alerts": alerts, "delivered": len(got), "requests": receiver.requests, "delay_s": delay_s,
            "seconds": round(seconds, 2), "alerts_per_s": round(len(got) / seconds, 1) if got and seconds else 0.0,
            "concurrency": s.alert_channel_concurrency, "widen_after_s": s.alert_channel_widen_s}

"""The console's speed: server time of the search page (hits, six facets, the map's counts and the
histogram) over a generated index of N articles, and the live stream's delay (article produced -> event
received by each of P connected pages) while the running pipeline takes a steady rate.

The search part needs only Elasticsearch: it fills its own alias (`PREFIX-news-articles` over the one index
`PREFIX-articles-v1`, PREFIX `bench-console` unless told; kept for the next run unless dropped) with
generated articles in the project's mapping and times the page in-process, which is the server's whole
work (parsing, the Elasticsearch round trips, rendering). The live part needs the pipeline
(`newswatch stack up --pipeline`): it starts a console of its own on a free port, connects the pages and
produces articles at the rate, each tagged with a token the pages look for.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from pipeline.settings import Settings

BENCH_PREFIX = "bench-console"
COUNTRIES = [("US", "Northern America", "Americas"), ("UA", "Eastern Europe", "Europe"), ("RU", "Eastern Europe", "Europe"),
             ("GB", "Northern Europe", "Europe"), ("FR", "Western Europe", "Europe"), ("DE", "Western Europe", "Europe"),
             ("CN", "Eastern Asia", "Asia"), ("JP", "Eastern Asia", "Asia"), ("IN", "Southern Asia", "Asia"),
             ("BR", "South America", "Americas"), ("NG", "Western Africa", "Africa"), ("ZA", "Southern Africa", "Africa"),
             ("AU", "Australia and New Zealand", "Oceania"), ("TR", "Western Asia", "Asia"), ("IR", "Southern Asia", "Asia"),
             ("IL", "Western Asia", "Asia"), ("EG", "Northern Africa", "Africa"), ("MX", "Central America", "Americas"),
             ("PL", "Eastern Europe", "Europe"), ("SY", "Western Asia", "Asia"), ("KR", "Eastern Asia", "Asia"),
             ("CA", "Northern America", "Americas"), ("IT", "Southern Europe", "Europe"), ("ES", "Southern Europe", "Europe")]
PERSONS = ["Volodymyr Zelensky", "Vladimir Putin", "Joe Biden", "Xi Jinping", "Emmanuel Macron", "Olaf Scholz",
           "Narendra Modi", "Rishi Sunak", "Recep Tayyip Erdogan", "Lula da Silva", "Fumio Kishida", "Antonio Guterres"]
ORGS = ["NATO", "United Nations", "European Union", "World Health Organization", "IMF", "Reuters", "Gazprom",
        "Ministry of Defence", "Red Cross", "World Bank", "OPEC", "African Union"]
SOURCES = ["wire", "reuters.example", "apnews.example", "bbc.example", "lemonde.example", "dw.example", "nhk.example",
           "aljazeera.example", "kyivindependent.example", "tass.example"]
LANGS = ["en"] * 8 + ["fr", "de", "es", "uk", "ru"]
QUERIES = ["Kharkiv", "missile OR drone", "ceasefire AND talks", '"peace talks"', "grain export*", "election",
           "sanctions -oil", "earthquake", "inflation AND bank", "summit", "protest*", "flood OR storm", "*"]


def _words(seed_text: str) -> list[str]:
    import re

    words = list(re.findall(r"[A-Za-z][a-z]{2,}", seed_text))
    extra = ("Kharkiv missile drone ceasefire talks peace grain export election sanctions oil earthquake inflation "
             "bank summit protest flood storm strike minister parliament army border refugees energy").split()
    return list(dict.fromkeys(words + extra))


def _doc(i: int, rng: random.Random, words: list[str], now: datetime, tag: str) -> dict[str, Any]:
    picks = rng.sample(COUNTRIES[: 6 + rng.randrange(len(COUNTRIES) - 6)], k=rng.randint(1, 3))
    title = " ".join(rng.choice(words) for _ in range(rng.randint(6, 12))).capitalize()
    body = " ".join(rng.choice(words) for _ in range(rng.randint(60, 160)))
    story = f"{tag}-s{rng.randrange(max(1, i // 3 + 1))}"
    when = now - timedelta(seconds=rng.randrange(60 * 86400))
    persons = rng.sample(PERSONS, k=rng.randint(0, 2))
    orgs = rng.sample(ORGS, k=rng.randint(0, 2))
    return {"id": f"{tag}-{i}", "title": title, "body": body, "url": f"https://bench.example/{tag}/{i}",
            "source": rng.choice(SOURCES), "language": rng.choice(LANGS), "published_at": when.isoformat(),
            "@timestamp": when.isoformat(), "countries": [c for c, _, _ in picks], "focus_countries": [picks[0][0]],
            "regions": sorted({r for _, sub, reg in picks for r in (sub, reg)}), "persons": persons, "organizations": orgs,
            "entities": [{"name": n, "type": "PERSON", "count": 1} for n in persons] +
                        [{"name": n, "type": "ORG", "count": 1} for n in orgs],
            "story_id": story, "event_id": story}  # as the indexer writes it: the event defaults to the story


def bench_settings(s: Settings, prefix: str = BENCH_PREFIX) -> Settings:
    return s.model_copy(update={"es_alias": f"{prefix}-news-articles", "es_index": f"{prefix}-articles-v1",
                                "es_index_period": "none"})


def drop_index(s: Settings, prefix: str = BENCH_PREFIX) -> list[str]:
    """Delete what `fill_index` created under PREFIX (its one index, with the alias, and its template), by
    exact name: never a pattern, so nobody else's index goes with it. Returns what was deleted."""
    from pipeline.clients.elasticsearch import make_es

    bs = bench_settings(s, prefix)
    es = make_es(bs, timeout=60)
    gone = []
    if es.indices.exists(index=bs.es_index):
        es.indices.delete(index=bs.es_index)
        gone.append(bs.es_index)
    if es.indices.exists_index_template(name=bs.es_alias):
        es.indices.delete_index_template(name=bs.es_alias)
        gone.append(f"template {bs.es_alias}")
    return gone


def fill_index(s: Settings, articles: int, *, seed_text: str, progress: Any = None, prefix: str = BENCH_PREFIX) -> int:
    """The bench alias holds at least `articles` generated documents (kept between runs); returns how many."""
    from elasticsearch import helpers

    from consumers.es_indices import ensure_article_index
    from pipeline.clients.elasticsearch import make_es

    bs = bench_settings(s, prefix)
    es = make_es(bs, timeout=120)
    index = ensure_article_index(es, bs)
    es.indices.refresh(index=bs.es_alias)
    have = int(es.count(index=bs.es_alias)["count"])
    if have >= articles:
        return have
    rng, words, now, tag = random.Random(have), _words(seed_text), datetime.now(timezone.utc), uuid.uuid4().hex[:6]

    def actions() -> Any:
        for i in range(have, articles):
            d = _doc(i, rng, words, now, tag)
            yield {"_index": index, "_id": d["id"], "_source": d}

    done = have
    for ok, _ in helpers.streaming_bulk(es, actions(), chunk_size=2000, raise_on_error=True):
        done += 1 if ok else 0
        if progress and done % 2000 == 0:
            progress(done, articles)
    es.indices.refresh(index=bs.es_alias)
    return int(es.count(index=bs.es_alias)["count"])


def time_search(s: Settings, *, requests: int = 200, warmup: int = 20, prefix: str = BENCH_PREFIX) -> dict[str, Any]:
    """Server time of /search (every query of QUERIES, with and without a country facet and a time range)."""
    from starlette.testclient import TestClient

    from pipeline.console.app import create_app
    from pipeline.measure.stats import percentile

    bs = bench_settings(s, prefix)
    rng = random.Random(7)
    urls = []
    for i in range(requests + warmup):
        q = QUERIES[i % len(QUERIES)]
        params = {"q": q}
        if rng.random() < 0.4:
            params["country"] = rng.choice(COUNTRIES)[0]
        if rng.random() < 0.3:
            params["range"] = rng.choice(["24h", "7d", "30d"])
        if rng.random() < 0.2:
            params["sort"] = "date"
        urls.append(params)
    times: list[float] = []
    totals = []
    # where a page's time goes: Elasticsearch's own `took`, the round trips' wall time (took + transport +
    # JSON), and the rest (parsing the query, reading the answer, rendering) is Python's
    es_took: list[float] = []
    es_wall: list[float] = []
    trips: list[int] = []
    app = create_app(bs, live=False)
    backend = app.app.state.console.backend  # type: ignore[attr-defined]
    call = backend.call
    spent = {"took": 0.0, "wall": 0.0, "trips": 0}

    def timed_call(what: str, fn: Any) -> Any:
        t0 = time.perf_counter()
        try:
            out = call(what, fn)
        finally:
            spent["wall"] += time.perf_counter() - t0
            spent["trips"] += 1
        answer = getattr(out, "body", out)  # the client's ObjectApiResponse or a plain dict
        if isinstance(answer, dict):
            spent["took"] += float(answer.get("took", 0)) / 1000
        return out

    backend.call = timed_call
    # every run starts from a cold shard request cache (of the bench's own index), and the figures are
    # also given over the searches seen for the first time in the run (a repeat, sort aside, may have its
    # aggregations answered from that cache)
    backend.es.indices.clear_cache(index=bs.es_index, request=True)
    seen: set[tuple[tuple[str, str], ...]] = set()
    first: list[bool] = []
    with TestClient(app, base_url="http://127.0.0.1:8600") as client:
        for i, params in enumerate(urls):
            key = tuple(sorted((k, v) for k, v in params.items() if k != "sort"))
            new = key not in seen
            seen.add(key)
            spent.update(took=0.0, wall=0.0, trips=0)
            t0 = time.perf_counter()
            resp = client.get("/search", params=params)
            elapsed = time.perf_counter() - t0
            if resp.status_code != 200 or "Search unavailable" in resp.text:
                raise RuntimeError(f"the search page failed ({resp.status_code}) for {params}")
            if i >= warmup:
                times.append(elapsed)
                es_took.append(spent["took"])
                es_wall.append(spent["wall"])
                trips.append(int(spent["trips"]))
                first.append(new)
                totals.append("class=\"total\"" in resp.text)
    python = [t - w for t, w in zip(times, es_wall, strict=True)]
    fresh = [t for t, f in zip(times, first, strict=True) if f]

    def ms(values: list[float], p: float) -> float:
        return round(percentile(values, p) * 1000, 1)

    return {"requests": len(times), "p50_ms": ms(times, 50), "p95_ms": ms(times, 95), "max_ms": round(max(times) * 1000, 1),
            "es_took_p50_ms": ms(es_took, 50), "es_took_p95_ms": ms(es_took, 95),
            "es_wall_p50_ms": ms(es_wall, 50), "es_wall_p95_ms": ms(es_wall, 95),
            "python_p50_ms": ms(python, 50), "python_p95_ms": ms(python, 95),
            "round_trips_mean": round(sum(trips) / len(trips), 2), "with_results_page": sum(totals),
            "first_seen": len(fresh), "first_seen_p50_ms": ms(fresh, 50) if fresh else None,
            "first_seen_p95_ms": ms(fresh, 95) if fresh else None}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_live(s: Settings, *, pages: int = 20, rate: float = 20.0, seconds: float = 30.0, body: str = "") -> dict[str, Any]:
    """Produce -> SSE delay at `rate` with `pages` pages connected to a console of our own (in this process)."""
    import httpx
    import uvicorn

    from pipeline.clients.kafka import ensure_topics, make_producer
    from pipeline.console.app import create_app
    from pipeline.measure.stats import percentile

    ensure_topics(s)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(s), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the benchmark's console did not start")
        time.sleep(0.05)  # waiting for our own server thread, with the deadline above
    token = "zl" + uuid.uuid4().hex[:10]
    sent: dict[str, float] = {}
    received: list[dict[str, float]] = [{} for _ in range(pages)]
    hub_seen: dict[str, float] = {}  # when the console's hub read each article (the event's `seen`)
    on_topic: dict[str, float] = {}  # when a plain consumer of articles.enriched saw each article
    connected = threading.Barrier(pages + 1, timeout=60)
    stop = threading.Event()

    def page(i: int) -> None:
        with httpx.Client(timeout=httpx.Timeout(10, read=None)) as c:
            with c.stream("GET", f"http://127.0.0.1:{port}/live/stream", params={"q": f"title:{token}"}) as r:
                connected.wait()
                event = ""
                for line in r.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "article":
                        item = json.loads(line[6:])
                        key = item["title"].rsplit(" ", 1)[-1]
                        now = time.time()
                        received[i].setdefault(key, now)
                        hub_seen.setdefault(key, float(item.get("seen") or now))

    def watch_topic() -> None:
        """The console's own part is measured from here: the record on articles.enriched, seen by a plain
        consumer in this process, to each page (the record keeps the raw one's timestamp, and the article's
        @timestamp is taken before the worker's batch is done, so neither can say)."""
        from kafka import TopicPartition

        from pipeline.clients.kafka import make_consumer

        consumer = make_consumer(s, group_id=None)
        parts = [TopicPartition(s.topic_enriched, p) for p in (consumer.partitions_for_topic(s.topic_enriched) or {0})]
        consumer.assign(parts)
        consumer.seek_to_end(*parts)
        for tp in parts:
            consumer.position(tp)
        watching.set()
        try:
            while not stop.is_set():
                for batch in consumer.poll(timeout_ms=200).values():
                    now = time.time()
                    for rec in batch:
                        if rec.value and token.encode() in rec.value:
                            title = json.loads(rec.value).get("title", "")
                            on_topic.setdefault(title.rsplit(" ", 1)[-1], now)
        finally:
            consumer.close()

    watching = threading.Event()
    threading.Thread(target=watch_topic, daemon=True).start()
    if not watching.wait(60):
        raise RuntimeError("could not read articles.enriched")
    threads = [threading.Thread(target=page, args=(i,), daemon=True) for i in range(pages)]
    for t in threads:
        t.start()
    connected.wait()
    # the hub joins Kafka asynchronously: wait until it is reading before the first article
    hub = _find_hub(server)
    deadline = time.monotonic() + 60
    while hub is None or hub.status != "connected":
        if time.monotonic() > deadline:
            raise RuntimeError("the console's live stream did not connect to Kafka")
        time.sleep(0.1)  # waiting for the hub, with the deadline above
    producer = make_producer(s, client_id="newswatch-bench-console")
    n = int(rate * seconds)
    start = time.perf_counter()
    try:
        for k in range(n):
            target = start + k / rate
            pause = target - time.perf_counter()
            if pause > 0:
                time.sleep(pause)  # pacing the producer at the rate
            key = f"k{k}"
            sent[key] = time.time()
            producer.send(s.topic_raw, value={"title": f"Console bench {token} {key}", "body": f"{body} {token}",
                                              "source": "bench", "url": f"https://bench.example/{token}/{k}"})
        producer.flush()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(len(r) < n for r in received):
            time.sleep(0.2)  # waiting for the stream to deliver, with the deadline above
    finally:
        producer.close()
        stop.set()
        server.should_exit = True
    delays = [r[k] - sent[k] for r in received for k in r if k in sent]
    console_part = [r[k] - on_topic[k] for r in received for k in r if k in on_topic]
    # the pipeline's part (produce -> articles.enriched: the worker, and any backlog it has), by when the
    # article was sent: a delay that grows from the first fifth to the last is a backlog building up
    order = [f"k{k}" for k in range(n) if f"k{k}" in on_topic]
    pipeline_part = [on_topic[k] - sent[k] for k in order]
    fifth = max(1, len(order) // 5)
    # the console's part split: its Kafka consumer reading the record (hub) vs the SSE push to the page
    hub_part = [hub_seen[k] - on_topic[k] for k in hub_seen if k in on_topic]
    stream_part = [r[k] - hub_seen[k] for r in received for k in r if k in hub_seen]

    def ms(values: list[float], p: float) -> int | None:
        return round(percentile(values, p) * 1000) if values else None

    return {"pages": pages, "rate_per_s": rate, "articles": n,
            "console_p50_ms": ms(console_part, 50), "console_p95_ms": ms(console_part, 95),
            "pipeline_p50_ms": ms(pipeline_part, 50), "pipeline_p95_ms": ms(pipeline_part, 95),
            "pipeline_first_fifth_p50_ms": ms(pipeline_part[:fifth], 50),
            "pipeline_last_fifth_p50_ms": ms(pipeline_part[-fifth:], 50),
            "hub_p50_ms": ms(hub_part, 50), "hub_p95_ms": ms(hub_part, 95),
            "stream_p50_ms": ms(stream_part, 50), "stream_p95_ms": ms(stream_part, 95),
            "received": len(delays), "expected": n * pages,
            "p50_ms": round(percentile(delays, 50) * 1000) if delays else None,
            "p95_ms": round(percentile(delays, 95) * 1000) if delays else None,
            "max_ms": round(max(delays) * 1000) if delays else None,
            "produce_s": round(time.perf_counter() - start, 1)}


def _find_hub(server: Any) -> Any:
    """The LiveHub of the console app uvicorn serves (the app is wrapped in the security middleware)."""
    app = server.config.app
    inner = getattr(app, "app", None)
    ctx = getattr(getattr(inner, "state", None), "console", None)
    return ctx.hub if ctx is not None else None

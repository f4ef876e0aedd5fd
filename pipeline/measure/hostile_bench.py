"""Enrichment cost of valid but adversarial articles: what one bad article may cost the worker.

Each case runs in a fresh process (spawned, like the worker's pool children), so its peak memory is its
own: the model and gazetteer loaded, then the one article enriched.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# name -> the article body, made from the seed text
CASES: dict[str, Callable[[str], str]] = {
    # a long capitalised run with no entity in it: the gazetteer scan's worst case
    "hyphenated-title-case-1000-words": lambda seed: " ".join(["Up-To-Date Well-Being"] * 500),
    # just under the 2 MB body limit, dense with entities and places
    "entity-dense-2mb": lambda seed: (seed + "\n\n") * (1_990_000 // (len(seed.encode("utf-8")) + 2)),
    # no space, no line, no sentence: nothing to cut the text at
    "one-word-2mb": lambda seed: "Ab" * 995_000,
    # 3 bytes a character, no spaces, every character a token
    "cjk-2mb": lambda seed: "北京東京" * 165_000,
    # an entity on every line
    "capitalised-lines-2mb": lambda seed: "Tokyo Moscow Kyiv Paris\n" * 82_000,
}


def _measure(body: str) -> dict[str, Any]:
    from pipeline.enrich import enrich_payloads, warm_up
    from schemas import ValidationLimits

    warm_up()
    warm_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    t0 = time.perf_counter()
    [outcome] = enrich_payloads([{"title": "Hostile case", "body": body}], ValidationLimits())
    return {
        "seconds": round(time.perf_counter() - t0, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "rss_after_warm_up_mb": warm_mb,
        "enriched": outcome.article is not None,
        "error": outcome.error,
    }


def run_case(name: str, seed: str) -> dict[str, Any]:
    body = CASES[name](seed)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result = pool.submit(_measure, body).result()
    return {"case": name, "bytes": len(body.encode("utf-8")), "words": len(body.split()), **result}


# name -> path on the local site (pipeline/measure/localsite.py): what one hostile feed may cost the poller
FEED_CASES = {"gzip-bomb-feed-1gb": "/hostile/bomb.xml", "one-byte-at-a-time-feed": "/hostile/trickle.xml"}


def _poll_once(url: str) -> dict[str, Any]:
    import asyncio
    import tempfile
    from pathlib import Path

    from pipeline.settings import Settings
    from producers.feeds.fetch import FetchLimits
    from producers.feeds.poller import Poller, PollResult
    from producers.feeds.store import FeedStore
    from schemas.feeds import Feed

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    results: list[PollResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = FeedStore(Path(tmp) / "feeds.sqlite")
        poller = Poller([Feed(url=url)], store, lambda rec: None, set, FetchLimits.from_settings(Settings()))
        t0 = time.perf_counter()
        asyncio.run(poller.run(cycles=1, on_poll=results.append))
        seconds = time.perf_counter() - t0
        store.close()
    return {"seconds": round(seconds, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "rss_before_mb": before_mb, "status": results[0].status, "error": results[0].error}


def run_feed_case(name: str) -> dict[str, Any]:
    """One poll of a hostile feed, the poller in a fresh process, the site in this one."""
    from pipeline.measure.localsite import FeedSite, gzip_bomb

    site = FeedSite()
    try:
        site._bomb = gzip_bomb(1024 * 1024 * 1024)  # noqa: SLF001 - the bench arms its own local site's bomb
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            result = pool.submit(_poll_once, site.url(FEED_CASES[name])).result()
    finally:
        site.close()
    wire = len(site._bomb) if "bomb" in name else None  # noqa: SLF001 - as above
    return {"case": name, "bytes_on_the_wire": wire, **result}

"""`newswatch bench enrich [FILE]`: throughput figures a closing note can quote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from pipeline.cli.common import console, out, print_json, settings
from pipeline.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Benchmarks (numbers for notes come from here, not from tests).")


@contextmanager
def _input_needed() -> Iterator[None]:
    """Nothing to measure on (no dev set, no seeds, an unreadable file): say what to name, exit 2."""
    from pipeline.measure.datasets import NoArticles

    try:
        yield
    except (OSError, NoArticles) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _articles(path: Path | None) -> Path:
    """The named file, else the dev set or the seeds found beside the current folder."""
    from pipeline.measure.datasets import default_articles

    if path is not None:
        return path
    with _input_needed():
        return default_articles(settings())


@app.command("enrich")
def enrich(
    path: Path = typer.Argument(None, help="articles (.jsonl, .json, .txt or a folder); default: the dev set"),
    limit: int = typer.Option(0, "--limit", help="use only the first N articles"),
    repeat: int = typer.Option(3, "--repeat", min=1, help="timed passes of each, taken in turn"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Articles per second: full enrichment vs the spaCy NER-only ceiling, one process, same texts."""
    from pipeline.measure.enrich_bench import bench_enrich, load_payloads

    src = _articles(path)
    payloads = load_payloads(src, limit or None)
    if not payloads:
        console.print(f"[red]no articles in {src}[/red]")
        raise typer.Exit(1)
    console.print(f"benchmarking enrichment on {len(payloads)} article(s) from {src} ...")
    b = bench_enrich(payloads, repeat=repeat)
    if json_:
        print_json(b.as_dict() | {"source": str(src)})
        return
    out.print(f"articles: {b.articles}  words: {b.words}")
    out.print(f"spaCy NER only (ceiling): {b.ner_only_aps:8.1f} articles/s  ({b.words / b.ner_only_s:,.0f} words/s)")
    out.print(f"full enrichment:          {b.full_aps:8.1f} articles/s  ({b.words / b.full_s:,.0f} words/s, "
              f"{b.chars / b.full_s:,.0f} characters/s)")
    out.print(f"full / ceiling:           {b.full_aps / b.ner_only_aps:8.1%}   (one process; the worker runs one per core)")
    out.print(f"passes (s, in turn):      ceiling {' '.join(f'{x:.2f}' for x in b.ner_only_passes)}   "
              f"full {' '.join(f'{x:.2f}' for x in b.full_passes)}")


@app.command("match")
def match(
    path: Path = typer.Argument(None, help="articles to match (default: the dev set, enriched first)"),
    rules: str = typer.Option("10,1000,5000,20000", "--rules", help="rule counts to compare, comma-separated"),
    mix: str = typer.Option("realistic", "--mix", help="realistic (20% proximity, 5% counts, 5% case/lead/site) "
                            "or plain (words, phrases, prefixes, countries only)"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Matching throughput (articles/s) and memory per rule, from few to many rules: the rule index at work."""
    from pipeline.measure.enrich_bench import load_payloads
    from pipeline.measure.match_bench import MIXES, bench_match, random_rules
    from pipeline.enrich import enrich_payloads
    from schemas import ValidationLimits

    if mix not in MIXES:
        console.print(f"[red]--mix is one of {', '.join(MIXES)}[/red]")
        raise typer.Exit(2)
    src = _articles(path)
    console.print(f"enriching {src} for the matching benchmark ...")
    docs = [o.article.document() for o in enrich_payloads(load_payloads(src), ValidationLimits()) if o.article]
    counts = [int(x) for x in rules.split(",")]
    results = [bench_match(docs, random_rules(docs, n, mix=mix)) for n in counts]
    if json_:
        print_json([{"rules": r.rules, "mix": mix, "articles": r.articles, "articles_per_s": round(r.articles_per_s, 1),
                     "match_only_articles_per_s": round(r.match_articles_per_s, 1), "alerts": r.alerts,
                     "bytes_per_rule": round(r.bytes_per_rule)} for r in results])
        return
    out.print(f"rule mix: {mix}")
    for r in results:
        out.print(f"{r.rules:>6} rules: {r.match_articles_per_s:9.1f} articles/s finding the rules that fire, "
                  f"{r.articles_per_s:9.1f} with alert events built  ({r.alerts} alerts over {r.articles} articles), "
                  f"{r.bytes_per_rule / 1024:.1f} KiB per rule")
    if len(results) > 1:
        a, b = results[0], results[-1]
        out.print(f"time per article, {b.rules} vs {a.rules} rules: {a.match_articles_per_s / b.match_articles_per_s:.2f}x "
                  f"matching, {a.articles_per_s / b.articles_per_s:.2f}x with alert events")


@app.command("alerts")
def alerts(
    rate: float = typer.Option(20.0, "--rate", help="articles per second"),
    seconds: float = typer.Option(30.0, "--seconds"),
    words: int = typer.Option(300, "--words", help="article length (the dev set averages ~280 words; 0: the "
                              "whole ~600-word seed)"),
    body_file: Path = typer.Option(None, "--body-file", help="the article text to send (default: the first of seeds/)"),
    kind: str = typer.Option("match", "--kind", help="match, or frequency: the counting path frequency and spike "
                             "rules take"),
    mixed: bool = typer.Option(False, "--mixed", help="distinct articles (the dev set's) with storms: --storm-share "
                               "of the traffic rewritten copies of three stories"),
    storm_share: float = typer.Option(0.3, "--storm-share", min=0.0, max=1.0),
    rules: int = typer.Option(0, "--rules", min=0, help="plausible watch rules loaded beside the timed one"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Alert latency, article produced -> alert at a webhook, at a steady rate (needs `stack up --pipeline`)."""
    from rich.progress import Progress

    from pipeline.measure.alerts_bench import run_latency

    s = settings()
    _webhooks_allowed(s)
    body, bodies = _bench_bodies(body_file, words, mixed)
    with Progress(console=console, transient=True, disable=json_) as progress:
        task = progress.add_task("producing", total=int(rate * seconds))
        r = run_latency(s, rate=rate, seconds=seconds, body=body, kind=kind, bodies=bodies, storm_share=storm_share,
                        rules=rules, progress=lambda i, n: progress.update(task, completed=i))
    if json_:
        print_json(r)
        return
    what = f"mixed ({storm_share:.0%} storm copies)" if mixed else f"of {len(body.split())} words"
    out.print(f"{r['articles']} articles {what} at {r['rate_per_s']:g}/s, {r['rules']} rule(s): alert latency "
              f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms ({r['delivered']} delivered)")
    for k in ("distinct", "storm"):
        if k in r:
            out.print(f"  {k}: {r[k]['articles']} articles, p50 {r[k]['p50_ms']} ms, p99 {r[k]['p99_ms']} ms")


def _webhooks_allowed(s: Settings) -> None:
    """The benchmark's webhook listens on 127.0.0.1, which deliverers refuse unless allowed."""
    from consumers.alerts.targets import UnsafeTarget, check_webhook

    try:
        check_webhook("http://127.0.0.1:1/bench", s)
    except UnsafeTarget as exc:
        console.print("[red]the alert deliverer must be allowed to reach 127.0.0.1[/red]: run both it "
                      "(`newswatch stack up --pipeline`) and this benchmark with NEWSWATCH_ALERTS_ALLOW_TARGETS=127.0.0.1")
        raise typer.Exit(2) from exc


def _bench_bodies(body_file: Path | None, words: int, mixed: bool) -> tuple[str, list[tuple[str, str]] | None]:
    """The repeated body, and with `mixed` the dev set's (title, body) pairs of 60 words or more."""
    from pipeline.measure.datasets import seed_text
    from pipeline.measure.enrich_bench import load_payloads

    with _input_needed():
        body = body_file.read_text(encoding="utf-8") if body_file else seed_text()
    body = " ".join(body.split(" ")[:words]) if words else body
    if not mixed:
        return body, None
    src = _articles(None)
    pairs = [(str(p.get("title") or ""), str(p.get("body") or "")) for p in load_payloads(src)]
    pairs = [(t, b) for t, b in pairs if len(b.split()) >= 60]
    if len(pairs) < 10:
        console.print(f"[red]{src} has {len(pairs)} article(s) of 60 words or more; the mixed stream needs at "
                      "least 10[/red]: set NEWSWATCH_DEV_SET to a larger file (the dev set has about 200)")
        raise typer.Exit(2)
    return body, pairs


@app.command("webhook")
def webhook(
    alerts: int = typer.Option(300, "--alerts", min=1),
    delay: float = typer.Option(1.0, "--delay", min=0.0, help="seconds the receiver takes per request"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Alerts per second a slow webhook receives: the deliverer's loop in this process, on a topic and an
    index of its own, against a local receiver taking --delay per request (needs Kafka and Elasticsearch)."""
    from pipeline.measure.alerts_bench import run_slow_webhook

    r = run_slow_webhook(settings(), alerts=alerts, delay_s=delay)
    if json_:
        print_json(r)
        return
    out.print(f"{r['delivered']} of {r['alerts']} alerts at a webhook taking {r['delay_s']:g} s per request in "
              f"{r['seconds']} s: {r['alerts_per_s']} alerts/s ({r['requests']} requests; up to {r['concurrency']} "
              f"at once once {r['widen_after_s']:g} s behind)")


@app.command("soak")
def soak(
    minutes: float = typer.Option(30.0, "--minutes", min=0.5),
    rate: float = typer.Option(10.0, "--rate", min=0.1, help="articles per second, mixed as `bench alerts --mixed`"),
    interval: float = typer.Option(30.0, "--interval", min=5.0, help="seconds between samples"),
    pid: list[str] = typer.Option([], "--pid", help="NAME=PID of a process to watch (default: the local stack's "
                                  "worker, indexer and deliverer, from their pid files)"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """The pipeline at a steady mixed rate for N minutes: RSS of every process (and its children), lag and
    alert latency every interval, then each process's RSS growth after the first 5 minutes."""
    from pipeline.measure.soak import run_soak

    s = settings()
    _webhooks_allowed(s)
    body, bodies = _bench_bodies(None, 300, True)
    watched = _soak_processes(s, pid)

    def show(x: Any) -> None:
        if not json_:
            rss = "  ".join(f"{k} {v:,.0f}" for k, v in x.rss_mb.items())
            out.print(f"{x.minute:6.1f} min  alerts p50 {x.p50_ms} ms p99 {x.p99_ms} ms ({x.delivered}/{x.sent})  "
                      f"lag {x.lag}  RSS MB {rss}")

    r = run_soak(s, minutes=minutes, rate=rate, body=body, bodies=bodies, processes=watched, interval_s=interval,
                 on_sample=show)
    if json_:
        print_json(r.as_dict())
        return
    for name, g in r.growth().items():
        out.print(f"{name}: {g['from_mb']:,.0f} -> {g['to_mb']:,.0f} MB after the first 5 minutes "
                  f"({g['growth_pct']:+.1f}%, {g['mb_per_min']:+.2f} MB/min)")


def _soak_processes(s: Settings, pids: list[str]) -> Callable[[], dict[str, int]]:
    """NAME=PID pairs, else the local stack's pipeline services (re-read at each sample: a restart counts)."""
    named: dict[str, int] = {}
    for p in pids:
        name, _, num = p.partition("=")
        if not num.isdigit():
            console.print(f"[red]--pid {p!r}: expected NAME=PID[/red]")
            raise typer.Exit(2)
        named[name] = int(num)
    if named:
        return lambda: named
    from deploy.local.stack import LocalStack

    stack = LocalStack(s, log=lambda m: None)
    return lambda: {name: pid for name, srv in stack.services.items() if (pid := srv.pid()) is not None}


@app.command("pipeline")
def pipeline_(
    articles: int = typer.Option(2000, "--articles", min=1),
    words: int = typer.Option(300, "--words", help="article length (0: the whole seed)"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """End-to-end throughput of the running pipeline: produce N articles, time until all are searchable
    (needs `stack up --pipeline`; compare `--workers 1` and `--workers 2`)."""
    from rich.progress import Progress

    from pipeline.measure.datasets import seed_text
    from pipeline.measure.pipeline_bench import run_throughput

    s = settings()
    with _input_needed():
        body = seed_text()
    body = " ".join(body.split(" ")[:words]) if words else body
    with Progress(console=console, transient=True, disable=json_) as progress:
        task = progress.add_task("searchable", total=articles)
        r = run_throughput(s, articles=articles, body=body, progress=lambda i, n: progress.update(task, completed=i))
    if json_:
        print_json(r)
        return
    out.print(f"{r['searchable']:,} of {r['articles']:,} articles searchable in {r['seconds']} s: "
              f"{r['articles_per_s']} articles/s end to end (produced in {r['produce_s']} s)")


@app.command("feeds")
def feeds(
    n: int = typer.Option(100, "--feeds"),
    items: int = typer.Option(20, "--items", help="items per feed"),
    per_host: int = typer.Option(8, "--per-host", help="concurrent requests to the one local host"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Items per second the poller sustains: feeds and pages from a local site, articles into Kafka."""
    from pipeline.measure.feeds_bench import run_feeds_bench

    console.print(f"polling {n} feeds x {items} items from a local site ...")
    r = run_feeds_bench(settings(), feeds=n, items=items, per_host=per_host)
    if json_:
        print_json(r)
        return
    out.print(f"{r['produced']} of {r['items']} items from {r['feeds']} feeds in {r['seconds']} s: "
              f"{r['items_per_s']} items/s (fetch, extract, produce; {r['per_host']} requests at a time)")


@app.command("hostile")
def hostile(
    case: list[str] = typer.Option([], "--case", help="only this case (repeatable); default: all"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Time and peak memory of enriching valid but adversarial articles, and of polling hostile feeds,
    one fresh process each."""
    from pipeline.measure.datasets import seed_text
    from pipeline.measure.hostile_bench import CASES, FEED_CASES, run_case, run_feed_case

    unknown = sorted(set(case) - set(CASES) - set(FEED_CASES))
    if unknown:
        console.print(f"[red]no case {', '.join(unknown)}[/red]; the cases: {', '.join([*CASES, *FEED_CASES])}")
        raise typer.Exit(2)
    with _input_needed():
        seed = seed_text()
    results = []
    for name in case or [*CASES, *FEED_CASES]:
        console.print(f"{'polling' if name in FEED_CASES else 'enriching'} {name} in a fresh process ...")
        results.append(run_feed_case(name) if name in FEED_CASES else run_case(name, seed))
    if json_:
        print_json(results)
        return
    for r in results:
        if r["case"] in FEED_CASES:
            out.print(f"{r['case']}: one poll in {r['seconds']} s, peak RSS {r['peak_rss_mb']:,} MB "
                      f"({r['rss_before_mb']:,} MB before); {r['status']}: {r['error']}")
            continue
        state = "enriched" if r["enriched"] else f"rejected: {r['error']}"
        out.print(f"{r['case']}: {r['bytes']:,} bytes, {r['words']:,} words in {r['seconds']} s, peak RSS "
                  f"{r['peak_rss_mb']:,} MB ({r['rss_after_warm_up_mb']:,} MB after loading the model); {state}")


@app.command("events")
def events(
    path: Path = typer.Argument(None, help="articles (.jsonl); default: the shipped event clustering set"),
    passes: int = typer.Option(5, "--passes", min=1, help="stream the articles this many times (new ids)"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Event clustering's cost per article (features, candidates, decision) against enrichment's."""
    import json

    from pipeline.measure.events import EVENTS_SET, bench_events

    src = path or EVENTS_SET
    with _input_needed():
        records = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    console.print(f"benchmarking events on {len(records)} article(s) from {src}, {passes} pass(es) ...")
    r = bench_events(records, passes=passes)
    if json_:
        print_json(r | {"source": str(src)})
        return
    out.print(f"enrichment: {r['enrichment_ms_per_article']:.2f} ms per article   events: "
              f"{r['events_ms_per_article']:.3f} ms per article ({r['streamed']} streamed, "
              f"{r['events_in_memory']} events in memory)   share: {r['share_of_enrichment']:.1%}")


@app.command("console")
def console_(
    articles: int = typer.Option(100_000, "--articles", min=1, help="generated articles in the bench index"),
    requests: int = typer.Option(200, "--requests", min=1, help="search pages timed"),
    pages: int = typer.Option(20, "--pages", min=0, help="Live pages connected (0: skip the live part)"),
    rate: float = typer.Option(20.0, "--rate", help="articles per second through the pipeline"),
    seconds: float = typer.Option(30.0, "--seconds"),
    prefix: str = typer.Option("bench-console", "--prefix", help="the generated index: PREFIX-articles-v1 under "
                               "the alias PREFIX-news-articles (kept for the next run unless --drop)"),
    drop: bool = typer.Option(False, "--drop", help="delete the generated index and its template afterwards"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """The console: search page server time p50/p95 (facets, map, histogram) over N generated articles
    (Elasticsearch only), with Elasticsearch's share of it, and the Live page's delay from produce with P
    pages connected (needs `stack up --pipeline`)."""
    from rich.progress import Progress

    from pipeline.measure.console_bench import drop_index, fill_index, time_live, time_search
    from pipeline.measure.datasets import seed_text

    s = settings()
    with _input_needed():
        text = seed_text()
    try:
        with Progress(console=console, transient=True, disable=json_) as progress:
            task = progress.add_task("indexing generated articles", total=articles)
            indexed = fill_index(s, articles, seed_text=text, prefix=prefix,
                                 progress=lambda i, n: progress.update(task, completed=i))
        result: dict[str, object] = {"indexed": indexed, "search": time_search(s, requests=requests, prefix=prefix)}
    finally:
        if drop:
            dropped = drop_index(s, prefix)
            if not json_:
                console.print(f"dropped {', '.join(dropped) or 'nothing'}")
    if pages:
        result["live"] = time_live(s, pages=pages, rate=rate, seconds=seconds, body=" ".join(text.split()[:300]))
    if json_:
        print_json(result)
        return
    sr: dict = result["search"]  # type: ignore[assignment]
    out.print(f"search page over {indexed:,} articles: p50 {sr['p50_ms']} ms, p95 {sr['p95_ms']} ms, "
              f"max {sr['max_ms']} ms ({sr['requests']} requests, facets + map + histogram); Elasticsearch took "
              f"p50 {sr['es_took_p50_ms']} / p95 {sr['es_took_p95_ms']} ms, its round trips p50 "
              f"{sr['es_wall_p50_ms']} / p95 {sr['es_wall_p95_ms']} ms ({sr['round_trips_mean']} a page), Python "
              f"p50 {sr['python_p50_ms']} / p95 {sr['python_p95_ms']} ms; the {sr['first_seen']} searches "
              f"seen first in the run: p50 {sr['first_seen_p50_ms']} ms, p95 {sr['first_seen_p95_ms']} ms")
    if pages:
        lv: dict = result["live"]  # type: ignore[assignment]
        out.print(f"live stream, {lv['pages']} pages at {lv['rate_per_s']:g} articles/s: delay from produce p50 "
                  f"{lv['p50_ms']} ms, p95 {lv['p95_ms']} ms, max {lv['max_ms']} ms "
                  f"({lv['received']:,} of {lv['expected']:,} events received); the console's own part "
                  f"(articles.enriched -> page) p50 {lv['console_p50_ms']} ms, p95 {lv['console_p95_ms']} ms "
                  f"(its consumer p50 {lv['hub_p50_ms']} / p95 {lv['hub_p95_ms']} ms, the push p50 "
                  f"{lv['stream_p50_ms']} / p95 {lv['stream_p95_ms']} ms); the pipeline's (produce -> "
                  f"articles.enriched) p50 {lv['pipeline_p50_ms']} ms, p95 {lv['pipeline_p95_ms']} ms, p50 "
                  f"{lv['pipeline_first_fifth_p50_ms']} ms in the first fifth, {lv['pipeline_last_fifth_p50_ms']} "
                  f"ms in the last")


@app.command("extract")
def extract(
    root: Path = typer.Argument(..., help="a folder of sets in the merged layout (SET/input/*.html, SET/GoldStandard/*.txt)"),
    sets: list[str] = typer.Option([], "--set", help="SET or SET:SPLIT-FILE (page names, one a line); repeatable; "
                                   "default: every set under ROOT"),
    compare: bool = typer.Option(True, "--compare/--no-compare", help="also trafilatura favor_precision as the "
                                 "poller had it before the ensemble (the speed to match), trafilatura's default, "
                                 "readability and Resiliparse alone"),
    limit: int = typer.Option(0, "--limit", help="the first N pages of each set"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Main-text extraction: 4-gram shingle precision / recall / F1 against gold bodies, and ms per page."""
    from pipeline.measure.extract_eval import candidates, evaluate, iter_sets

    spec = sets or sorted(p.name for p in root.iterdir() if (p / "GoldStandard").is_dir())
    results = []
    with _input_needed():
        for label, pages in iter_sets(root, spec):
            pages = pages[:limit] if limit else pages
            console.print(f"{label}: {len(pages)} page(s) ...")
            for r in evaluate(candidates(compare), pages):
                name = r.name
                results.append({"set": label, "extractor": name, "pages": r.scores.pages,
                                "precision": round(r.scores.precision, 4), "recall": round(r.scores.recall, 4),
                                "f1": round(r.scores.f1, 4), "ms_per_page": round(r.ms_per_page, 1),
                                "worst": r.worst[:5]})
                if not json_:
                    out.print(f"{label:<28} {name:<22} P {r.scores.precision:.3f}  R {r.scores.recall:.3f}  "
                              f"F1 {r.scores.f1:.3f}  {r.ms_per_page:7.1f} ms/page")
    if json_:
        print_json(results)


@app.command("startup")
def startup(
    runs: int = typer.Option(20, "--runs", min=1, help="worker start-ups, each into its own burst"),
    articles: int = typer.Option(2000, "--articles", min=1, help="articles per burst"),
    rate: float = typer.Option(200.0, "--rate", help="articles per second during a burst"),
    logdir: Path = typer.Option(Path(".newswatch/bench-startup"), "--logdir", help="the workers' logs"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """How often the stall watch fires when a worker starts into a burst (needs `stack up`; the runs use
    topics of their own)."""
    from pipeline.measure.startup_bench import run_startups

    def show(i: int, r: dict[str, Any]) -> None:
        state = r["crashed"] or "ran"
        console.print(f"run {i}{' (warm-up)' if not i else ''}: {r['seconds']} s, {state}, stall watch fired {r['stall_fired']}x, "
                      f"holes re-read {r['reread_hole']}x, dropped re-read {r['reread_dropped']}x  ({r['log']})")

    r = run_startups(settings(), runs=runs, articles=articles, per_s=rate, logdir=logdir, progress=show)
    if json_:
        print_json(r)
        return
    out.print(f"stall watch fired in {r['startups_with_stall']} of {r['runs']} start-ups ({r['stall_firings']} firings; "
              f"{r['articles_per_burst']} articles at {r['per_s']:g}/s, {r['partitions']} partitions; {r['crashed']} crashed)")

"""`newswatch demo [PATH...] [--wait SECONDS]`: what `make run` shows a new user.

Adds the example alert rules (pipeline/demo/examples.py), sends the sample corpus (seeds/) through the
running pipeline with a progress bar, waits until every article is searchable and the alerts have
landed, then prints a short tour: a search, the facets, the stories, the alert files, the console.

Idempotent: a rule already stored as it is is not written again, and an article already searchable is
not sent again (so no alert fires twice and no frequency rule counts an article twice).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.cli.common import console, out, safe, search_articles, settings
from pipeline.settings import Settings

TOUR_QUERY = "earthquake* OR séisme* OR землетрясени*"
ALERTS_WAIT_S = 30.0


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        paths: list[str] = typer.Argument(None, help="files or folders to send (default: seeds/)"),
        wait: float = typer.Option(180, "--wait", metavar="SECONDS", help="how long to wait for the pipeline"),
        tour: bool = typer.Option(True, "--tour/--no-tour", help="print the tour at the end"),
    ) -> None:
        """Example rules, the sample corpus through the pipeline, and a short tour of what it made."""
        from pipeline.clients.elasticsearch import make_es
        from pipeline.clients.kafka import ensure_topics

        s = settings()
        ensure_topics(s)
        deadline = time.monotonic() + wait
        rules = _ensure_rules(s)
        records, ids = _read(s, paths or ["seeds"])
        es = make_es(s)
        present = _indexed(es, s.es_alias, ids)
        todo = [r for r, i in zip(records, ids, strict=True) if i not in present]
        if todo:
            _send(s, todo)
        else:
            console.print(f"[green]all {len(ids)} sample article(s) already searchable[/green]: nothing sent")
        _wait_searchable(es, s, ids, deadline)
        # alerts follow the articles within seconds; a rule that has none by then is shown with none
        alerts = _wait_alerts(es, s, [r.name for r in rules],
                              min(deadline, time.monotonic() + ALERTS_WAIT_S) if todo else time.monotonic())
        if tour:
            _tour(s, rules, alerts, len(set(ids)))


def _ensure_rules(s: Settings) -> list[Any]:
    """Store each example rule unless it is stored already as it is; the proximity rule is `NEAR/5`
    when this checkout's parser accepts it, else the phrase."""
    from pipeline.clients.rules_store import load_rules, put_rule
    from pipeline.demo.examples import example_rules, same_rule
    from pipeline.query.rules import compile_rule

    stored = load_rules(s)
    rules = example_rules()
    for rule in rules:
        compile_rule(rule)
        if rule.name in stored and same_rule(stored[rule.name], rule):
            continue
        put_rule(s, rule)
        console.print(f"[green]rule {rule.name} saved[/green]: {safe(rule.full_query())}")
    return rules


def _read(s: Settings, paths: list[str]) -> tuple[list[Any], list[str]]:
    """The valid records of the corpus and their article ids (as the publisher derives them)."""
    from producers.files import expand, read
    from schemas import RawArticle, ValidationLimits

    limits = ValidationLimits(s.max_article_bytes)
    records: list[Any] = []
    ids: list[str] = []
    for target in expand(paths):
        for rec in read(target, source="seeds", limits=limits):
            if rec.payload is None:
                console.print(f"[red]skipped[/red] {safe(rec.origin)}: {safe(rec.error or '')}")
                continue
            try:
                ids.append(str(RawArticle.from_payload(rec.payload, limits).id))
            except ValueError as exc:
                console.print(f"[red]skipped[/red] {safe(rec.origin)}: {safe(str(exc).splitlines()[0])}")
                continue
            records.append(rec)
    if not records:
        console.print(f"[red]no articles in {', '.join(paths)}[/red]")
        raise typer.Exit(2)
    return records, ids


def _indexed(es: Any, alias: str, ids: list[str]) -> set[str]:
    """Which of `ids` are searchable now (none when the index does not exist yet)."""
    from elasticsearch import NotFoundError

    found: set[str] = set()
    try:
        es.indices.refresh(index=alias)
        for i in range(0, len(ids), 1000):
            chunk = ids[i:i + 1000]
            resp = es.search(index=alias, query={"ids": {"values": chunk}}, size=len(chunk), _source=False)
            found.update(h["_id"] for h in resp["hits"]["hits"])
    except NotFoundError:
        pass
    return found


def _send(s: Settings, records: list[Any]) -> None:
    from pipeline.clients.kafka import make_producer
    from producers.publisher import ArticlePublisher

    publisher = ArticlePublisher(s, make_producer(s))
    with Progress(TextColumn("[cyan]send[/cyan]"), BarColumn(), MofNCompleteColumn(), TextColumn("articles"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task("send", total=len(records))
        for rec in records:
            publisher.send(rec)
            progress.advance(task)
    summary = publisher.flush()
    publisher.producer.close()
    console.print(f"[green]sent {summary.sent - summary.failed}[/green] article(s) to {s.topic_raw}"
                  + (f", [red]rejected {summary.rejected}[/red]" if summary.rejected else ""))
    if summary.failed:
        console.print(f"[red]{summary.failed} not acknowledged by Kafka[/red]")
        raise typer.Exit(1)


def _wait_searchable(es: Any, s: Settings, ids: list[str], deadline: float) -> None:
    want = set(ids)
    with Progress(TextColumn("[cyan]enrich + index[/cyan]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("searchable"), TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task("index", total=len(want))
        while True:
            found = len(_indexed(es, s.es_alias, sorted(want)))
            progress.update(task, completed=found)
            if found >= len(want):
                return
            if time.monotonic() > deadline:
                break
            time.sleep(1.0)
    console.print(f"[red]only {found} of {len(want)} article(s) searchable in time[/red] (are the worker and "
                  f"the indexer running? `newswatch status`; logs in {s.state_dir / 'logs'})")
    raise typer.Exit(1)


def _alert_counts(es: Any, s: Settings, names: list[str]) -> dict[str, int]:
    from elasticsearch import NotFoundError

    try:
        es.indices.refresh(index=s.es_alerts_alias)
        resp = es.search(index=s.es_alerts_alias, size=0, query={"terms": {"rule": names}},
                         aggs={"rules": {"terms": {"field": "rule", "size": len(names)}}})
    except NotFoundError:
        return {}
    return {b["key"]: b["doc_count"] for b in resp["aggregations"]["rules"]["buckets"]}


def _wait_alerts(es: Any, s: Settings, names: list[str], deadline: float) -> dict[str, int]:
    """The example rules' alerts recorded by the deliverer, once every rule has some (or time is up)."""
    while True:
        counts = _alert_counts(es, s, names)
        if all(counts.get(n) for n in names) or time.monotonic() > deadline:
            return counts
        time.sleep(1.0)


def _tour(s: Settings, rules: list[Any], alerts: dict[str, int], articles: int) -> None:
    from pipeline.query.search import build_query, parse_response

    out.print(f"\n[bold]The tour[/bold] ({articles} sample articles searchable)\n")
    out.print(f"[bold]1. A search[/bold]: newswatch search {safe(repr(TOUR_QUERY))} --limit 3")
    result = parse_response(search_articles(s, build_query(TOUR_QUERY, limit=3)))
    out.print(f"   {result.total} article(s) match")
    for h in result.hits:
        date = (str(h.published_at) or "")[:10]
        out.print(f"   - [cyan]{safe(h.title[:110])}[/cyan]  [dim]{date} {', '.join(h.countries[:4])}[/dim]")
    overview = search_articles(s, {"size": 0, "track_total_hits": True, "aggs": {
        "languages": {"terms": {"field": "language", "size": 12}},
        "countries": {"terms": {"field": "countries", "size": 10}},
        "regions": {"terms": {"field": "regions", "size": 8}},
        "sources": {"cardinality": {"field": "source"}},
        "stories": {"terms": {"field": "event_id", "size": 5, "min_doc_count": 2}},
        "storied": {"cardinality": {"field": "event_id"}},
    }})
    aggs = overview.get("aggregations", {})
    out.print("\n[bold]2. The facets[/bold] (everything indexed; `newswatch search '*'` shows them too)")
    for name in ("languages", "countries", "regions"):
        buckets = aggs.get(name, {}).get("buckets", [])
        out.print(f"   {name}: " + ", ".join(f"{safe(str(b['key']))} ({b['doc_count']})" for b in buckets))
    out.print(f"   sources: {aggs.get('sources', {}).get('value', 0)}")
    out.print("\n[bold]3. The stories[/bold] (every article about one event shares an event_id; `newswatch search QUERY --collapse`)")
    total = overview.get("hits", {}).get("total", {})
    out.print(f"   {total.get('value', 0) if isinstance(total, dict) else total} article(s) in "
              f"{aggs.get('storied', {}).get('value', 0)} stories; the largest:")
    for b in aggs.get("stories", {}).get("buckets", []):
        first = search_articles(s, {"size": 1, "query": {"ids": {"values": [b["key"]]}}, "_source": ["title"]})
        hits = first.get("hits", {}).get("hits", [])
        title = hits[0]["_source"].get("title", b["key"]) if hits else b["key"]
        out.print(f"   - {b['doc_count']} articles: {safe(str(title)[:110])}")
    out.print(f"\n[bold]4. The alerts[/bold] (rules: `newswatch rules list`; index {s.es_alerts_alias})")
    for rule in rules:
        for f in rule.files:
            path = s.alerts_folder / f
            lines = _lines(path)
            out.print(f"   {rule.name:<26} {alerts.get(rule.name, 0):>3} alert(s) -> {path} ({lines} line(s))")
            out.print(f"   {'':<26} [dim]{safe(rule.full_query()[:100])}[/dim]")
    out.print(f"\n[bold]5. The console[/bold]: http://{s.console_host}:{s.console_port}/  (`newswatch console`)")
    out.print("\nThe stack keeps running. Try  newswatch search Bolsonaro --collapse,  newswatch status,  "
              "newswatch alerts tail.  Stop everything:  make down")


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0

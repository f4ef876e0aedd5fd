"""`newswatch feeds add|list|rm|run|status`: continuous feed monitoring."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from pipeline.cli.common import console, fail, out, print_json, safe, settings

app = typer.Typer(no_args_is_help=True, help="RSS/Atom feeds: the list (feeds.toml) and the poller.")


@app.command()
def add(
    url: str,
    name: str = typer.Option(None, "--name"),
    interval: str = typer.Option("5m", "--interval", help="how often to poll: 30s, 5m, 1h"),
) -> None:
    """Add a feed to the list (or change its name / interval)."""
    from producers.feeds.config import load_feeds, save_feeds
    from schemas.alerts import parse_duration
    from schemas.feeds import Feed

    s = settings()
    try:
        feed = Feed(url=url, name=name, interval_s=parse_duration(interval))
    except ValueError as exc:
        fail("invalid feed", exc, field={"url": "URL", "name": "--name", "interval_s": "--interval"})
    feeds = [f for f in load_feeds(s.feeds_file) if f.url != url] + [feed]
    save_feeds(s.feeds_file, feeds)
    console.print(f"[green]feed added[/green] to {s.feeds_file}: {safe(url)} every {interval}")


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json")) -> None:
    """The feeds in the list."""
    from producers.feeds.config import load_feeds

    s = settings()
    feeds = load_feeds(s.feeds_file, default_interval_s=s.feeds_default_interval_s)
    if json_:
        print_json([f.model_dump() for f in feeds])
        return
    if not feeds:
        out.print(f"no feeds in {s.feeds_file}")
    for f in feeds:
        out.print(f"{safe(f.url)}  {safe(f.name or '')}  every {f.interval_s:g}s")


@app.command()
def rm(url: str) -> None:
    """Remove a feed from the list."""
    from producers.feeds.config import load_feeds, save_feeds

    s = settings()
    feeds = load_feeds(s.feeds_file)
    if not any(f.url == url for f in feeds):
        console.print(f"[red]no feed {safe(url)} in {s.feeds_file}[/red]")
        raise typer.Exit(1)
    save_feeds(s.feeds_file, [f for f in feeds if f.url != url])
    console.print(f"[green]feed removed[/green]: {safe(url)}")


@app.command()
def run(cycles: int = typer.Option(0, "--cycles", help="stop after N polls of each feed (0: run until stopped)")) -> None:
    """Poll every feed on its own interval and produce each new item once, as a full article."""
    from pipeline.observe import metrics
    from pipeline.clients.kafka import ensure_topics, make_producer
    from producers.feeds.config import load_feeds
    from producers.feeds.fetch import FetchLimits
    from producers.feeds.poller import Poller
    from producers.feeds.store import FeedStore
    from producers.publisher import ArticlePublisher

    s = settings()
    feeds = load_feeds(s.feeds_file, default_interval_s=s.feeds_default_interval_s)
    if not feeds:
        console.print(f"[red]no feeds in {s.feeds_file}[/red]: add one with `newswatch feeds add URL`")
        raise typer.Exit(1)
    ensure_topics(s, timeout=s.kafka_start_retry_s)
    publisher = ArticlePublisher(s, make_producer(s, client_id="newswatch-feeds"))
    store = FeedStore(s.state_dir / "feeds.sqlite")
    poller = Poller(feeds, store, publisher.send, publisher.acknowledge, FetchLimits.from_settings(s),
                    seen_days=s.feeds_seen_days)
    metrics.serve(s.metrics_port_feeds, "feeds", s)
    logging.getLogger("newswatch.feeds").info("polling %d feed(s) from %s", len(feeds), s.feeds_file)

    async def main() -> None:
        task = asyncio.ensure_future(poller.run(cycles=cycles or None))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    try:
        asyncio.run(main())
    finally:
        publisher.flush()
        publisher.producer.close()
        store.close()


@app.command()
def status(json_: bool = typer.Option(False, "--json")) -> None:
    """Per feed: last poll, last success, items produced, current error."""
    from producers.feeds.config import load_feeds
    from producers.feeds.store import FeedStore

    s = settings()
    store = FeedStore(s.state_dir / "feeds.sqlite")
    listed = {f.url for f in load_feeds(s.feeds_file)}
    rows = [st for st in store.all_status() if st.url in listed or not listed]
    rows += [store.status(u) for u in sorted(listed - {r.url for r in rows})]
    store.close()
    if json_:
        print_json([r.model_dump(mode="json", exclude={"etag", "last_modified"}) for r in rows])
        return
    for r in rows:
        state = f"[red]{safe(r.error)}[/red] ({r.failures} failure(s))" if r.error else "[green]ok[/green]"
        out.print(f"{safe(r.url)}  last poll {r.last_poll or '-'}  last success {r.last_success or '-'}  "
                  f"items {r.items_produced}  {state}")

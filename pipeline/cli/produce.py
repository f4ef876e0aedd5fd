"""`newswatch produce PATH... [--source NAME]`: files, folders or stdin onto `articles.raw`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.cli.common import console, print_json, settings, stop_on_signals
from pipeline.settings import Settings

if TYPE_CHECKING:
    from producers.publisher import ArticlePublisher


def register(app: typer.Typer) -> None:
    @app.command()
    def produce(
        paths: list[str] = typer.Argument(..., help="files (.txt .json .jsonl), folders, or - for JSON lines on stdin"),
        source: str = typer.Option(None, "--source", help="source name for articles that do not carry one"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
        wait: float = typer.Option(0, "--wait", metavar="SECONDS",
                                   help="then wait up to this long until every sent article is searchable"),
        follow: bool = typer.Option(False, "--follow", help="watch the folder(s) and send files as they appear"),
    ) -> None:
        """Validate and send articles; invalid records go to the dead-letter topic with the reason."""
        from pipeline.clients.kafka import ensure_topics, make_producer
        from producers.files import expand, read
        from producers.publisher import ArticlePublisher

        s = settings()
        ensure_topics(s)
        publisher = ArticlePublisher(s, make_producer(s))
        if follow:
            _follow(publisher, [Path(p) for p in paths], json_)
            return
        targets = expand(paths)
        with Progress(
            TextColumn("[cyan]produce[/cyan]"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TimeElapsedColumn(), console=console, transient=True, disable=len(targets) < 20 or json_,
        ) as progress:
            task = progress.add_task("files", total=len(targets))
            for target in targets:
                for rec in read(target, source=source, limits=publisher.limits):
                    publisher.send(rec)
                progress.advance(task)
        summary = publisher.flush()
        publisher.producer.close()
        if json_:
            print_json(summary.as_dict())
        else:
            console.print(f"[green]sent {summary.sent - summary.failed}[/green] article(s) to {s.topic_raw}, "
                          f"[{'red' if summary.rejected else 'green'}]rejected {summary.rejected}[/] to {s.topic_dlq}"
                          + (f", [red]{summary.failed} not acknowledged by Kafka[/red]" if summary.failed else ""))
            for r in summary.rejections[:50]:
                console.print(f"  [red]rejected[/red] {r['where']}: {r['reason']}")
            if len(summary.rejections) > 50:
                console.print(f"  ... and {len(summary.rejections) - 50} more (use --json for all)")
        if summary.failed:
            raise typer.Exit(1)
        if wait > 0:
            _wait_indexed(s, sorted(set(summary.ids)), wait, quiet=json_)


def _follow(publisher: ArticlePublisher, folders: list[Path], as_json: bool) -> None:
    """Send every file that appears in the folders, until Ctrl-C / SIGTERM."""
    from producers.files import read
    from producers.follow import follow

    stop = stop_on_signals()
    for folder in folders:
        if not folder.is_dir():
            console.print(f"[red]--follow needs folders; {folder} is not one[/red]")
            raise typer.Exit(2)
    console.print(f"[cyan]produce[/cyan] watching {', '.join(map(str, folders))} (Ctrl-C to stop)")
    for path in follow(folders, should_stop=stop.is_set):
        before = (publisher.summary.sent, publisher.summary.rejected)
        for rec in read(path, limits=publisher.limits):
            publisher.send(rec)
        publisher.flush()
        sent, rejected = publisher.summary.sent - before[0], publisher.summary.rejected - before[1]
        if as_json:
            print_json({"file": str(path), "sent": sent, "rejected": rejected})
        else:
            console.print(f"[cyan]produce[/cyan] {path}: sent {sent}, rejected {rejected}")
    publisher.producer.close()


def _wait_indexed(s: Settings, ids: list[str], timeout: float, *, quiet: bool) -> None:
    import time

    from pipeline.clients.elasticsearch import make_es

    es = make_es(s)
    deadline = time.monotonic() + timeout
    found = 0
    while time.monotonic() < deadline:
        found = _count_indexed(es, s.es_alias, ids)
        if found >= len(ids):
            if not quiet:
                console.print(f"[green]all {len(ids)} article(s) searchable[/green]")
            return
        time.sleep(0.5)
    console.print(f"[red]only {found} of {len(ids)} article(s) searchable after {timeout:.0f}s[/red] "
                  f"(is `newswatch worker` and `newswatch index` running? see {s.state_dir / 'logs'})")
    raise typer.Exit(1)


def _count_indexed(es: Any, alias: str, ids: list[str]) -> int:
    """How many of `ids` are searchable now (0 when the index does not exist yet)."""
    from elasticsearch import NotFoundError

    if not ids:
        return 0
    try:
        es.indices.refresh(index=alias)
        return int(es.count(index=alias, query={"ids": {"values": ids}})["count"])
    except NotFoundError:
        return 0

"""`newswatch status [--json] [--expect NAMES]`: the pipeline's health on one screen; exit 1 when something
needs a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from pipeline.cli.common import out, print_json, safe, settings

if TYPE_CHECKING:
    from pipeline.settings import Settings
    from schemas.status import StatusReport


def register(app: typer.Typer) -> None:
    @app.command()
    def status(
        json_: bool = typer.Option(False, "--json"),
        expect: str = typer.Option(None, "--expect", help="processes that must be up, comma-separated (default: "
                                   "worker,indexer,alerts, and feeds when feeds.toml lists feeds)"),
    ) -> None:
        """Processes, rates and latencies over the last minute, lag per group, dead letters of the last hour,
        failing feeds, disk used. Exit code 1 when something needs a person."""
        s = settings()
        report = collect(s, expect={e.strip() for e in expect.split(",") if e.strip()} if expect is not None else None)
        if json_:
            print_json(report.model_dump(mode="json"))
        else:
            _show(report)
        if not report.ok:
            raise typer.Exit(1)


def collect(s: Settings, *, expect: set[str] | None = None) -> StatusReport:
    """`pipeline.observe.status.collect`, handed the local stack and the feed poller's store to ask."""
    from deploy.local.stack import LocalStack
    from pipeline.observe import status
    from producers.feeds.health import FeedHealth

    return status.collect(s, servers=LocalStack(s, log=lambda m: None),
                          feeds=FeedHealth(s.feeds_file, s.state_dir / "feeds.sqlite"), expect=expect)


def _show(report: object) -> None:
    from schemas.status import StatusReport

    assert isinstance(report, StatusReport)
    out.print("[bold green]all well[/bold green]" if report.ok else f"[bold red]{len(report.problems)} problem(s)[/bold red]")
    for problem in report.problems:
        out.print(f"  [red]•[/red] {safe(problem)}")
    out.print("\n[bold]processes[/bold]")
    for p in report.processes:
        state = "[green]up[/green]" if p.up else ("[red]down[/red]" if p.expected else "[dim]not running[/dim]")
        extra = []
        if p.uptime_s is not None:
            extra.append(f"up {_duration(p.uptime_s)}")
        if p.rss_bytes:
            extra.append(f"{p.rss_bytes / 2**20:,.0f} MB")
        extra += [f"{k} {v:g}/s" for k, v in sorted(p.rates_per_s.items())]
        extra += [f"{k} {v * 1000:,.0f} ms" for k, v in sorted(p.latency_s.items())]
        out.print(f"  {p.name:<13} {state}  {safe(p.detail)}" + (f"  [dim]{'; '.join(extra)}[/dim]" if extra else ""))
    if report.lag:
        out.print("\n[bold]lag[/bold]")
        for g in report.lag:
            out.print(f"  {safe(g.group):<28} {safe(g.topic):<28} {g.lag:>8,}")
    out.print("\n[bold]dead letters, last hour[/bold]: " +
              (", ".join(f"{k} {v:,}" for k, v in sorted(report.dead_letters_last_hour.items())) or "none"))
    if report.failing_feeds:
        out.print("[bold]failing feeds[/bold]: " + safe("; ".join(report.failing_feeds)))
    out.print("[bold]disk[/bold]: " + ", ".join(f"{k} {v / 2**20:,.0f} MB" for k, v in report.disk_bytes.items()))


def _duration(seconds: float) -> str:
    m, sec = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return f"{d}d{h}h" if d else f"{h}h{m}m" if h else f"{m}m{sec}s"

"""`newswatch stack up|down|status`: the local Kafka + Elasticsearch."""

from __future__ import annotations

import typer

from deploy.local.stack import LocalStack, StackError
from pipeline.cli.common import console, print_json, settings

app = typer.Typer(no_args_is_help=True, help="Local Kafka + Elasticsearch on 127.0.0.1 (no Docker).")


def _stack() -> LocalStack:
    return LocalStack(settings(), log=lambda m: console.print(f"[cyan]stack[/cyan] {m}"))


@app.command()
def up(
    kafka: bool = typer.Option(True, help="start Kafka"),
    elasticsearch: bool = typer.Option(True, help="start Elasticsearch"),
    pipeline: bool = typer.Option(False, "--pipeline", help="also start the worker and the indexer"),
) -> None:
    """Fetch (once), start and wait for both servers; create the pipeline's topics."""
    from pipeline.clients.kafka import ensure_topics

    stack = _stack()
    try:
        stack.up(kafka=kafka, elasticsearch=elasticsearch)
    except StackError as exc:
        console.print(f"[red]stack up failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if kafka:
        created = ensure_topics(stack.s)
        if created:
            console.print(f"[cyan]stack[/cyan] created topics {', '.join(created)}")
    if pipeline:
        stack.start_pipeline()
    console.print(f"[green]stack up[/green]: logs in {stack.logs}")


@app.command()
def down() -> None:
    """Stop exactly the processes `up` started, pipeline included (data is kept)."""
    stopped = _stack().down()
    console.print(f"[green]stack down[/green]: {'stopped ' + ', '.join(stopped) if stopped else 'nothing was running'}")


@app.command()
def status(json_: bool = typer.Option(False, "--json", help="print JSON for scripts")) -> None:
    """Whether each server runs and answers."""
    st = _stack().status()
    if json_:
        print_json(st)
    else:
        for name, info in st.items():
            state = "[green]healthy[/green]" if info["healthy"] else "[red]down[/red]"
            pid = f"pid {info['pid']}" if info["pid"] else "not started by this stack"
            console.print(f"{name:<14} {state}  {info['address']}  {pid}  log {info['log']}")
    if not all(i["healthy"] for i in st.values()):
        raise typer.Exit(1)

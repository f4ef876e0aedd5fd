"""`newswatch stack up|down|status`: the local Kafka + Elasticsearch."""

from __future__ import annotations

import json

import typer

from deploy.local.stack import LocalStack, StackError
from pipeline.cli.common import console, print_json, settings

app = typer.Typer(no_args_is_help=True, help="Local Kafka + Elasticsearch on 127.0.0.1 (no Docker).")


def _stack(**shape: int | None) -> LocalStack:
    """The stack as configured, or as `up` last started it (its shape is kept in the state folder, so
    `down` and `status` find every node), or as the options given now."""
    s = settings()
    saved = s.state_dir / "stack-shape.json"
    given = {k: v for k, v in shape.items() if v is not None}
    if given:
        saved.parent.mkdir(parents=True, exist_ok=True)
        old = json.loads(saved.read_text()) if saved.exists() else {}
        saved.write_text(json.dumps(old | given))
    if saved.exists():
        s = s.model_copy(update=json.loads(saved.read_text()))
    return LocalStack(s, log=lambda m: console.print(f"[cyan]stack[/cyan] {m}"))


@app.command()
def up(
    kafka: bool = typer.Option(True, help="start Kafka"),
    elasticsearch: bool = typer.Option(True, help="start Elasticsearch"),
    pipeline: bool = typer.Option(False, "--pipeline", help="also start the worker, the indexer, the deliverer and the console"),
    kafka_brokers: int = typer.Option(None, "--kafka-brokers", min=1, max=9, help="a KRaft cluster of N brokers"),
    es_nodes: int = typer.Option(None, "--es-nodes", min=1, max=9, help="an Elasticsearch cluster of N nodes"),
    workers: int = typer.Option(None, "--workers", min=1, max=16, help="with --pipeline: this many workers"),
    indexers: int = typer.Option(None, "--indexers", min=1, max=16, help="with --pipeline: this many indexers"),
) -> None:
    """Fetch (once), start and wait for the servers; create the pipeline's topics."""
    from pipeline.clients.kafka import ensure_topics

    stack = _stack(stack_kafka_brokers=kafka_brokers, stack_es_nodes=es_nodes, stack_workers=workers,
                   stack_indexers=indexers)
    try:
        stack.up(kafka=kafka, elasticsearch=elasticsearch)
    except StackError as exc:
        console.print(f"[red]stack up failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if kafka:
        created = ensure_topics(stack.client_settings())
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
            health = f"  cluster {info['cluster_health']}" if info.get("cluster_health") else ""
            console.print(f"{name:<16} {state}  {info['address']}  {pid}{health}  log {info['log']}")
    if not all(i["healthy"] for i in st.values()):
        raise typer.Exit(1)

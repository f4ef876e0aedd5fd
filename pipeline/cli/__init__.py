"""`newswatch`: one module per command group, each a few lines calling into the rooms."""

from __future__ import annotations

import typer

from pipeline.cli import (alerts, bench, console, demo, dlq, enrich, evaluate, extract, feeds, indexer, kibana, produce,
                          rules, search, stack, status, worker)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Streaming ingestion pipeline for news.")
app.add_typer(stack.app, name="stack")
app.add_typer(bench.app, name="bench")
app.add_typer(rules.app, name="rules")
app.add_typer(alerts.app, name="alerts")
app.add_typer(feeds.app, name="feeds")
app.add_typer(dlq.app, name="dlq")
app.add_typer(indexer.app, name="index")
app.add_typer(kibana.app, name="kibana")
for module in (produce, worker, enrich, extract, search, evaluate, status, console, demo):
    module.register(app)


@app.callback()
def _options(
    log_format: str = typer.Option(None, "--log-format", help="text, or json: one object per line, for log "
                                   "shippers (default: NEWSWATCH_LOG_FORMAT, else text)"),
) -> None:
    from pipeline.cli.common import settings
    from pipeline.observe.logs import configure

    configure(log_format or settings().log_format)


def main() -> None:
    app()

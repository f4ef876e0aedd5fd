"""`newswatch`: one module per command group, each a few lines calling into the rooms."""

from __future__ import annotations

import logging
import sys

import typer

from pipeline.cli import alerts, bench, enrich, evaluate, feeds, indexer, produce, rules, search, stack, worker

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Streaming ingestion pipeline for news.")
app.add_typer(stack.app, name="stack")
app.add_typer(bench.app, name="bench")
app.add_typer(rules.app, name="rules")
app.add_typer(alerts.app, name="alerts")
app.add_typer(feeds.app, name="feeds")
for module in (produce, worker, indexer, enrich, search, evaluate):
    module.register(app)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("kafka", "elastic_transport", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app()

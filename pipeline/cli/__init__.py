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


class _NoLibraryTracebacks(logging.Filter):
    """Clients log a full traceback on every retry (elastic_transport does, per attempt): during an
    outage that floods the log. Their records keep one line: the message and the exception's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.name.startswith("newswatch"):
            exc = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({type(exc).__name__}: {exc})", None
            record.exc_info = record.exc_text = None
        return True


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoLibraryTracebacks())
    # httpx logs every request's URL at INFO, and a webhook's URL can hold its token
    for noisy in ("kafka", "elastic_transport", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app()

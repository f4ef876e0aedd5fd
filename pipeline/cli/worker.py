"""`newswatch worker`: the Faust enrichment worker."""

from __future__ import annotations

import logging

import typer

from pipeline.cli.common import settings


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(loglevel: str = typer.Option("info", help="debug, info, warning, error")) -> None:
        """Consume articles.raw, enrich in a process pool, produce articles.enriched (failures to the DLQ)."""
        from faust.worker import Worker

        from pipeline.worker.app import create_app
        from pipeline.clients.kafka import ensure_topics

        s = settings()
        ensure_topics(s, timeout=s.kafka_start_retry_s)
        faust_app = create_app(s)
        logging.getLogger().setLevel(loglevel.upper())
        # Faust sets up logging itself: keep ours (text or JSON, with the repeat and traceback filters)
        Worker(faust_app, loglevel=loglevel, quiet=True, override_logging=False).execute_from_commandline()

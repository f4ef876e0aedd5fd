"""`newswatch index`: the Elasticsearch indexer; `newswatch index prune`: drop months past retention."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import typer

from pipeline.cli.common import console, out, print_json, settings, stop_on_signals

app = typer.Typer(help="The Elasticsearch indexer (no subcommand: run it), and its indices.")


@app.callback(invoke_without_command=True)
def index(ctx: typer.Context) -> None:
    """Consume articles.enriched and bulk-index into Elasticsearch (commit after ES acknowledged)."""
    if ctx.invoked_subcommand is not None:
        return
    from consumers import sink
    from consumers.indexer import BatchResult, ElasticsearchIndexer
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import ensure_topics, make_consumer, make_producer
    from pipeline.observe import metrics

    log = logging.getLogger("newswatch.indexer")
    s = settings()
    ensure_topics(s, timeout=s.kafka_start_retry_s)
    stop = stop_on_signals()
    consumer = make_consumer(s, s.topic_enriched, group_id=s.indexer_group)
    producer = make_producer(s, client_id="newswatch-indexer")
    indexer = ElasticsearchIndexer(s, make_es(s), producer)
    totals = BatchResult()

    def _report(r: BatchResult) -> None:
        totals.indexed += r.indexed
        totals.dead_lettered += r.dead_lettered
        log.info("indexed %d (total %d), dead-lettered %d (total %d)", r.indexed, totals.indexed,
                 r.dead_lettered, totals.dead_lettered)

    metrics.serve(s.metrics_port_indexer, "indexer", s)
    metrics.export_lag(s, s.indexer_group, [s.topic_enriched])
    log.info("indexing %s -> %s-* (alias %s)", s.topic_enriched, s.es_index, s.es_alias)
    try:
        sink.run(consumer, indexer, batch_size=s.indexer_batch_size, window_ms=s.indexer_batch_window_ms,
                 should_stop=stop.is_set, on_batch=_report)
    finally:
        consumer.close()
        producer.close()


@app.command()
def prune(
    keep_months: int = typer.Option(None, "--keep-months", help="months to keep, this one included (default: "
                                    "NEWSWATCH_ES_RETENTION_MONTHS; 0 keeps everything)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="only say what would be deleted"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Delete the monthly article indices older than the retention."""
    from consumers.es_indices import expired, monthly_indices
    from pipeline.clients.elasticsearch import make_es

    s = settings()
    keep = s.es_retention_months if keep_months is None else keep_months
    es = make_es(s)
    indices = monthly_indices(es, s)
    doomed = expired(indices, keep, datetime.now(timezone.utc).date())
    if doomed and not dry_run:
        es.indices.delete(index=",".join(doomed))
    if json_:
        print_json({"kept": [n for n, _ in indices if n not in doomed], "deleted": [] if dry_run else doomed,
                    "would_delete": doomed if dry_run else []})
        return
    if not keep:
        console.print("retention is 0 (keep everything): set --keep-months or NEWSWATCH_ES_RETENTION_MONTHS")
    for n in doomed:
        out.print(f"{'would delete' if dry_run else 'deleted'} {n}")
    out.print(f"{len(indices) - len(doomed)} monthly index(es) kept")

"""`newswatch index`: the Elasticsearch indexer."""

from __future__ import annotations

import logging

import typer

from pipeline.cli.common import settings, stop_on_signals


def register(app: typer.Typer) -> None:
    @app.command()
    def index() -> None:
        """Consume articles.enriched and bulk-index into Elasticsearch (commit after ES acknowledged)."""
        from consumers import sink
        from pipeline.observe import metrics
        from consumers.indexer import BatchResult, ElasticsearchIndexer
        from pipeline.clients.elasticsearch import make_es
        from pipeline.clients.kafka import ensure_topics, make_consumer, make_producer

        log = logging.getLogger("newswatch.indexer")
        s = settings()
        ensure_topics(s)
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
        log.info("indexing %s -> %s (alias %s)", s.topic_enriched, s.es_index, s.es_alias)
        try:
            sink.run(consumer, indexer, batch_size=s.indexer_batch_size, window_ms=s.indexer_batch_window_ms,
                     should_stop=stop.is_set, on_batch=_report)
        finally:
            consumer.close()
            producer.close()

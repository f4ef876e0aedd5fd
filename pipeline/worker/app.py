"""The Faust app: topics declared once, the enrichment agent a thin loop around `pipeline.enrich`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import faust
from faust.types import TP

from pipeline.clients.elasticsearch import make_es
from pipeline.clients.kafka import faust_credentials
from pipeline.observe import logs, metrics
from pipeline.query.rules import RuleSet
from pipeline.query.windows import step as window_step
from pipeline.settings import Settings
from pipeline.worker.pool import EnrichPool
from pipeline.worker.consumer import ContiguousConsumer
from pipeline.worker.stalls import StallWatch
from pipeline.worker.stories import StoryDesk
from pipeline.worker.transport import TolerantTransport
from pipeline.worker.rules_follower import follow_rules
from schemas import DeadLetter
from schemas.alerts import AlertEvent

log = logging.getLogger("newswatch.worker")


class WorkerApp(faust.App):
    """Faust's app on `TolerantTransport`: a broker's outage while the worker starts is waited out."""

    def __init__(self, *args: Any, start_retry_s: float, **kwargs: Any) -> None:
        self.start_retry_s = start_retry_s  # before Faust's own set-up, which may build a transport
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> TolerantTransport:
        return TolerantTransport(self.conf.broker_consumer, self, retry_for_s=self.start_retry_s)

    def _new_producer_transport(self) -> TolerantTransport:
        return TolerantTransport(self.conf.broker_producer, self, retry_for_s=self.start_retry_s)


def create_app(s: Settings) -> faust.App:
    datadir = s.state_dir / "faust" / s.worker_group
    datadir.mkdir(parents=True, exist_ok=True)
    app = WorkerApp(
        s.worker_group,
        start_retry_s=s.kafka_start_retry_s,
        broker=[f"kafka://{b}" for b in s.kafka_brokers],
        broker_credentials=faust_credentials(s),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        datadir=str(datadir),  # not the current folder
        topic_disable_leader=True,
        web_enabled=False,  # no HTTP port: many workers can share a machine
        broker_session_timeout=s.session_timeout_s,
        broker_heartbeat_interval=max(1.0, s.session_timeout_s / 5),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=max(1_048_576, s.max_enriched_bytes),
        consumer_max_fetch_size=max(4_194_304, s.max_message_bytes),
        producer_compression_type="gzip",
        topic_partitions=s.topic_partitions,
        topic_replication_factor=s.topic_replication,
    )
    app.transport.Consumer = ContiguousConsumer  # type: ignore[misc]  # faust declares it a ClassVar; #606: see the module
    raw_topic = app.topic(s.topic_raw, partitions=s.topic_partitions)
    enriched_topic = app.topic(s.topic_enriched, partitions=s.topic_partitions)
    dlq_topic = app.topic(s.topic_dlq, partitions=s.topic_partitions)
    # One pool for every enrichment actor; its processes start on first use (warm-up below).
    pool = EnrichPool(s.enrich_processes, s.max_article_bytes, s.enrich_timeout_s)
    desk = StoryDesk(s, make_es(s, timeout=10.0))  # near-duplicates: one story_id per event

    @app.task
    async def start_metrics() -> None:
        logs.install_filters()  # Faust set up its own log handlers after the CLI did
        metrics.serve(s.metrics_port_worker, "worker", s)
        metrics.export_lag(s, s.worker_group, [s.topic_raw, s.topic_enriched, s.topic_rule_hits])

    stall_watch = StallWatch(s.stall_reseek_s)
    pool_ready = asyncio.Event()

    @app.timer(interval=max(1.0, s.stall_reseek_s / 4))
    async def watch_stalls() -> None:
        from pipeline.clients.kafka import group_positions

        consumer = cast(ContiguousConsumer, app.consumer)
        if app.rebalancing or not pool_ready.is_set() or not consumer.flow_active:
            stall_watch.reset()  # a rebalance or recovery seeks itself; a cold pool moves nothing: no evidence
            return
        assigned = {tp.partition for tp in consumer.assignment() if tp.topic == s.topic_raw}
        if not assigned:
            return
        try:
            positions = await asyncio.to_thread(group_positions, s, s.worker_group, [s.topic_raw])
        except Exception:  # noqa: BLE001 - Kafka away: the lag exporter says so; try again next round
            return
        committed = {p: v for (_, p), v in positions.items()}
        stalled = stall_watch.stalled(committed, assigned,
                                      waiting=lambda p, offset: consumer.waiting_on(TP(s.topic_raw, p), offset))
        if stalled:
            log.warning("%s partition(s) %s: records waiting behind a commit unchanged for %gs; reading again "
                        "from the committed offsets", s.topic_raw, ",".join(map(str, stalled)), s.stall_reseek_s)
            try:  # only the stalled partitions: seeking every one made the others read their queues twice
                for p in stalled:
                    await consumer.seek(TP(s.topic_raw, p), committed[p][0])
            except Exception as exc:  # noqa: BLE001 - a rebalance began meanwhile: it seeks itself; else next round
                log.warning("could not read %s again from the committed offsets: %s", s.topic_raw, exc)

    @app.task
    async def start_pool() -> None:
        await pool.warm()
        pool_ready.set()
        log.info("enrichment pool ready: %d process(es)", pool.size)

    # One actor: its batch is shared out among the pool's processes. Actors side by side would let Faust
    # commit past a batch still in NER (faust-streaming#606), which a crash then loses.
    @app.agent(raw_topic, concurrency=1)
    async def enrich(stream: faust.StreamT) -> None:
        async for events in stream.take_events(s.enrich_batch_size * pool.size, within=s.enrich_batch_window):  # type: ignore[attr-defined]  # StreamT lacks it
            payloads = [e.message.value or b"" for e in events]
            with metrics.ENRICH_SECONDS.time():
                results = await desk.assign(await pool.enrich(payloads))
            pending = []
            ok = 0
            for ev, (article_id, doc, reason) in zip(events, results, strict=True):
                msg = ev.message
                if doc is not None:
                    ok += 1
                    # the raw record's timestamp (its produce time) travels on, for the latency metrics
                    pending.append(await enriched_topic.send(key=(article_id or "").encode(), value=doc,
                                                             timestamp=msg.timestamp, force=True))
                else:
                    dl = DeadLetter.of_record("enrich", reason or "unknown", msg, source=s.topic_raw,
                                              article_id=article_id).fit(s.max_enriched_bytes)
                    metrics.dead_lettered("enrich", dl.reason)
                    log.warning("dead-lettered %s[%d]@%d %s: %s", msg.topic, msg.partition, msg.offset,
                                article_id or "", dl.reason)
                    pending.append(await dlq_topic.send(key=msg.key, value=dl.model_dump_json().encode(), force=True))
            # Offsets advance only when the next batch is taken: wait until Kafka holds every output.
            for fut in pending:
                await fut
            metrics.ARTICLES.labels("enrich", "in").inc(len(events))
            metrics.ARTICLES.labels("enrich", "out").inc(ok)
            metrics.ARTICLES.labels("enrich", "dead_lettered").inc(len(events) - ok)
            log.info("enriched %d, dead-lettered %d", ok, len(events) - ok)

    rules = RuleSet()
    alerts_topic = app.topic(s.topic_alerts, partitions=s.topic_partitions)

    async def bad_rule(rec: Any, reason: str) -> None:
        dl = DeadLetter.of_record("alert", reason, rec, source=s.topic_rules).fit(s.max_enriched_bytes)
        metrics.dead_lettered("alert", reason)
        await dlq_topic.send(key=rec.key, value=dl.model_dump_json().encode(), force=True)

    @app.task
    async def rules_follower() -> None:
        await follow_rules(s, rules, should_stop=lambda: app.should_stop, on_bad=bad_rule)

    @app.agent(enriched_topic, concurrency=1)
    async def match(stream: faust.StreamT) -> None:
        async for events in stream.take_events(256, within=0.02):  # type: ignore[attr-defined]  # on Stream, not StreamT
            # CPU work off the event loop: heartbeats and the enrich agent go on while a batch is matched
            with metrics.MATCH_SECONDS.time():
                results = await asyncio.to_thread(rules.match_records, [ev.message.value or b"" for ev in events],
                                                  max_bytes=s.max_enriched_bytes)
            metrics.ARTICLES.labels("match", "in").inc(len(events))
            pending = []
            for ev, fired in zip(events, results, strict=True):
                if isinstance(fired, str):  # the indexer dead-letters bad documents
                    msg = ev.message
                    log.warning("not matched %s[%d]@%d: %s", msg.topic, msg.partition, msg.offset, fired)
                    continue
                for alert in fired:
                    rule = rules.rules.get(alert.rule)
                    if rule is not None and (rule.kind != "match" or rule.once_per_story):  # decided by its owner, below
                        pending.append(await hits_topic.send(key=alert.rule.encode(), value=alert.model_dump_json().encode(),
                                                             timestamp=ev.message.timestamp, force=True))
                        continue
                    metrics.ALERTS_FIRED.labels("match").inc()
                    pending.append(await alerts_topic.send(key=alert.id.encode(), value=alert.model_dump_json().encode(),
                                                           timestamp=ev.message.timestamp, force=True))
            for fut in pending:
                await fut
            if pending:
                log.info("fired %d alert(s)", len(pending))

    # Frequency and spike rules: each rule's matches arrive on a topic keyed by rule name, so one actor owns
    # each rule's count; the count lives in a table whose changelog a restarted worker recovers.
    hits_topic = app.topic(s.topic_rule_hits, partitions=s.topic_partitions)
    windows = app.Table("rule-windows", default=dict, partitions=s.topic_partitions,
                        schema=faust.Schema(key_serializer="json", value_serializer="json"))

    @app.agent(hits_topic)
    async def count(stream: faust.StreamT) -> None:
        async for ev in stream.events():
            try:
                hit = AlertEvent.model_validate_json(ev.message.value or b"")
            except ValueError as exc:
                log.warning("not a rule hit %s[%d]@%d: %s", ev.message.topic, ev.message.partition, ev.message.offset, exc)
                continue
            rule = rules.rules.get(hit.rule)
            if rule is None or (rule.kind == "match" and not rule.once_per_story):
                continue  # removed, or changed back to a plain rule, since the match
            state, alert = window_step(rule, windows[hit.rule], hit)
            windows[hit.rule] = state
            if alert is not None:
                metrics.ALERTS_FIRED.labels(rule.kind).inc()
                await alerts_topic.send(key=alert.id.encode(), value=alert.model_dump_json().encode(),
                                        timestamp=ev.message.timestamp, force=True)
                if rule.kind == "match":
                    log.info("rule %s fired, once for story %s", rule.name, alert.story_id)
                else:
                    log.info("rule %s fired on a count of %d", rule.name, alert.count or 0)

    @app.on_before_shutdown.connect  # type: ignore[arg-type]  # mode types the receiver with a `signal` keyword
    async def _close_pool(app_: faust.App, **_: Any) -> None:  # pragma: no cover - process exit
        pool.close()

    return app

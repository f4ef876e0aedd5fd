"""The Faust app: topics from `pipeline.topics`, agents thin loops around `pipeline.enrich` and the matcher."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import faust
from faust.types import TP

from pipeline.clients.elasticsearch import make_es
from pipeline.clients.kafka import faust_credentials, group_positions
from pipeline.observe import logs, metrics
from pipeline.query.rules import RuleSet
from pipeline.query.windows import step as window_step
from pipeline.settings import Settings
from pipeline.topics import topics
from pipeline.worker.changelog import AwaitedTable, awaited_table
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
    """The worker, wired in one place: its topics (`pipeline.topics`), agents, table, tasks and timer."""
    app = _faust_app(s)
    app.transport.Consumer = ContiguousConsumer  # type: ignore[misc]  # faust declares it a ClassVar; #606: see the module
    w = Worker(s, app)
    app.task(w.start_metrics)
    app.timer(interval=max(1.0, s.stall_reseek_s / 4))(w.watch_stalls)
    app.task(w.start_pool)
    # One actor: its batch is shared out among the pool's processes. Actors side by side would let Faust
    # commit past a batch still in NER (faust-streaming#606), which a crash then loses.
    app.agent(w.raw, concurrency=1)(w.enrich)
    app.task(w.rules_follower)
    app.agent(w.enriched, concurrency=1)(w.match)
    app.agent(w.hits)(w.count)
    app.on_before_shutdown.connect(w.close_pool)  # type: ignore[arg-type]  # mode types the receiver with a `signal` keyword
    return app


def _faust_app(s: Settings) -> WorkerApp:
    datadir = s.state_dir / "faust" / s.worker_group
    datadir.mkdir(parents=True, exist_ok=True)
    return WorkerApp(
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


def _rule_windows(app: faust.App, s: Settings) -> AwaitedTable:
    """Frequency and spike rules' counts, per rule: the changelog lets a restarted worker recover them."""
    return awaited_table(app, "rule-windows", default=dict, partitions=s.topic_partitions,
                         schema=faust.Schema(key_serializer="json", value_serializer="json"))


class Worker:
    """What the worker's agents, tasks and timer share (topics, the enrichment pool, the story desk, the
    rule set), with one method for each; `create_app` wires them to the app."""

    def __init__(self, s: Settings, app: faust.App) -> None:
        self.s, self.app = s, app
        t = topics(s)
        self.raw, self.enriched, self.dlq, self.hits = (
            app.topic(x.name, partitions=x.partitions) for x in (t.raw, t.enriched, t.dlq, t.rule_hits))
        self.rule_hit = t.rule_hits.payload
        # alerts and rule hits are written below Faust's topics (`_produce`): by name
        self.alerts_name, self.hits_name = t.alerts.name, t.rule_hits.name
        # One pool for every enrichment actor; its processes start on first use (warm-up in `start_pool`).
        self.pool = EnrichPool(s.enrich_processes, s.max_article_bytes, s.enrich_timeout_s)
        self.pool_ready = asyncio.Event()
        self.desk = StoryDesk(s, make_es(s, timeout=10.0))  # near-duplicates: one story_id per event
        self.rules = RuleSet()
        self.rules_ready = asyncio.Event()  # set by the follower once the topic's rules are read
        # Frequency and spike rules: each rule's matches arrive on `hits` keyed by rule name, so one actor
        # owns each rule's count.
        self.windows = _rule_windows(app, s)
        self.stall_watch = StallWatch(s.stall_reseek_s)

    # --- tasks -------------------------------------------------------------------------------------------
    async def start_metrics(self) -> None:
        s = self.s
        logs.install_filters()  # Faust set up its own log handlers after the CLI did
        metrics.serve(s.metrics_port_worker, "worker", s)
        metrics.export_lag(s, s.worker_group, [s.topic_raw, s.topic_enriched, s.topic_rule_hits])

    async def start_pool(self) -> None:
        await self.pool.warm()
        self.pool_ready.set()
        log.info("enrichment pool ready: %d process(es)", self.pool.size)

    async def rules_follower(self) -> None:
        await follow_rules(self.s, self.rules, should_stop=lambda: self.app.should_stop, on_bad=self._bad_rule,
                          ready=self.rules_ready)

    async def _bad_rule(self, rec: Any, reason: str) -> None:
        dl = DeadLetter.of_record("alert", reason, rec, source=self.s.topic_rules).fit(self.s.max_enriched_bytes)
        metrics.dead_lettered("alert", reason)
        await self.dlq.send(key=rec.key, value=dl.model_dump_json().encode(), force=True)

    async def close_pool(self, app: faust.App, **_: Any) -> None:  # pragma: no cover - process exit
        self.pool.close()

    # --- timer -------------------------------------------------------------------------------------------
    async def watch_stalls(self) -> None:
        s, consumer = self.s, cast(ContiguousConsumer, self.app.consumer)
        if self.app.rebalancing or not self.pool_ready.is_set() or not consumer.flow_active:
            self.stall_watch.reset()  # a rebalance or recovery seeks itself; a cold pool moves nothing: no evidence
            return
        assigned = {tp.partition for tp in consumer.assignment() if tp.topic == s.topic_raw}
        if not assigned:
            return
        try:
            positions = await asyncio.to_thread(group_positions, s, s.worker_group, [s.topic_raw])
        except Exception:  # noqa: BLE001 - Kafka away: the lag exporter says so; try again next round
            return
        committed = {p: v for (_, p), v in positions.items()}
        stalled = self.stall_watch.stalled(committed, assigned,
                                           waiting=lambda p, offset: consumer.waiting_on(TP(s.topic_raw, p), offset))
        if stalled:
            await self._read_again(consumer, {p: committed[p][0] for p in stalled})

    async def _read_again(self, consumer: ContiguousConsumer, offsets: dict[int, int]) -> None:
        s = self.s
        log.warning("%s partition(s) %s: records waiting behind a commit unchanged for %gs; reading again "
                    "from the committed offsets", s.topic_raw, ",".join(map(str, offsets)), s.stall_reseek_s)
        try:  # only the stalled partitions: seeking every one made the others read their queues twice
            for p, offset in offsets.items():
                await consumer.seek(TP(s.topic_raw, p), offset)
        except Exception as exc:  # noqa: BLE001 - a rebalance began meanwhile: it seeks itself; else next round
            log.warning("could not read %s again from the committed offsets: %s", s.topic_raw, exc)

    # --- agents ------------------------------------------------------------------------------------------
    async def enrich(self, stream: faust.StreamT) -> None:
        s = self.s
        async for events in stream.take_events(s.enrich_batch_size * self.pool.size, within=s.enrich_batch_window):  # type: ignore[attr-defined]  # StreamT lacks it
            payloads = [e.message.value or b"" for e in events]
            with metrics.ENRICH_SECONDS.time():
                results = await self.desk.assign(await self.pool.enrich(payloads))
            pending = [await self._send_enriched(ev.message, *result) for ev, result in zip(events, results, strict=True)]
            # Offsets advance only when the next batch is taken: wait until Kafka holds every output.
            for fut in pending:
                await fut
            ok = sum(1 for _, doc, _ in results if doc is not None)
            metrics.ARTICLES.labels("enrich", "in").inc(len(events))
            metrics.ARTICLES.labels("enrich", "out").inc(ok)
            metrics.ARTICLES.labels("enrich", "dead_lettered").inc(len(events) - ok)
            log.info("enriched %d, dead-lettered %d", ok, len(events) - ok)

    async def _send_enriched(self, msg: Any, article_id: str | None, doc: bytes | None, reason: str | None) -> Any:
        """The enriched document, or the raw record as a dead letter; the future of its write."""
        s = self.s
        if doc is not None:
            # the raw record's timestamp (its produce time) travels on, for the latency metrics
            return await self.enriched.send(key=(article_id or "").encode(), value=doc, timestamp=msg.timestamp,
                                            force=True)
        dl = DeadLetter.of_record("enrich", reason or "unknown", msg, source=s.topic_raw,
                                  article_id=article_id).fit(s.max_enriched_bytes)
        metrics.dead_lettered("enrich", dl.reason)
        log.warning("dead-lettered %s[%d]@%d %s: %s", msg.topic, msg.partition, msg.offset, article_id or "", dl.reason)
        return await self.dlq.send(key=msg.key, value=dl.model_dump_json().encode(), force=True)

    async def match(self, stream: faust.StreamT) -> None:
        s = self.s
        await self.rules_ready.wait()  # a backlog matched against half the rules would lose alerts
        async for events in stream.take_events(256, within=0.02):  # type: ignore[attr-defined]  # on Stream, not StreamT
            # CPU work off the event loop: heartbeats and the enrich agent go on while a batch is matched
            with metrics.MATCH_SECONDS.time():
                results = await asyncio.to_thread(self.rules.match_records, [ev.message.value or b"" for ev in events],
                                                  max_bytes=s.max_enriched_bytes)
            metrics.ARTICLES.labels("match", "in").inc(len(events))
            pending = []
            for ev, fired in zip(events, results, strict=True):
                if isinstance(fired, str):  # the indexer dead-letters bad documents
                    msg = ev.message
                    log.warning("not matched %s[%d]@%d: %s", msg.topic, msg.partition, msg.offset, fired)
                    continue
                pending += [await self._send_match(alert, ev.message.timestamp) for alert in fired]
            for fut in pending:
                await fut
            if pending:
                log.info("fired %d alert(s)", len(pending))

    async def _send_match(self, alert: AlertEvent, timestamp: float | None) -> Any:
        """A plain rule's alert to `alerts`; a counted or once-per-story rule's match to its owner on `hits`."""
        rule = self.rules.rules.get(alert.rule)
        if rule is not None and (rule.kind != "match" or rule.once_per_story):  # decided by its owner (`count`)
            return await self._produce(self.hits_name, alert.rule, alert.model_dump_json(), timestamp)
        metrics.ALERTS_FIRED.labels("match").inc()
        return await self._produce(self.alerts_name, alert.id, alert.model_dump_json(), timestamp)

    async def _produce(self, topic: str, key: str, value: str, timestamp: float | None) -> Any:
        """One record straight to Faust's producer; the future of its write.

        A big rule set fires dozens of alerts an article, hundreds a second. Faust's `Topic.send` wraps each in
        a pending message, a buffer and per-message sensors: a third of the worker's time in a profile of
        `bench alerts --mixed --rules 5000`. The producer below it batches, partitions by key and compresses
        the same way, and awaiting the futures before the next batch keeps at-least-once as before."""
        return await self.app.producer.send(topic, key.encode(), value.encode(), None, timestamp, None)

    async def count(self, stream: faust.StreamT) -> None:
        await self.rules_ready.wait()  # a hit for a rule not read yet would be dropped as removed
        async for ev in stream.events():
            try:
                hit = self.rule_hit.model_validate_json(ev.message.value or b"")
            except ValueError as exc:
                log.warning("not a rule hit %s[%d]@%d: %s", ev.message.topic, ev.message.partition, ev.message.offset, exc)
                continue
            rule = self.rules.rules.get(hit.rule)
            if rule is None or (rule.kind == "match" and not rule.once_per_story):
                continue  # removed, or changed back to a plain rule, since the match
            state, alert = window_step(rule, self.windows[hit.rule], hit)
            self.windows[hit.rule] = state
            await self.windows.written()  # before the hit is acknowledged: a commit past it keeps the count
            if alert is None:
                continue
            metrics.ALERTS_FIRED.labels(rule.kind).inc()
            await (await self._produce(self.alerts_name, alert.id, alert.model_dump_json(), ev.message.timestamp))
            if rule.kind == "match":
                log.info("rule %s fired, once for story %s", rule.name, alert.story_id)
            else:
                log.info("rule %s fired on a count of %d", rule.name, alert.count or 0)

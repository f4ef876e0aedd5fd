"""Alert delivery as a sink (`consumers.sink`): `alerts` topic -> each rule's channels, with the
`news-alerts` index as the durable record of what happened to every alert.

An alert's id is `rule:article`. Its document in `news-alerts` is written *before* anything is sent
(status `pending`, or `held` when its rule is throttled), and each channel's success is recorded on it
right after that channel returns (`deliveries`, keyed by a hash of the channel: never the URL). So:
- a crash or a kill repeats at most the deliveries that were in flight, and each repeat carries the same
  delivery id (`channels.delivery_id`), by which a receiver drops it. A channel that keeps up gets one
  request at a time (a kill repeats at most one); one that falls `alert_channel_widen_s` behind (a slow
  webhook) gets up to `alert_channel_concurrency` at once, each alert still its own request and record
  (`Lane`), so a receiver taking a second per request still gets ~30 alerts/s;
- held alerts survive a restart: the deliverer reads them back (and when each rule last notified) when
  it opens, and sends the digest when it is due;
- an alert whose record says `delivered` is never sent again, however often Kafka redelivers it.
Elasticsearch or Kafka failing raises RetryableError: the batch is written again later, offsets unmoved.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError
from kafka import KafkaProducer
from kafka.errors import KafkaError

from consumers.alerts import channels
from consumers.alerts.channels import Channel
from consumers.alerts.throttle import Throttle
from consumers.dead_letters import DeadLetters
from consumers.es_indices import ensure_alerts_index
from consumers.sink import RetryableError
from pipeline.observe import metrics
from pipeline.settings import Settings
from schemas import DeadLetter
from schemas.alerts import AlertEvent, AlertRule

log = logging.getLogger("newswatch.alerts")
MAX_HELD = 10_000  # held alerts read back at start


@dataclass
class _Job:
    """One notification (an alert, or a digest of held ones) and the channels it still has to reach."""

    rule: str
    alerts: list[AlertEvent]
    digest: bool
    todo: list[Channel]  # empty: every channel was done before a crash, only the status is missing
    failed: dict[str, str] = field(default_factory=dict)  # channel label -> reason


@dataclass
class Lane:
    """How many requests a channel may have in flight. One while it keeps up: a kill then repeats at most
    one notification, and they arrive in order. Once its oldest waiting notification has waited
    `widen_s` (a slow receiver), up to `wide`; it stays wide while later batches still queue more than
    one notification for it, and narrows when one does not (or the deliverer restarts)."""

    wide: int
    widen_s: float
    widened: bool = False

    def window(self, waiting_since: float, now: float) -> int:
        if not self.widened and now - waiting_since >= self.widen_s:
            self.widened = True
        return self.wide if self.widened else 1

    def batch(self, queued: int) -> None:
        """A new batch queues `queued` notifications for the channel."""
        if queued <= 1:
            self.widened = False


class AlertDeliverer:
    def __init__(self, s: Settings, es: Elasticsearch, dlq: KafkaProducer,
                 rules: Callable[[], dict[str, AlertRule]], echo: Callable[[AlertEvent], None] = lambda a: None) -> None:
        self.s = s
        self.es = es
        self.dead = DeadLetters(s, dlq, "alert", s.topic_alerts)
        self.load_rules = rules
        self.rules: dict[str, AlertRule] = {}
        self.rules_loaded: datetime | None = None  # wall-clock time of the last full read of the rules topic
        self.echo = echo
        self.throttle = Throttle()
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="deliver")  # one thread per channel
        # the requests themselves: bounded per channel by its lane, and in all by this pool
        self.requests = ThreadPoolExecutor(max_workers=max(16, 2 * s.alert_channel_concurrency),
                                           thread_name_prefix="deliver-request")
        self.recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver-record")  # quiet records
        self.lanes: dict[str, Lane] = {}
        self.produced: dict[str, float] = {}  # alert id -> its article's produce time, until first delivered

    # --- the sink --------------------------------------------------------------------------------------

    def open(self) -> None:
        ensure_alerts_index(self.es, self.s)
        self.refresh_rules(force=True)
        self._restore_throttle()
        log.info("delivering alerts from %s (%d rules, %d held for digests)", self.s.topic_alerts, len(self.rules),
                 sum(map(len, self.throttle.held.values())))

    def write(self, records: list[Any]) -> int:
        """Deliver the new alerts of a batch (and the digests now due); returns how many were new."""
        alerts = []
        for rec in records:
            try:
                alert = AlertEvent.model_validate_json(rec.value or b"")
            except ValueError as exc:
                self.dead.of_record(rec, f"not an alert: {str(exc)[:300]}")
                continue
            alerts.append(alert)
            if getattr(rec, "timestamp", None):  # ms: the produce time of the article, carried by the worker
                self.produced.setdefault(alert.id, rec.timestamp / 1000)
        try:
            n = self.deliver(alerts)
        except (TransportError, ApiError, KafkaError) as exc:
            raise RetryableError(f"alert delivery interrupted: {type(exc).__name__}: {str(exc)[:200]}") from exc
        self.dead.confirm()
        metrics.ARTICLES.labels("alert", "in").inc(len(records))
        self.produced.clear()
        return n

    def close(self) -> None:
        self.recorder.shutdown(wait=True)
        self.pool.shutdown(wait=True)
        self.requests.shutdown(wait=True)
        self.dead.producer.flush()

    # --- delivery --------------------------------------------------------------------------------------

    def refresh_rules(self, *, force: bool = False, fired_at: datetime | None = None) -> None:
        """Re-read the rules when an alert names one we do not know and fired after our last read: the
        worker only fires rules it read from the topic, so the re-read finds it (or it was removed)."""
        if force or self.rules_loaded is None or (fired_at is not None and fired_at >= self.rules_loaded):
            started = datetime.now(timezone.utc)
            self.rules = self.load_rules()
            self.rules_loaded = started

    def deliver(self, alerts: list[AlertEvent]) -> int:
        unique = {a.id: a for a in alerts}
        unknown = [a.fired_at for a in unique.values() if a.rule not in self.rules]
        if unknown:
            self.refresh_rules(fired_at=max(unknown))
        # A rule with no channel and no throttle needs only its record: created, a redelivered one refused
        # as a conflict, never read back first, so a rule set that fires dozens of watch rules per article
        # costs one write per alert. Those records are written beside the notifications, not before them:
        # hundreds of watch-rule alerts in a batch no longer delay the one someone is waiting for. Both are
        # done before the batch is committed, so a crash redelivers whatever was not.
        quiet_rules = {name for name in {a.rule for a in unique.values()} if self._quiet(name)}  # once a rule
        quiet = {k: a for k, a in unique.items() if a.rule in quiet_rules}
        for a in quiet.values():
            self.echo(a)
        at = _now_iso()
        docs = [self._doc(a, [], "delivered", at) for a in quiet.values()]
        recording = self.recorder.submit(self._record_new, docs) if docs else None
        try:
            created = self._deliver_loud({k: a for k, a in unique.items() if k not in quiet})
            return created + (recording.result() if recording else 0)
        finally:
            if recording is not None:
                wait([recording])

    def _deliver_loud(self, loud: dict[str, AlertEvent]) -> int:
        """Alerts with channels or a throttle, and the digests now due: read back first (what a crash left
        half-done), recorded, then sent; returns how many records were new."""
        records = self._records(list(loud))
        now = time.time()
        jobs: list[_Job] = []
        new_docs: list[tuple[str, str]] = []
        for k, a in loud.items():
            if k in records:
                continue
            self.echo(a)
            rule = self.rules.get(a.rule)
            chans = channels.of(rule) if rule else []
            held = rule is not None and not self.throttle.offer(rule, a, now)
            new_docs.append(self._doc(a, chans, "held" if held else "pending" if chans else "delivered"))
            if chans and not held:
                jobs.append(_Job(a.rule, [a], False, chans))
        # redelivered alerts whose record says some channels are still to do (a crash mid-delivery)
        for k, doc in records.items():
            rule = self.rules.get(loud[k].rule)
            if doc.get("status") == "pending" and rule is not None:
                done = set(doc.get("deliveries") or {})
                todo = [c for c in channels.of(rule) if c.key not in done]
                jobs.append(_Job(rule.name, [loud[k]], False, todo))
        created = self._record_new(new_docs)
        for name, held_alerts in self.throttle.due(self.rules, now):
            rule = self.rules.get(name)
            if rule is not None:
                jobs.append(_Job(name, held_alerts, True, self._digest_todo(rule, held_alerts)))
        self._run(jobs)
        return created

    def _quiet(self, name: str) -> bool:
        """Its alerts are recorded, never sent: the rule (if still there) has no channel, holds nothing back."""
        rule = self.rules.get(name)
        return rule is None or (not rule.throttle_s and not channels.of(rule))

    def _run(self, jobs: list[_Job]) -> None:
        """Channels concurrently, each through its lane, each success recorded as soon as it returns: a
        kill repeats at most the notifications in flight (one per channel that keeps up)."""
        by_channel: dict[str, list[tuple[_Job, Channel]]] = {}
        for job in jobs:
            for ch in job.todo:
                by_channel.setdefault(ch.key, []).append((job, ch))
        futures = [self.pool.submit(self._deliver_lane, key, work) for key, work in by_channel.items()]
        for fut in futures:
            fut.result()  # a failure to record (Elasticsearch away) surfaces here: the batch is retried
        self._record_status(jobs)

    def _deliver_lane(self, key: str, work: list[tuple[_Job, Channel]]) -> None:
        """One channel's notifications, in order, at most the lane's window in flight."""
        lane = self.lanes.setdefault(key, Lane(self.s.alert_channel_concurrency, self.s.alert_channel_widen_s))
        lane.batch(len(work))
        waiting = deque(work)
        started = time.monotonic()  # the batch's notifications have all waited since then
        inflight: set[Future[None]] = set()
        error: BaseException | None = None
        while waiting or inflight:
            window = lane.window(started, time.monotonic())
            while waiting and error is None and len(inflight) < window:
                inflight.add(self.requests.submit(self._deliver_one, *waiting.popleft()))
            if not inflight:
                break
            # narrow: wake when the wait would widen the lane, so a slow receiver does not hold it at one
            timeout = None if window > 1 or not waiting else max(0.01, started + lane.widen_s - time.monotonic())
            done, inflight = wait(inflight, timeout=timeout, return_when=FIRST_COMPLETED)
            for fut in done:
                if fut.exception() is not None and error is None:
                    error = fut.exception()  # stop sending; the requests in flight finish and record first
        if error is not None:
            raise error

    def _deliver_one(self, job: _Job, ch: Channel) -> None:
        try:
            channels.deliver(ch, job.rule, job.alerts, job.digest, self.s)
            outcome: dict[str, Any] = {"at": _now_iso(), "id": channels.delivery_id(ch, [a.id for a in job.alerts])}
            metrics.DELIVERIES.labels(ch.kind, "delivered").inc()
            for a in job.alerts:
                if (t := self.produced.pop(a.id, None)) is not None:  # the first channel to deliver it
                    metrics.ALERT_SECONDS.observe(max(0.0, time.time() - t))
        except Exception as exc:  # noqa: BLE001 - dead-lettered with the reason, never lost silently
            metrics.DELIVERIES.labels(ch.kind, "failed").inc()
            reason = f"{ch.label}: {exc}"
            log.error("delivery failed: %s", reason)
            job.failed[ch.label] = reason
            outcome = {"at": _now_iso(), "failed": str(exc)[:500]}
            for a in job.alerts:
                self.dead.send(DeadLetter(stage="alert", reason=reason, payload=a.model_dump_json(),
                                          source=self.s.topic_alerts, article_id=a.article_id, key=a.id), a.id)
        self._record(job.alerts, {"deliveries": {ch.key: outcome}})

    # --- the record in news-alerts ---------------------------------------------------------------------

    def _doc(self, a: AlertEvent, chans: list[Channel], status: str, at: str | None = None) -> tuple[str, str]:
        """The record's id and its JSON: the alert's own JSON (pydantic's, in Rust) with the delivery fields
        appended, not a dict serialised again (the deliverer's main cost at hundreds of alerts a second)."""
        extra = {"status": status, "digest": False, "channels": [c.label for c in chans], "deliveries": {},
                 **({"delivered_at": at or _now_iso()} if status == "delivered" else {})}
        return a.id, a.model_dump_json()[:-1] + "," + json.dumps(extra, ensure_ascii=False)[1:]

    def _records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        resp = self.es.mget(index=self.s.es_alerts_alias, ids=ids, source_includes=["status", "deliveries"])
        return {d["_id"]: d.get("_source") or {} for d in resp["docs"] if d.get("found")}

    def _record_new(self, docs: list[tuple[str, str]]) -> int:
        """Create the records; returns how many were new (a conflict: recorded before a redelivery)."""
        if not docs:
            return 0
        ops: list[dict[str, Any] | str] = []
        for doc_id, body in docs:
            ops += [{"create": {"_index": self.s.es_alerts_alias, "_id": doc_id}}, body]
        # no refresh wait: the check above is a real-time mget, which sees unrefreshed writes
        # the client's NDJSON serialiser sends a str line as it is
        resp = self.es.bulk(operations=ops, filter_path="errors,items.*.status,items.*.error")  # type: ignore[arg-type]  # typed as mappings only
        items = resp.get("items") or []
        bad = [i for i in items if i["create"].get("status", 500) >= 300 and i["create"].get("status") != 409]
        if bad:
            raise RetryableError(f"news-alerts rejected {len(bad)} record(s): {bad[0]['create'].get('error')}")
        return sum(1 for i in items if i["create"].get("status") != 409)

    def _record(self, alerts: list[AlertEvent], update: dict[str, Any]) -> None:
        self._record_all([(a, update) for a in alerts])

    def _record_all(self, updates: list[tuple[AlertEvent, dict[str, Any]]]) -> None:
        if not updates:
            return
        ops: list[dict[str, Any]] = []
        for a, update in updates:
            # channels record concurrently on the same document: retried on a version conflict
            ops += [{"update": {"_index": self.s.es_alerts_alias, "_id": a.id, "retry_on_conflict": 10}}, {"doc": update}]
        resp = self.es.bulk(operations=ops)
        if resp.get("errors"):
            raise RetryableError(f"news-alerts did not take a delivery record: {resp['items'][0]}")

    def _record_status(self, jobs: list[_Job]) -> None:
        """Every channel of these notifications is done (delivered, or failed and dead-lettered): one
        request for the batch."""
        at = _now_iso()
        self._record_all([(a, {"status": "failed" if job.failed else "delivered", "delivered_at": at,
                               "digest": job.digest}) for job in jobs for a in job.alerts])

    def _digest_todo(self, rule: AlertRule, held: list[AlertEvent]) -> list[Channel]:
        """The rule's channels this digest has not reached yet (a restart mid-digest resumes it)."""
        records = self._records([a.id for a in held])
        return [c for c in channels.of(rule)
                if not all(c.key in (records.get(a.id, {}).get("deliveries") or {}) for a in held)]

    def _restore_throttle(self) -> None:
        """Held alerts and each throttled rule's last notification, from news-alerts: what a restart needs."""
        throttled = [r.name for r in self.rules.values() if r.throttle_s]
        if not throttled:
            return
        self.es.indices.refresh(index=self.s.es_alerts_alias)
        resp = self.es.search(index=self.s.es_alerts_alias, size=MAX_HELD, sort=[{"fired_at": "asc"}],
                              query={"bool": {"filter": [{"term": {"status": "held"}},
                                                         {"terms": {"rule": throttled}}]}},
                              aggs={"rules": {"terms": {"field": "rule", "size": len(throttled)}}})
        held: dict[str, list[AlertEvent]] = {}
        for h in resp["hits"]["hits"]:
            a = AlertEvent.model_validate({k: v for k, v in h["_source"].items() if k in AlertEvent.model_fields})
            held.setdefault(a.rule, []).append(a)
        last = self.es.search(index=self.s.es_alerts_alias, size=0,
                              query={"bool": {"filter": [{"terms": {"rule": throttled}}, {"exists": {"field": "delivered_at"}}]}},
                              aggs={"rules": {"terms": {"field": "rule", "size": len(throttled)},
                                              "aggs": {"last": {"max": {"field": "delivered_at"}}}}})
        sent = {b["key"]: b["last"]["value"] / 1000 for b in last["aggregations"]["rules"]["buckets"]
                if b["last"]["value"] is not None}
        self.throttle.restore(held, sent)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

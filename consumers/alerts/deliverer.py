"""Alert delivery as a sink (`consumers.sink`): `alerts` topic -> each rule's channels and the
`news-alerts` index.

An alert's id is `rule:article`, and the `news-alerts` index is the record of what was delivered: an
alert already there is never delivered again, however often Kafka redelivers it. Deliveries of one batch
run concurrently, each webhook with its own retries and backoff, so a failing endpoint costs the others
nothing; one that still fails after its retries goes to the dead-letter topic with the reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaProducer

from consumers.alerts import channels
from consumers.alerts.throttle import Throttle
from consumers.es_indices import ensure_alerts_index
from pipeline.settings import Settings
from schemas import DeadLetter
from schemas.alerts import AlertEvent, AlertRule

log = logging.getLogger("newswatch.alerts")


class AlertDeliverer:
    def __init__(self, s: Settings, es: Elasticsearch, dlq: KafkaProducer,
                 rules: Callable[[], dict[str, AlertRule]], echo: Callable[[AlertEvent], None] = lambda a: None) -> None:
        self.s = s
        self.es = es
        self.dlq = dlq
        self.load_rules = rules
        self.rules: dict[str, AlertRule] = {}
        self.rules_loaded: datetime | None = None  # wall-clock time of the last full read of the rules topic
        self.echo = echo
        self.throttle = Throttle()
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="deliver")

    def open(self) -> None:
        ensure_alerts_index(self.es, self.s)
        self.refresh_rules(force=True)
        log.info("delivering alerts from %s (%d rules)", self.s.topic_alerts, len(self.rules))

    def refresh_rules(self, *, force: bool = False, fired_at: datetime | None = None) -> None:
        """Re-read the rules when an alert names one we do not know and fired after our last read: the
        worker only fires rules it read from the topic, so the re-read finds it (or it was removed)."""
        if force or self.rules_loaded is None or (fired_at is not None and fired_at >= self.rules_loaded):
            started = datetime.now(timezone.utc)
            self.rules = self.load_rules()
            self.rules_loaded = started

    def _seen(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        resp = self.es.mget(index=self.s.es_alerts_alias, ids=ids, source=False)
        return {d["_id"] for d in resp["docs"] if d.get("found")}

    def write(self, records: list[Any]) -> int:
        """Deliver the new alerts of a batch (and the digests now due); returns how many were new."""
        alerts = []
        for rec in records:
            try:
                alerts.append(AlertEvent.model_validate_json(rec.value))
            except ValueError as exc:
                log.warning("not an alert at %s[%d]@%d: %s", rec.topic, rec.partition, rec.offset, exc)
        return self.deliver(alerts)

    def deliver(self, alerts: list[AlertEvent]) -> int:
        """Notify what `news-alerts` has not recorded yet (throttled rules hold theirs for a digest), then
        record it there."""
        unique = {a.id: a for a in alerts}
        unknown = [a.fired_at for a in unique.values() if a.rule not in self.rules]
        if unknown:
            self.refresh_rules(fired_at=max(unknown))
        seen = self._seen(list(unique))
        now = time.monotonic()
        work: list[tuple[str, list[AlertEvent], bool]] = []
        fresh = [a for k, a in unique.items() if k not in seen]
        for a in fresh:
            self.echo(a)
            rule = self.rules.get(a.rule)
            if rule is not None and self.throttle.offer(rule, a, now):
                work.append((a.rule, [a], False))
        for name, held in self.throttle.due(self.rules, now):
            work.append((name, held, True))
        futures = []
        for name, batch, digest in work:
            rule = self.rules.get(name)
            if rule is None:
                continue  # removed since it fired: recorded, not notified
            for channel in channels.names(rule):
                futures.append((channel, name, batch,
                                self.pool.submit(channels.deliver, channel, name, batch, digest, self.s)))
        for channel, name, batch, fut in futures:
            try:
                fut.result()
            except Exception as exc:  # noqa: BLE001 - recorded in the DLQ, never lost silently
                log.error("delivery to %s failed: %s", channel, exc)
                for a in batch:
                    dl = DeadLetter(stage="alert", reason=f"{channel}: {exc}", payload=a.model_dump_json(),
                                    source=self.s.topic_alerts, article_id=a.article_id, key=a.id)
                    self.dlq.send(self.s.topic_dlq, key=a.id, value=dl.model_dump(mode="json"))
        if fresh:
            ops: list[dict[str, Any]] = []
            delivered = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            for a in fresh:
                rule = self.rules.get(a.rule)
                ops.append({"create": {"_index": self.s.es_alerts_alias, "_id": a.id}})
                ops.append(a.model_dump(mode="json") | {"delivered_at": delivered, "digest": False,
                                                        "channels": channels.names(rule) if rule else []})
            # no refresh wait: the duplicate check is a real-time mget, which sees unrefreshed writes
            resp = self.es.bulk(operations=ops)
            bad = [i for i in resp["items"] if i["create"].get("status", 500) >= 300 and i["create"].get("status") != 409]
            if bad:
                raise RuntimeError(f"news-alerts rejected {len(bad)} record(s): {bad[0]['create'].get('error')}")
        self.dlq.flush()
        return len(fresh)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.dlq.flush()

"""Alert delivery: `alerts` topic -> terminal, JSON-lines files, webhooks, e-mail, and the `news-alerts`
index.

The same sink lifecycle as the indexer: open, write a batch, commit after success, close. An alert's id
is `rule:article`, and the `news-alerts` index is the record of what was delivered: an alert already
there is never delivered again, however often Kafka redelivers it. Deliveries of one batch run
concurrently, each webhook with its own retries and backoff, so a failing endpoint costs the others
nothing; one that still fails after its retries goes to the dead-letter topic with the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaProducer

from pipeline.settings import Settings
from schemas import DeadLetter
from schemas.alerts import AlertEvent, AlertRule

log = logging.getLogger("newswatch.alerts")

ALERT_PROPERTIES: dict[str, Any] = {
    "rule": {"type": "keyword"},
    "article_id": {"type": "keyword"},
    "title": {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
    "url": {"type": "keyword", "ignore_above": 4096},
    "countries": {"type": "keyword"},
    "regions": {"type": "keyword"},
    "matched": {"type": "keyword"},
    "snippet": {"type": "text"},
    "ingested_at": {"type": "date"},
    "fired_at": {"type": "date"},
    "delivered_at": {"type": "date"},
    "channels": {"type": "keyword"},
    "digest": {"type": "boolean"},
}


def ensure_alerts_index(es: Elasticsearch, s: Settings) -> None:
    es.indices.put_index_template(
        name=s.es_alerts_alias,
        index_patterns=[s.es_alerts_index.rsplit("-", 1)[0] + "-*"],
        priority=200,
        template={
            "settings": {"number_of_shards": 1, "number_of_replicas": s.es_replicas, "refresh_interval": "1s"},
            "mappings": {"dynamic": "strict", "properties": ALERT_PROPERTIES},
            "aliases": {s.es_alerts_alias: {}},
        },
    )
    if not es.indices.exists(index=s.es_alerts_index):
        es.options(ignore_status=400).indices.create(index=s.es_alerts_index)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- channels -----------------------------------------------------------------------------------------


def _payload(rule: str, alerts: list[AlertEvent], digest: bool) -> dict[str, Any]:
    if not digest:
        return alerts[0].model_dump(mode="json")
    return {"rule": rule, "digest": True, "count": len(alerts), "alerts": [a.model_dump(mode="json") for a in alerts]}


def deliver_file(path: str, rule: str, alerts: list[AlertEvent], digest: bool) -> None:
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("a", encoding="utf-8") as f:
        f.write(json.dumps(_payload(rule, alerts, digest), ensure_ascii=False) + "\n")


def deliver_webhook(url: str, rule: str, alerts: list[AlertEvent], digest: bool, *, secret: str | None,
                    timeout: float, retries: int, sleep: Callable[[float], None] = time.sleep) -> None:
    body = json.dumps(_payload(rule, alerts, digest), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "newswatch-alerts"}
    if secret:
        headers["X-Newswatch-Signature"] = sign(secret, body)
    delay = 0.5
    for attempt in range(retries + 1):
        try:
            req = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) checked by the rule
                if resp.status < 300:
                    return
                error = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            if exc.code < 500 and exc.code != 429:
                raise RuntimeError(f"webhook {url} refused the alert: HTTP {exc.code}") from exc
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            error = str(exc)
        if attempt < retries:
            sleep(delay)
            delay = min(delay * 2, 8.0)
    raise RuntimeError(f"webhook {url} failed after {retries + 1} attempt(s): {error}")


def deliver_email(address: str, rule: str, alerts: list[AlertEvent], digest: bool, s: Settings) -> None:
    msg = EmailMessage()
    msg["From"] = s.smtp_sender
    msg["To"] = address
    msg["Subject"] = (f"[newswatch] {rule}: {len(alerts)} articles" if digest else f"[newswatch] {rule}: {alerts[0].title}")
    msg.set_content("\n\n".join(f"{a.title}\n{a.url or ''}\n{a.snippet.replace('<em>', '').replace('</em>', '')}"
                                for a in alerts))
    with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.webhook_timeout_s) as smtp:
        if s.smtp_starttls:
            smtp.starttls()
        if s.smtp_username:
            smtp.login(s.smtp_username, s.smtp_password.get_secret_value() if s.smtp_password else "")
        smtp.send_message(msg)


# --- throttling -------------------------------------------------------------------------------------


@dataclass
class Throttle:
    """At most one notification per rule per `throttle_s`; what arrives meanwhile waits for a digest."""

    last_sent: dict[str, float] = field(default_factory=dict)
    held: dict[str, list[AlertEvent]] = field(default_factory=dict)

    def offer(self, rule: AlertRule, alert: AlertEvent, now: float) -> bool:
        """True: notify now. False: held for the digest."""
        if not rule.throttle_s:
            return True
        last = self.last_sent.get(rule.name)
        if last is None or now - last >= rule.throttle_s:
            self.last_sent[rule.name] = now
            return True
        self.held.setdefault(rule.name, []).append(alert)
        return False

    def due(self, rules: dict[str, AlertRule], now: float) -> list[tuple[str, list[AlertEvent]]]:
        out = []
        for name, alerts in list(self.held.items()):
            rule = rules.get(name)
            if rule is None or not rule.throttle_s or now - self.last_sent.get(name, 0) >= rule.throttle_s:
                out.append((name, alerts))
                del self.held[name]
                self.last_sent[name] = now
        return out


# --- the sink -----------------------------------------------------------------------------------------


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

    @staticmethod
    def channels(rule: AlertRule) -> list[str]:
        return [*(f"file:{p}" for p in rule.files), *(f"webhook:{u}" for u in rule.webhooks),
                *(f"email:{a}" for a in rule.emails)]

    def _deliver(self, channel: str, rule: str, alerts: list[AlertEvent], digest: bool) -> None:
        s = self.s
        kind, target = channel.split(":", 1)
        if kind == "file":
            deliver_file(target, rule, alerts, digest)
        elif kind == "webhook":
            deliver_webhook(target, rule, alerts, digest, secret=s.webhook_secret.get_secret_value()
                            if s.webhook_secret else None, timeout=s.webhook_timeout_s, retries=s.webhook_retries)
        else:
            deliver_email(target, rule, alerts, digest, s)

    def write(self, alerts: list[AlertEvent]) -> int:
        """Deliver the new alerts of a batch; returns how many were new."""
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
            for channel in self.channels(rule):
                futures.append((channel, name, batch, self.pool.submit(self._deliver, channel, name, batch, digest)))
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
                                                        "channels": self.channels(rule) if rule else []})
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

"""Where an alert goes: a JSON-lines file, a signed webhook, an e-mail. Each channel delivers one alert
or one digest and raises when it cannot; retries that make sense for the channel happen inside it.
Targets are checked (`targets`) at every delivery, not only when the rule was added."""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from consumers.alerts import signing
from consumers.alerts.targets import Resolved, check_file, check_webhook, redact
from pipeline.settings import Settings
from schemas.alerts import AlertEvent, AlertRule


@dataclass(frozen=True)
class Channel:
    kind: str  # "file", "webhook", "email"
    target: str  # the real path, URL (with its token) or address: used to deliver, never shown or stored

    @property
    def label(self) -> str:
        """What logs, dead letters and `news-alerts` show: a webhook's URL redacted."""
        return f"webhook:{redact(self.target)}" if self.kind == "webhook" else f"{self.kind}:{self.target}"

    @property
    def key(self) -> str:
        """Names this channel in an alert's delivery record without revealing it."""
        return hashlib.sha256(f"{self.kind}:{self.target}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def of(rule: AlertRule) -> list[Channel]:
    return [*(Channel("file", p) for p in rule.files), *(Channel("webhook", u) for u in rule.webhooks),
            *(Channel("email", a) for a in rule.emails)]


def delivery_id(channel: Channel, alert_ids: list[str]) -> str:
    """The same alert (or digest of the same alerts) to the same channel: the same id, whenever it is sent."""
    text = channel.key + "\x1f" + "\x1f".join(sorted(alert_ids))
    return "nw_" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def deliver(channel: Channel, rule: str, alerts: list[AlertEvent], digest: bool, s: Settings) -> None:
    """Deliver to one channel, or raise."""
    did = delivery_id(channel, [a.id for a in alerts])
    if channel.kind == "file":
        deliver_file(check_file(channel.target, s), rule, alerts, digest, did)
    elif channel.kind == "webhook":
        deliver_webhook(check_webhook(channel.target, s), rule, alerts, digest, did,
                        secret=s.webhook_secret.get_secret_value() if s.webhook_secret else None,
                        timeout=s.webhook_timeout_s, retries=s.webhook_retries)
    else:
        deliver_email(channel.target, rule, alerts, digest, s)


def _payload(rule: str, alerts: list[AlertEvent], digest: bool) -> dict[str, Any]:
    if not digest:
        return alerts[0].model_dump(mode="json")
    return {"rule": rule, "digest": True, "count": len(alerts), "alerts": [a.model_dump(mode="json") for a in alerts]}


def deliver_file(path: Path, rule: str, alerts: list[AlertEvent], digest: bool, delivery: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: a symlink planted at the path cannot redirect the write outside the alerts folder
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps({"delivery_id": delivery, **_payload(rule, alerts, digest)}, ensure_ascii=False) + "\n")


def deliver_webhook(target: Resolved, rule: str, alerts: list[AlertEvent], digest: bool, delivery: str, *,
                    secret: str | None, timeout: float, retries: int, sleep: Callable[[float], None] = time.sleep) -> None:
    """POST to the checked address (the name is not looked up again), no redirects, retries with backoff
    on 5xx, 429 and network errors; every attempt carries the same delivery id."""
    body = json.dumps(_payload(rule, alerts, digest), ensure_ascii=False).encode()
    url = httpx.URL(target.url)
    default_port = {"http": 80, "https": 443}[url.scheme]
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    pinned = url.copy_with(host=target.address)
    delay = 0.5
    error = ""
    client = _client(timeout)  # shared: see `_client`
    for attempt in range(retries + 1):
        headers = {"Content-Type": "application/json", "User-Agent": "newswatch-alerts", "Host": host_header,
                   **signing.headers(secret, delivery, body)}
        try:
            resp = client.post(pinned, content=body, headers=headers, extensions={"sni_hostname": target.host})
            if resp.status_code < 300:
                return
            if resp.is_redirect:
                raise RuntimeError(f"webhook {redact(target.url)} answered with a redirect "
                                   f"(HTTP {resp.status_code}), which is not followed")
            if resp.status_code < 500 and resp.status_code != 429:
                raise RuntimeError(f"webhook {redact(target.url)} refused the alert: HTTP {resp.status_code}")
            error = f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}"
        if attempt < retries:
            sleep(delay)
            delay = min(delay * 2, 8.0)
    raise RuntimeError(f"webhook {redact(target.url)} failed after {retries + 1} attempt(s): {error}")


@lru_cache(maxsize=4)
def _client(timeout: float) -> httpx.Client:
    """One client for every webhook delivery: building one loads the CA bundle (~0.15 s of CPU), which
    tens of deliveries a second in flight cannot each pay. Thread-safe; no keep-alive, so a connection
    opened for one host name (its TLS name checked) is never reused for another on the same address."""
    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0))


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

"""Where an alert goes: a JSON-lines file, a signed webhook, an e-mail. Each channel delivers one alert
or one digest and raises when it cannot; retries that make sense for the channel happen inside it."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pipeline.settings import Settings
from schemas.alerts import AlertEvent, AlertRule


def names(rule: AlertRule) -> list[str]:
    """The rule's channels as `kind:target`, the form recorded in `news-alerts` and dead-letter reasons."""
    return [*(f"file:{p}" for p in rule.files), *(f"webhook:{u}" for u in rule.webhooks),
            *(f"email:{a}" for a in rule.emails)]


def deliver(channel: str, rule: str, alerts: list[AlertEvent], digest: bool, s: Settings) -> None:
    """Deliver to one `kind:target` channel."""
    kind, target = channel.split(":", 1)
    if kind == "file":
        deliver_file(target, rule, alerts, digest)
    elif kind == "webhook":
        deliver_webhook(target, rule, alerts, digest, secret=s.webhook_secret.get_secret_value()
                        if s.webhook_secret else None, timeout=s.webhook_timeout_s, retries=s.webhook_retries)
    else:
        deliver_email(target, rule, alerts, digest, s)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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

"""Webhook signatures as Standard Webhooks (https://www.standardwebhooks.com) defines them, so receivers
can use its libraries: `webhook-id` (the delivery id, stable across retries and redeliveries: a receiver
drops a repeat by it), `webhook-timestamp` (Unix seconds) and `webhook-signature`, "v1," plus the base64
HMAC-SHA256 of "id.timestamp.body" under the secret (`NEWSWATCH_WEBHOOK_SECRET`, its UTF-8 bytes, or the
base64 after a "whsec_" prefix). A receiver refuses a timestamp more than TOLERANCE_S away from its clock,
so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOLERANCE_S = 300


def _key(secret: str) -> bytes:
    return base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode("utf-8")


def signature(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str | None, delivery_id: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The three headers (without a secret: the id and the timestamp only)."""
    ts = int(now if now is not None else time.time())
    out = {"webhook-id": delivery_id, "webhook-timestamp": str(ts)}
    if secret:
        out["webhook-signature"] = signature(secret, delivery_id, ts, body)
    return out


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None,
           tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver does (the README shows it): the signature matches and the timestamp is recent."""
    h = {k.lower(): v for k, v in headers.items()}
    try:
        ts = int(h["webhook-timestamp"])
        delivery_id = h["webhook-id"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance_s:
        return False
    expected = signature(secret, delivery_id, ts, body)
    # the header may carry several space-separated signatures (during a secret rotation)
    return any(hmac.compare_digest(expected, sig) for sig in h.get("webhook-signature", "").split())

"""The Alerts page: recent alerts from `news-alerts` (what the deliverer records), each with its channels'
delivery status (pending, held for a digest, delivered, failed), digests, filtered by rule and status."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.console.app import Console
from pipeline.console.backend import Unavailable

PAGE = 100
STATUSES = ("pending", "held", "delivered", "failed")


def routes(ctx: Console) -> list[Route]:
    def page(request: Request) -> Response:
        rule = (request.query_params.get("rule") or "").strip()[:128]
        status = request.query_params.get("status") or ""
        status = status if status in STATUSES else ""
        digest = request.query_params.get("digest") == "1"
        filters: list[dict[str, Any]] = []
        if rule:
            filters.append({"term": {"rule": rule}})
        if status:
            filters.append({"term": {"status": status}})
        if digest:
            filters.append({"term": {"digest": True}})
        body = {"query": {"bool": {"filter": filters}}, "size": PAGE, "sort": [{"fired_at": "desc"}],
                "track_total_hits": True,
                "aggs": {"rules": {"terms": {"field": "rule", "size": 100}},
                         "status": {"terms": {"field": "status", "size": 10}},
                         "digests": {"filter": {"term": {"digest": True}}}}}
        outage = None
        resp: dict[str, Any] = {}
        try:
            resp = ctx.backend.search(body, index=ctx.s.es_alerts_alias, what="the alerts")
        except Unavailable as exc:
            outage = str(exc)
        aggs = resp.get("aggregations", {})
        sources = [h["_source"] for h in resp.get("hits", {}).get("hits", [])]
        keys = channel_keys(ctx, sources)
        alerts = [alert_row(src, keys) for src in sources]
        return ctx.render(
            request, "alerts.html", alerts=alerts, rule=rule, status=status, digest=digest, outage=outage,
            total=resp.get("hits", {}).get("total", {}).get("value", 0) if resp else 0,
            rules=[(b["key"], b["doc_count"]) for b in aggs.get("rules", {}).get("buckets", [])],
            statuses={b["key"]: b["doc_count"] for b in aggs.get("status", {}).get("buckets", [])},
            digests=aggs.get("digests", {}).get("doc_count", 0), all_statuses=STATUSES)

    return [Route("/alerts", page)]


def channel_keys(ctx: Console, alerts: list[dict[str, Any]]) -> dict[str, str]:
    """label -> delivery-record key. A file or e-mail label is `kind:target`, hashed as the deliverer does; a
    webhook's label is redacted, so its key comes from the rule (read from the rules topic, when reachable)."""
    import hashlib

    keys: dict[str, str] = {}
    webhook_rules: set[str] = set()
    for a in alerts:
        for label in a.get("channels") or []:
            if str(label).startswith("webhook:"):
                webhook_rules.add(str(a.get("rule")))
            else:
                keys[label] = hashlib.sha256(str(label).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    if webhook_rules:
        try:
            from consumers.alerts import channels
            from pipeline.console.rules import _load

            rules, _ = _load(ctx)
            for name in webhook_rules:
                if name in rules:
                    keys |= {c.label: c.key for c in channels.of(rules[name])}
        except Exception:  # noqa: BLE001, S110 - without Kafka, webhook channels show the alert's overall status
            pass
    return keys


def alert_row(src: dict[str, Any], keys: dict[str, str]) -> dict[str, Any]:
    """One alert with a status per channel: delivered / failed from its delivery record, else the alert's."""
    deliveries: dict[str, Any] = src["deliveries"] if isinstance(src.get("deliveries"), dict) else {}
    status = str(src.get("status") or "pending")
    channels = []
    for label in src.get("channels") or []:
        record = deliveries.get(keys.get(label, ""))
        if isinstance(record, dict) and record.get("failed"):
            channels.append({"label": label, "status": "failed", "detail": str(record["failed"])[:300],
                             "at": record.get("at")})
        elif isinstance(record, dict):
            channels.append({"label": label, "status": "delivered", "detail": "", "at": record.get("at")})
        else:
            channels.append({"label": label, "status": status, "detail": "", "at": None})
    return src | {"channel_status": channels, "status": status}

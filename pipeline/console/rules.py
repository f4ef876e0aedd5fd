"""The Rules page: list (webhooks redacted as `newswatch rules list` does), add and edit with checking as you
type and a preview (what the rule would have matched in the last 7 days), test, remove. The same rule
model, parser, target checks and rules topic as the `newswatch rules` commands."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.console.app import Console
from pipeline.console.backend import Unavailable
from schemas.alerts import AlertRule

PREVIEW_DAYS = 7
PREVIEW_HITS = 5
MAX_CHANNELS = 20


def _lines(value: str | None) -> list[str]:
    parts = (value or "").replace(",", "\n").splitlines()
    return [p.strip() for p in parts if p.strip()][:MAX_CHANNELS]


def form_values(data: Any) -> dict[str, Any]:
    """The form as plain values (from a POST body or a GET query string), bounded."""
    def g(k: str, n: int = 10_000) -> str:
        return str(data.get(k) or "")[:n].strip()

    countries: list[str] = []
    for c in [*(data.getlist("country") if hasattr(data, "getlist") else [])] or [g("countries", 200)]:
        countries += [x.strip().upper() for x in str(c).replace(",", " ").split() if x.strip()]
    regions: list[str] = []
    for r in [*(data.getlist("region") if hasattr(data, "getlist") else [])] or [g("regions", 500)]:
        regions += [x.strip() for x in str(r).split(",") if x.strip()]
    return {"name": g("name", 128), "query": g("query"), "countries": countries[:50], "regions": regions[:50],
            "kind": g("kind", 20) or "match", "min_count": g("min_count", 12), "within": g("within", 20),
            "spike_factor": g("spike_factor", 12), "window": g("window", 20), "baseline": g("baseline", 12) or "6",
            "spike_min_count": g("spike_min_count", 12) or "3", "throttle": g("throttle", 20),
            "once_per_story": g("once_per_story", 5) in ("on", "1", "true"),
            "webhooks": _lines(g("webhooks", 20_000)), "files": _lines(g("files", 20_000)),
            "emails": _lines(g("emails", 20_000)), "original": g("original", 128)}


def build_rule(v: dict[str, Any], *, keep_webhooks: list[str] | None = None) -> Any:
    """An AlertRule from the form, as `newswatch rules add` builds one (raises QuerySyntaxError or ValueError).
    A webhook shown redacted and sent back unchanged stands for the stored URL it redacts."""
    from consumers.alerts.targets import redact
    from pipeline.query.rules import compile_rule
    from schemas.alerts import AlertRule, parse_duration

    stored = {redact(u): u for u in keep_webhooks or []}
    webhooks = [stored.get(w, w) for w in v["webhooks"]]
    counting: dict[str, Any] = {}
    try:
        if v["kind"] == "frequency":
            counting = {"kind": "frequency", "min_count": int(v["min_count"] or 0) or None,
                        "window_s": parse_duration(v["within"]) if v["within"] else None}
        elif v["kind"] == "spike":
            counting = {"kind": "spike", "spike_factor": float(v["spike_factor"] or 3),
                        "window_s": parse_duration(v["window"]) if v["window"] else None,
                        "baseline_windows": int(v["baseline"]), "min_count": int(v["spike_min_count"])}
        elif v["kind"] != "match":
            raise ValueError(f"unknown kind {v['kind']!r}")
    except ValueError as exc:
        raise ValueError(f"counting options: {exc}") from exc
    rule = AlertRule(name=v["name"] or "preview", query=v["query"] or "*", countries=v["countries"],
                     regions=v["regions"], throttle_s=parse_duration(v["throttle"]) if v["throttle"] else None,
                     webhooks=webhooks, files=v["files"], emails=v["emails"], once_per_story=v["once_per_story"],
                     **counting)
    compile_rule(rule)
    return rule


def check_targets(rule: Any, s: Any) -> list[str]:
    """The CLI's checks of files and webhooks; an unresolvable webhook host is a warning (checked again at
    every delivery), anything else refuses the rule (ValueError)."""
    from consumers.alerts.targets import Unresolvable, check_file, check_webhook

    warnings = []
    for f in rule.files:
        check_file(f, s)
    for url in rule.webhooks:
        try:
            check_webhook(url, s)
        except Unresolvable as exc:
            warnings.append(str(exc))
    return warnings


def public(rule: Any) -> dict[str, Any]:
    """A rule as the CLI prints it: webhook URLs redacted."""
    from consumers.alerts.targets import redact

    return rule.model_dump(mode="json") | {"webhooks": [redact(u) for u in rule.webhooks]}


def _redacted_error(text: str, urls: list[str]) -> str:
    from consumers.alerts.targets import redact

    for u in urls:
        text = text.replace(u, redact(u))
    return text


def _load(ctx: Console) -> tuple[dict[str, Any], dict[str, str]]:
    from pipeline.clients.rules_store import load_rules

    from pipeline.console.backend import kafka_unreachable

    why = kafka_unreachable(ctx.s)
    if why:
        raise Unavailable(f"the rules could not be read: {why}")
    bad: dict[str, str] = {}
    try:
        return load_rules(ctx.s, timeout=15, bad=bad), bad
    except Exception as exc:
        raise Unavailable(f"the rules could not be read from Kafka ({type(exc).__name__}: {str(exc)[:200]})") from exc


def preview(ctx: Console, v: dict[str, Any], *, days: int | None = PREVIEW_DAYS) -> dict[str, Any]:
    """Checks the form and counts what the rule would have matched: {"error"} / {"syntax"} / {"total", "hits"}."""
    from pydantic import ValidationError

    from pipeline.console.pages import syntax_error
    from pipeline.query import QuerySyntaxError
    from pipeline.query.search import build_query, parse_response

    if not v["query"]:
        return {"empty": True}
    try:
        rule = build_rule(v)
    except QuerySyntaxError as exc:
        return {"syntax": syntax_error(exc)}
    except (ValidationError, ValueError) as exc:
        return {"error": _validation_message(exc, v["webhooks"])}
    since = datetime.now(timezone.utc) - timedelta(days=days) if days else None
    try:
        body = build_query(rule.full_query(), since=since, limit=PREVIEW_HITS)
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last", "unmapped_type": "date"}}]
        body.pop("aggs", None)
        result = parse_response(ctx.backend.search(body, what="the preview"))
    except QuerySyntaxError as exc:
        return {"syntax": syntax_error(exc)}
    except Unavailable as exc:
        return {"error": str(exc), "valid": True}
    return {"total": result.total, "hits": result.hits, "days": days, "full_query": rule.full_query()}


def _validation_message(exc: Exception, webhooks: list[str]) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'rule'}: {e['msg']}" for e in exc.errors()[:5])
    else:
        text = str(exc)
    return _redacted_error(text, webhooks)[:600]


def routes(ctx: Console) -> list[Route]:
    def list_page(request: Request) -> Response:
        outage = None
        rules: dict[str, Any] = {}
        bad: dict[str, str] = {}
        try:
            rules, bad = _load(ctx)
        except Unavailable as exc:
            outage = str(exc)
        return ctx.render(request, "rules.html", rules=[public(r) for r in rules.values()], bad=bad, outage=outage,
                          saved=request.query_params.get("saved"), removed=request.query_params.get("removed"))

    def new_page(request: Request) -> Response:
        v = form_values(request.query_params)
        return ctx.render(request, "rule_form.html", v=v, check=preview(ctx, v), editing=False)

    def named_rule(request: Request) -> AlertRule | Response:
        """The rule the path names, or the error page that says why there is none."""
        try:
            rules, _ = _load(ctx)
        except Unavailable as exc:
            return ctx.render(request, "error.html", status_code=503, message=str(exc))
        rule = rules.get(request.path_params["name"])
        if rule is None:
            return ctx.render(request, "error.html", status_code=404, message="No rule with this name.")
        return rule

    def edit_page(request: Request) -> Response:
        rule = named_rule(request)
        if isinstance(rule, Response):
            return rule
        v = rule_values(rule)
        return ctx.render(request, "rule_form.html", v=v, check=preview(ctx, v), editing=True)

    def check_fragment(request: Request) -> Response:
        v = form_values(request.query_params)
        return ctx.render(request, "_rule_check.html", check=preview(ctx, v))

    async def save(request: Request) -> Response:
        form: FormData = await request.form(max_files=0, max_fields=200)
        v = form_values(form)
        return await run_in_threadpool(_save, request, v)

    def _save(request: Request, v: dict[str, Any]) -> Response:
        from pydantic import ValidationError

        from pipeline.clients.rules_store import put_rule
        from pipeline.console.pages import syntax_error
        from pipeline.query import QuerySyntaxError

        error: dict[str, Any] | None = None
        keep: list[str] = []
        try:
            if not v["name"]:
                raise ValueError("the rule needs a name (letters, digits, . _ -)")
            if v["original"]:  # editing: redacted webhooks stand for the stored ones
                rules, _ = _load(ctx)
                old = rules.get(v["original"])
                keep = old.webhooks if old else []
            rule = build_rule(v, keep_webhooks=keep)
            warnings = check_targets(rule, ctx.s)
            from pipeline.console.backend import kafka_unreachable

            why = kafka_unreachable(ctx.s)
            if why:
                raise Unavailable(f"the rule was not saved: {why}")
            put_rule(ctx.s, rule)
            if v["original"] and v["original"] != rule.name:
                from pipeline.clients.rules_store import delete_rule

                delete_rule(ctx.s, v["original"])
        except QuerySyntaxError as exc:
            error = {"syntax": syntax_error(exc)}
        except (ValidationError, ValueError) as exc:
            error = {"error": _validation_message(exc, [*v["webhooks"], *keep])}
        except Unavailable as exc:
            error = {"error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - Kafka refused the write: say so, keep the form
            error = {"error": f"the rule could not be saved ({type(exc).__name__}: {str(exc)[:200]})"}
        if error is not None:
            return ctx.render(request, "rule_form.html", status_code=400, v=v, check=error, editing=bool(v["original"]))
        qs = urlencode({"saved": rule.name, **({"warn": "; ".join(warnings)[:300]} if warnings else {})})
        return RedirectResponse(f"/rules?{qs}", status_code=303)

    async def remove(request: Request) -> Response:
        name = request.path_params["name"]
        await request.form(max_files=0, max_fields=10)

        def do() -> None:
            from pipeline.clients.rules_store import delete_rule

            delete_rule(ctx.s, name)

        try:
            await run_in_threadpool(do)
        except Exception as exc:  # noqa: BLE001
            return ctx.render(request, "error.html", status_code=503,
                              message=f"the rule could not be removed ({type(exc).__name__})")
        return RedirectResponse(f"/rules?{urlencode({'removed': name})}", status_code=303)

    def test_page(request: Request) -> Response:
        rule = named_rule(request)
        if isinstance(rule, Response):
            return rule
        v = rule_values(rule)
        return ctx.render(request, "rule_test.html", rule=public(rule), check=preview(ctx, v, days=None))

    return [
        Route("/rules", list_page, methods=["GET"]),
        Route("/rules", save, methods=["POST"]),
        Route("/rules/new", new_page),
        Route("/rules/check", check_fragment),
        Route("/rules/{name}/edit", edit_page),
        Route("/rules/{name}/test", test_page),
        Route("/rules/{name}/delete", remove, methods=["POST"]),
    ]


def rule_values(rule: Any) -> dict[str, Any]:
    """A stored rule as form values (webhooks redacted: the form never holds their tokens)."""
    p = public(rule)
    kind = rule.kind
    return {"name": rule.name, "query": rule.query, "countries": rule.countries, "regions": rule.regions, "kind": kind,
            "min_count": str(rule.min_count or "") if kind == "frequency" else "",
            "within": f"{rule.window_s:g}s" if kind == "frequency" and rule.window_s else "",
            "spike_factor": f"{rule.spike_factor:g}" if rule.spike_factor else "",
            "window": f"{rule.window_s:g}s" if kind == "spike" and rule.window_s else "",
            "baseline": str(rule.baseline_windows or 6), "spike_min_count": str(rule.min_count or 3) if kind == "spike" else "3",
            "throttle": f"{rule.throttle_s:g}s" if rule.throttle_s else "", "once_per_story": rule.once_per_story,
            "webhooks": p["webhooks"], "files": rule.files, "emails": rule.emails, "original": rule.name}

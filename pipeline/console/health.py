"""The Health page: what `newswatch status` collects (processes, lag, dead letters by stage, failing feeds,
disk), the recent dead letters with their reasons, and a replay action that runs `newswatch dlq replay`
itself, so the console and the command can never disagree on what a replay does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.console.app import Console

DEAD_LETTERS_SHOWN = 100
REPLAY_TIMEOUT_S = 120
_REF = re.compile(r"^\d{1,6}:\d{1,19}$")


def routes(ctx: Console) -> list[Route]:
    def page(request: Request) -> Response:
        from pipeline.observe import dlq
        from deploy.local.stack import LocalStack
        from pipeline.observe.status import collect
        from producers.feeds.health import FeedHealth

        from pipeline.console.backend import kafka_unreachable

        report, letters, problems = None, [], []
        why = kafka_unreachable(ctx.s)
        if why:  # `newswatch status` would wait out the client's timeouts; the page says it at once
            problems.append(why)
            return ctx.render(request, "health.html", report=None, letters=[], problems=problems,
                              replayed=request.query_params.get("replayed"), failed=request.query_params.get("failed"))
        try:
            report = collect(ctx.s, servers=LocalStack(ctx.s, log=lambda m: None),
                             feeds=FeedHealth(ctx.s.feeds_file, ctx.s.state_dir / "feeds.sqlite"))
        except Exception as exc:  # noqa: BLE001 - a part of status failing is shown, not raised
            problems.append(f"status could not be collected ({type(exc).__name__}: {str(exc)[:200]})")
        if report is not None and next((p.up for p in report.processes if p.name == "kafka"), False):
            try:
                since = datetime.now(timezone.utc) - timedelta(days=1)
                letters = [dlq.describe(i) for i in dlq.read(ctx.s, since=since, limit=DEAD_LETTERS_SHOWN)]
            except Exception as exc:  # noqa: BLE001
                problems.append(f"dead letters could not be read ({type(exc).__name__})")
        return ctx.render(request, "health.html", report=report, letters=letters, problems=problems,
                          replayed=request.query_params.get("replayed"), failed=request.query_params.get("failed"))

    async def replay(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=DEAD_LETTERS_SHOWN + 5)
        refs = [r for r in form.getlist("ref") if isinstance(r, str) and _REF.match(r)][:DEAD_LETTERS_SHOWN]
        if not refs:
            return RedirectResponse("/health?" + urlencode({"failed": "choose at least one dead letter"}), status_code=303)
        result = await run_in_threadpool(run_replay, refs)
        return RedirectResponse("/health?" + urlencode(result), status_code=303)

    return [Route("/health", page), Route("/health/replay", replay, methods=["POST"])]


def run_replay(refs: list[str]) -> dict[str, str]:
    """`newswatch dlq replay --id REF... --json`, with this process's settings (environment)."""
    argv = [sys.executable, "-m", "pipeline", "dlq", "replay", "--json"]
    for r in refs:
        argv += ["--id", r]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=REPLAY_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"failed": f"the replay did not finish within {REPLAY_TIMEOUT_S} s"}
    try:
        out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"failed": (proc.stderr.strip().splitlines() or ["the replay failed"])[-1][:300]}
    sent = sum(out.get("replayed", {}).values())
    text = f"replayed {sent}" + (f", {out['rejected_again']} rejected again" if out.get("rejected_again") else "") + \
        (f", {len(out.get('skipped', []))} skipped" if out.get("skipped") else "")
    return {"replayed": text} if proc.returncode == 0 else {"failed": text + f" ({out.get('failed', 0)} failed)"}

"""What every command shares: the settings built once, and printing for people or scripts."""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from pipeline.settings import Settings

console = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # a bad setting is a user error, not a traceback
        console.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


# C0 and C1 control characters (but line feed and tab), and the bidirectional overrides and isolates that
# reorder what a terminal shows ("Trojan source"): a title from the internet must not drive the terminal.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Untrusted text for the terminal: control sequences removed, rich markup escaped."""
    return escape(_UNSAFE.sub("", text))


def stop_on_signals() -> threading.Event:
    """Set on SIGTERM or Ctrl-C, so a long-running loop finishes its batch and closes cleanly."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def search_articles(s: Settings, body: dict[str, Any]) -> dict[str, Any]:
    """One search over the articles alias for a command: Elasticsearch's refusals and outages become a
    message and exit 1, never a traceback; no index yet is an empty result."""
    from elasticsearch import ApiError, NotFoundError, TransportError

    from pipeline.clients.elasticsearch import make_es

    try:
        return dict(make_es(s).search(index=s.es_alias, **body))
    except NotFoundError:
        console.print(f"[yellow]no index {safe(s.es_alias)} yet: nothing has been indexed[/yellow]")
        return {}
    except ApiError as exc:
        console.print(f"[red]Elasticsearch refused the search[/red] (HTTP {exc.meta.status}): {safe(_es_reason(exc))}")
        raise typer.Exit(1) from exc
    except TransportError as exc:
        console.print(f"[red]Elasticsearch is not reachable[/red] ({type(exc).__name__}); is the stack up? "
                      "(`newswatch stack status`)")
        raise typer.Exit(1) from exc


def _es_reason(exc: Any) -> str:
    """The root cause Elasticsearch gives, one line."""
    body: dict[str, Any] = exc.body if isinstance(exc.body, dict) else {}
    error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    causes = error.get("root_cause") or [error]
    first = causes[0] if causes and isinstance(causes[0], dict) else {}
    return f"{first.get('type', type(exc).__name__)}: {first.get('reason', exc.message)}"[:500]

"""What every command shares: the settings built once, and printing for people or scripts."""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from pipeline.settings import Settings

console = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # noqa: BLE001 - a bad setting is a user error, not a traceback
        fail("invalid settings", exc, field=lambda f: f"{f} (NEWSWATCH_{f.upper()})")


MAX_REASONS = 3  # a line names at most this many fields; the rest are counted
MAX_REASON_CHARS = 300


def one_line(exc: BaseException, field: Callable[[str], str] | Mapping[str, str] | None = None) -> str:
    """An input error as people read it: one line naming each field and its reason. Pydantic's own text is
    a header, the field, the reason with the input echoed, and a link to its documentation, over four
    lines; `field` names a model field as the user knows it (an option, an environment variable)."""
    from pydantic import ValidationError

    def name(loc: tuple[Any, ...]) -> str:
        top = str(loc[0]) if loc else ""
        if isinstance(field, Mapping):
            top = field.get(top, top)
        elif field is not None and top:
            top = field(top)
        rest = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc[1:])
        return top + rest

    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_input=False)
        parts = []
        for e in errors[:MAX_REASONS]:
            msg = str(e["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            where = name(tuple(e["loc"]))
            parts.append(f"{where}: {msg}" if where else msg)
        more = len(errors) - MAX_REASONS
        text = "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
    else:
        text = str(exc) or type(exc).__name__
    text = " ".join(text.split())  # one line, whatever the message held
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def fail(what: str, exc: BaseException, *, field: Callable[[str], str] | Mapping[str, str] | None = None,
         redact: Callable[[str], str] | None = None, code: int = 2) -> NoReturn:
    """Print `what: field: reason` on one line (secrets taken out by `redact`) and exit with `code` (2: the
    input was wrong)."""
    text = one_line(exc, field)
    console.print(f"[red]{what}:[/red] {safe(redact(text) if redact else text)}")
    raise typer.Exit(code) from exc


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

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
    except Exception as exc:  # noqa: BLE001 - a bad setting is a user error, not a traceback
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

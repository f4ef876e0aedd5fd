"""What every source yields: one article payload, or the reason a piece of input is not one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceRecord:
    origin: str  # where a person finds it: "path", "path:line", "path[index]", "feed -> item link"
    payload: dict[str, Any] | None = None
    error: str | None = None
    raw: str = ""  # the original text, kept for the dead-letter topic
    original: tuple[int, str] | None = None  # (bytes, sha256) of the original when `raw` is only an excerpt

"""Articles from files: `.txt`, `.json` (an object or a list), `.jsonl`, folders (recursively), `-` (stdin).

Yields one `SourceRecord` per article or per unreadable piece, so a bad line is reported and the rest flow:
bytes are decoded line by line and JSON is parsed within limits (`schemas.untrusted`), so one bad byte or
one hostile record costs that line only.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from producers.record import SourceRecord
from schemas import ValidationLimits
from schemas.untrusted import UntrustedJSONError, decode, loads

SUFFIXES = {".txt", ".json", ".jsonl", ".ndjson"}


def expand(paths: Iterable[str]) -> list[Path | str]:
    """Files in the order given, folders expanded recursively (sorted), '-' kept for stdin."""
    out: list[Path | str] = []
    for p in paths:
        if p == "-":
            out.append("-")
            continue
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        else:
            out.append(path)
    return out


def read_txt(where: str, data: bytes, source: str | None) -> Iterator[SourceRecord]:
    try:
        text = decode(data, max_bytes=None)
    except UntrustedJSONError as exc:
        yield SourceRecord(where, error=str(exc), raw=data.decode("utf-8", "replace"))
        return
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    yield SourceRecord(where, {"title": title, "body": text, "source": source or "file"}, raw=text)


def read_json_lines(origin: str, lines: Iterable[bytes | str], source: str | None,
                    limits: ValidationLimits) -> Iterator[SourceRecord]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{origin}:{n}"
        raw = (line.decode("utf-8", "replace") if isinstance(line, bytes) else line).rstrip("\r\n")
        try:
            obj = loads(line, max_bytes=limits.max_payload_bytes)
        except UntrustedJSONError as exc:
            yield SourceRecord(where, error=str(exc), raw=raw)
            continue
        yield _record(where, obj, source, raw)


def read_json(where: str, data: bytes, source: str | None) -> Iterator[SourceRecord]:
    try:
        text = decode(data, max_bytes=None)
        obj = loads(text, max_bytes=None)  # a whole file, already in memory: its depth and numbers are bounded
    except UntrustedJSONError as exc:
        yield SourceRecord(where, error=str(exc), raw=data.decode("utf-8", "replace"))
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            yield _record(f"{where}[{i}]", item, source, json.dumps(item, ensure_ascii=False))
    else:
        yield _record(where, obj, source, text)


def _record(where: str, obj: Any, source: str | None, raw: str) -> SourceRecord:
    if not isinstance(obj, dict):
        return SourceRecord(where, error=f"expected a JSON object, got {type(obj).__name__}", raw=raw)
    if source and not obj.get("source"):
        obj = {**obj, "source": source}
    return SourceRecord(where, obj, raw=raw)


def printable(path: Path) -> str:
    """A file name as text, whatever bytes it is made of (it becomes a Kafka key and a log line)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read(target: Path | str, *, source: str | None = None, limits: ValidationLimits | None = None) -> Iterator[SourceRecord]:
    limits = limits or ValidationLimits()
    if target == "-":
        yield from read_json_lines("<stdin>", getattr(sys.stdin, "buffer", sys.stdin), source, limits)
        return
    path = Path(target)
    where = printable(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield SourceRecord(where, error=f"cannot read: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from read_json_lines(where, data.splitlines(), source, limits)
    elif suffix == ".json":
        yield from read_json(where, data, source)
    else:
        yield from read_txt(where, data, source)

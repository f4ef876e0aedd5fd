"""Articles from files: `.txt`, `.json` (an object or a list), `.jsonl`, folders (recursively), `-` (stdin).

Yields one `SourceRecord` per article or per unreadable piece, so a bad line is reported and the rest flow.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from producers.record import SourceRecord

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


def read_txt(path: Path, text: str, source: str | None) -> Iterator[SourceRecord]:
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    yield SourceRecord(str(path), {"title": title, "body": text, "source": source or "file"}, raw=text)


def read_json_lines(origin: str, lines: Iterable[str], source: str | None) -> Iterator[SourceRecord]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{origin}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SourceRecord(where, error=f"not JSON: {exc.msg} at column {exc.colno}", raw=line.rstrip("\n"))
            continue
        yield _record(where, obj, source, line.rstrip("\n"))


def read_json(path: Path, text: str, source: str | None) -> Iterator[SourceRecord]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield SourceRecord(str(path), error=f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", raw=text)
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            yield _record(f"{path}[{i}]", item, source, json.dumps(item, ensure_ascii=False))
    else:
        yield _record(str(path), obj, source, text)


def _record(where: str, obj: Any, source: str | None, raw: str) -> SourceRecord:
    if not isinstance(obj, dict):
        return SourceRecord(where, error=f"expected a JSON object, got {type(obj).__name__}", raw=raw)
    if source and not obj.get("source"):
        obj = {**obj, "source": source}
    return SourceRecord(where, obj, raw=raw)


def read(target: Path | str, *, source: str | None = None) -> Iterator[SourceRecord]:
    if target == "-":
        yield from read_json_lines("<stdin>", sys.stdin, source)
        return
    path = Path(target)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yield SourceRecord(str(path), error=f"cannot read: {exc}")
        return
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from read_json_lines(str(path), text.splitlines(), source)
    elif suffix == ".json":
        yield from read_json(path, text, source)
    else:
        yield from read_txt(path, text, source)

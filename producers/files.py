"""Articles from files: `.txt`, `.json` (an object or a list), `.jsonl`, folders (recursively), `-` (stdin).

Yields one `SourceRecord` per article or per unreadable piece, so a bad line is reported and the rest flow:
bytes are decoded line by line and JSON is parsed within limits (`schemas.untrusted`), so one bad byte or
one hostile record costs that line only.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

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


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
              (codecs.BOM_UTF16_BE, "utf-16"))


def _file_text(data: bytes) -> bytes | str:
    """Files saved by Windows tools are often UTF-16 with a byte-order mark: decoded here, for files only
    (records on topics must be UTF-8). Anything else is left to `decode`, which wants UTF-8."""
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UntrustedJSONError(f"not {codec.upper()} despite its byte-order mark: {exc.reason}") from exc
    return data


def read_txt(where: str, data: bytes, source: str | None) -> Iterator[SourceRecord]:
    try:
        text = decode(_file_text(data), max_bytes=None)
    except UntrustedJSONError as exc:
        yield SourceRecord(where, error=str(exc), raw=data.decode("utf-8", "replace"))
        return
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    yield SourceRecord(where, {"title": title, "body": text, "source": source or "file"}, raw=text)


def read_json_lines(origin: str, lines: Iterable[bytes | str], source: str | None,
                    limits: ValidationLimits) -> Iterator[SourceRecord]:
    for n, line in enumerate(lines, 1):
        if len(line) <= 1024 and not line.strip():
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
        text = decode(_file_text(data), max_bytes=None)
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
        yield from read_json_lines("<stdin>", _lines(sys.stdin.buffer, limits.max_payload_bytes), source, limits)
        return
    path = Path(target)
    where = printable(path)
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as f:
            if suffix in (".jsonl", ".ndjson"):  # streamed: a file of any size, a line at a time
                yield from read_json_lines(where, _lines(f, limits.max_payload_bytes), source, limits)
                return
            # one record per file: never more than a record's limit in memory
            data = f.read(limits.max_payload_bytes + 1)
            if len(data) > limits.max_payload_bytes:
                digest, size = hashlib.sha256(data), len(data)
                while chunk := f.read(1 << 20):  # the original's size and hash, without holding it
                    digest.update(chunk)
                    size += len(chunk)
                yield SourceRecord(where, error=f"file is {size} bytes, over the limit of {limits.max_payload_bytes} "
                                                f"bytes for one record", raw=data[:4096].decode("utf-8", "replace"),
                                   original=(size, digest.hexdigest()))
                return
    except OSError as exc:
        # nothing of the original could be read: the dead letter names the file, its payload stays empty
        yield SourceRecord(where, error=f"cannot read: {exc.strerror or exc}")
        return
    if suffix == ".json":
        yield from read_json(where, data, source)
    else:
        yield from read_txt(where, data, source)


def _lines(f: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    """The file's lines; a line over `max_bytes` comes back as its first `max_bytes + 1` bytes (which the
    parser refuses as over the limit) and the rest of it is skipped without being held."""
    while line := f.readline(max_bytes + 1):
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
        yield line

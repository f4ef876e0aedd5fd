"""JSON from anyone (files, stdin, topics, feeds), parsed within limits.

`json.loads` recurses once per nesting level and builds integers of any length: a 100k-deep array is a
RecursionError, a 5,000-digit number a ValueError of another kind, and either used to take down the
batch around it. Here the size, the nesting depth and the length of numbers are checked on the text
first (strings blanked out, so their content never counts), and every failure is a ValueError whose
message a person can act on.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32  # an article is flat; a little room for extra fields that are ignored anyway
MAX_NUMBER_DIGITS = 64

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class UntrustedJSONError(ValueError):
    """Not JSON, or JSON outside the limits; the message says which."""


def loads(data: bytes | str, *, max_bytes: int | None, max_depth: int = MAX_DEPTH,
          max_digits: int = MAX_NUMBER_DIGITS) -> Any:
    """Parse `data` if it is UTF-8 JSON within the limits (`max_bytes=None`: no size limit)."""
    text = decode(data, max_bytes=max_bytes)
    skeleton = _STRING.sub('""', text)
    depth = 0
    for m in _BRACKET.finditer(skeleton):
        depth += 1 if m.group() in "[{" else -1
        if depth > max_depth:
            raise UntrustedJSONError(f"not an article: JSON nested more than {max_depth} levels deep")
    if re.search(rf"\d{{{max_digits + 1},}}", skeleton):
        raise UntrustedJSONError(f"not an article: a number with more than {max_digits} digits")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UntrustedJSONError(f"not JSON: {exc}") from exc


def decode(data: bytes | str, *, max_bytes: int | None) -> str:
    """UTF-8 text (a byte-order mark dropped) of at most `max_bytes` bytes."""
    if isinstance(data, str):
        if max_bytes is not None and len(data) > max_bytes // 4 and len(data.encode("utf-8", "surrogatepass")) > max_bytes:
            raise UntrustedJSONError(f"record is over the limit of {max_bytes} bytes")
        return data.removeprefix("\ufeff")
    if max_bytes is not None and len(data) > max_bytes:
        raise UntrustedJSONError(f"record is {len(data)} bytes, over the limit of {max_bytes} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UntrustedJSONError(f"not UTF-8: {exc.reason} at byte {exc.start}") from exc

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def poll(check: Callable[[], Any], *, timeout: float, interval: float = 0.3, what: str = "condition") -> Any:
    """Poll until `check()` is truthy; fail with `what` at the deadline. Never a bare sleep."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last value {last!r})")

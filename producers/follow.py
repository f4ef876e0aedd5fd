"""Watch folders: every file dropped into them is sent once, when it has stopped growing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from producers.files import SUFFIXES


def follow(folders: list[Path], *, interval: float = 1.0, should_stop: Callable[[], bool] = lambda: False,
           include_existing: bool = True) -> Iterator[Path]:
    """Yield each new or rewritten file once its size and mtime held still for one interval."""
    done: dict[Path, tuple[int, int]] = {}
    pending: dict[Path, tuple[int, int]] = {}
    first = True
    while not should_stop():
        found = (p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        for f in sorted(found):
            try:
                st = f.stat()
            except FileNotFoundError:
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if done.get(f) == sig:
                continue
            if first and not include_existing:
                done[f] = sig
                continue
            if pending.get(f) == sig:
                del pending[f]
                done[f] = sig
                yield f
            else:
                pending[f] = sig
        first = False
        time.sleep(interval)

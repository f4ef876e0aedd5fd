"""Readable logs: repeats summarised, library tracebacks one line, JSON for shippers."""

from __future__ import annotations

import json
import logging

from pipeline.observe.logs import JsonFormatter, NoLibraryTracebacks, Repeats


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_repeated_warning_is_logged_once_then_summarised(monkeypatch: object) -> None:
    import pipeline.observe.logs as logs

    clock = [100.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: clock[0])  # type: ignore[attr-defined]
    handler = Collect()
    repeats = Repeats(window_s=10)
    handler.addFilter(repeats)
    repeats._handlers.append(handler)
    log = logging.getLogger("newswatch.test.repeats")
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    log.propagate = False
    try:
        for i in range(4210):
            clock[0] = 100.0 + i * 0.00285  # 12 s of retries
            log.warning("Unable connect to node %s", 1)
        log.info("an info line always passes")
        clock[0] = 113.0
        log.warning("Unable connect to node %s", 1)
        clock[0] = 130.0  # the outage is over: the timer reports the last window
        repeats.flush()
    finally:
        log.removeHandler(handler)
    import re

    passed = [x for x in handler.lines if x == "Unable connect to node 1"]
    summarised = [int(m.group(1).replace(",", "")) for x in handler.lines
                  if (m := re.search(r"and ([\d,]+) more like it in the last \d+ s", x))]
    assert "an info line always passes" in handler.lines
    assert len(handler.lines) <= 6  # 4,211 warnings in 13 s: one line per 10 s window, plus summaries
    assert len(passed) + sum(summarised) == 4211  # every warning accounted for


def test_library_tracebacks_become_one_line_and_json_is_one_object_per_line() -> None:
    try:
        raise ConnectionError("refused")
    except ConnectionError:
        import sys

        record = logging.LogRecord("elastic_transport", logging.WARNING, __file__, 1, "retrying %s", ("x",), sys.exc_info())
    assert NoLibraryTracebacks().filter(record) and record.exc_info is None
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["level"] == "warning" and data["message"] == "retrying x (ConnectionError: refused)" and "\n" not in line

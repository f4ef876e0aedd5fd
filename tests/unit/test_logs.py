"""Readable logs: repeats summarised, library tracebacks one line, JSON for shippers."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

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


def test_a_handler_whose_stream_was_closed_is_dropped_not_written_to(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A test runner closes the stream it captured (a CLI run in-process logged to it): the timer's summary
    must not print a logging error there, nor keep the handler."""
    import pipeline.observe.logs as logs

    clock = [100.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    gone, kept = logging.StreamHandler(stream), Collect()
    repeats = Repeats(window_s=10)
    for h in (gone, kept):
        repeats.attach(h)
    log = _logger("newswatch.test.closed", gone, kept)
    try:
        for _ in range(3):
            log.warning("Elasticsearch not up yet")
        stream.close()
        clock[0] = 111.0
        repeats.flush()
    finally:
        repeats.close()
        for h in (gone, kept):
            log.removeHandler(h)
    assert "Logging error" not in capsys.readouterr().err
    assert repeats._handlers == [kept]
    # one decision per record, however many handlers ask: both see the first, neither the repeats
    assert kept.lines == ["Elasticsearch not up yet", "Elasticsearch not up yet (and 2 more like it in the last 11 s)"]
    assert stream.closed


def test_the_counts_of_open_windows_are_summarised_at_exit_and_the_timer_stops() -> None:
    handler = Collect()
    repeats = Repeats(window_s=3600)
    repeats.attach(handler)
    log = _logger("newswatch.test.exit", handler)
    try:
        for _ in range(5):
            log.warning("broker unreachable")
        repeats.close()  # what atexit calls
    finally:
        log.removeHandler(handler)
    assert repeats._timer is not None
    repeats._timer.join(timeout=5)
    assert not repeats._timer.is_alive()
    assert handler.lines[0] == "broker unreachable"
    assert re.fullmatch(r"broker unreachable \(and 4 more like it in the last \d+ s\)", handler.lines[1])
    assert len(handler.lines) == 2


def _logger(name: str, *handlers: logging.Handler) -> logging.Logger:
    log = logging.getLogger(name)
    log.setLevel(logging.INFO)
    log.propagate = False
    for h in handlers:
        log.addHandler(h)
    return log

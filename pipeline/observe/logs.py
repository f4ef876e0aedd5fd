"""Logs people can read during an outage: the same warning repeated is logged once per window and then
summarised ("... and 4,209 more like it in the last 12 s"), clients' retry tracebacks become one line, and
`--log-format json` (or NEWSWATCH_LOG_FORMAT=json) writes one JSON object per line for log shippers."""

from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any

WINDOW_S = 10.0


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            out["error"] = f"{record.exc_info[0].__name__ if record.exc_info[0] else ''}: {record.exc_info[1]}"
        return json.dumps(out, ensure_ascii=False)


class NoLibraryTracebacks(logging.Filter):
    """Clients log a full traceback on every retry (elastic_transport does, per attempt): during an
    outage that floods the log. Their records keep one line: the message and the exception's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.name.startswith("newswatch"):
            exc = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({type(exc).__name__}: {exc})", None
            record.exc_info = record.exc_text = None
        return True


class Repeats(logging.Filter):
    """A warning or error with the same logger and message template is let through once per `window_s`;
    the rest are counted and summarised when the window ends (by the next one, or by a timer)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        super().__init__()
        self.window_s = window_s
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], list[Any]] = {}  # key -> [start, count, last]
        self._handlers: list[logging.Handler] = []
        self._timer: threading.Thread | None = None
        self._stopped = threading.Event()

    def attach(self, handler: logging.Handler) -> None:
        handler.addFilter(self)
        self._handlers.append(handler)
        if self._timer is None:
            self._timer = threading.Thread(target=self._flush_forever, name="log-repeats", daemon=True)
            self._timer.start()
            atexit.register(self.close)  # before logging's own shutdown (atexit runs last-registered first)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or getattr(record, "_summary", False):
            return True
        decided = getattr(record, "_repeats", None)  # decided once per record, whichever handler asks first:
        if decided is not None:  # a second handler asking again would count the record as its own repeat
            return bool(decided)
        record.__dict__["_repeats"] = passed = self._decide(record)
        return passed

    def _decide(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            entry = self._seen.get(key)
            if entry is None or now - float(entry[0]) >= self.window_s:
                if entry is not None and int(entry[1]):
                    self._emit_summary(entry, now)
                self._seen[key] = [now, 0, record]
                return True
            entry[1] = int(entry[1]) + 1
            entry[2] = record
            return False

    def _emit_summary(self, entry: list[Any], now: float) -> None:
        last = entry[2]
        assert isinstance(last, logging.LogRecord)
        summary = logging.makeLogRecord({**last.__dict__, "_summary": True, "exc_info": None, "exc_text": None,
                                         "args": None, "created": time.time()})
        summary.msg = f"{last.getMessage()} (and {int(entry[1]):,} more like it in the last {now - float(entry[0]):.0f} s)"
        self._handlers = [h for h in self._handlers if _open(h, self)]
        for h in self._handlers:
            h.handle(summary)

    def flush(self, *, every: bool = False) -> None:
        """Summarise the windows that have ended (a timer calls this, so a burst that stops is reported);
        `every`: those still open too (the process is ending)."""
        now = time.monotonic()
        with self._lock:
            for key, entry in list(self._seen.items()):
                if every or now - float(entry[0]) >= self.window_s:
                    if int(entry[1]):
                        self._emit_summary(entry, now)
                    del self._seen[key]

    def close(self) -> None:
        """At exit: the counts still open are summarised while the handlers can write, and the timer
        writes nothing after (it is a daemon thread: it would otherwise run on into the interpreter's
        shutdown, after the streams it writes to are closed)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.flush(every=True)

    def _flush_forever(self) -> None:
        while not self._stopped.wait(self.window_s / 2):
            self.flush()


def _open(handler: logging.Handler, repeats: Repeats) -> bool:
    """Whether a handler still takes summaries: it still has the filter, and its stream (if it writes to
    one) is open. A handler whose stream was closed under it (a test runner's captured output, a CLI run
    in-process) is dropped, not written to: each write would print a logging error."""
    stream = getattr(handler, "stream", None)
    return repeats in handler.filters and not getattr(stream, "closed", False)


def configure(fmt: str = "text", level: int = logging.INFO) -> None:
    """For the CLI: one handler on stderr, text or JSON, with both filters."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    install_filters()
    # httpx logs every request's URL at INFO, and a webhook's URL can hold its token
    for noisy in ("kafka", "aiokafka", "elastic_transport", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


_REPEATS = Repeats()


def install_filters() -> None:
    """On every handler the root logger has now (Faust installs its own: the worker calls this again)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, NoLibraryTracebacks) for f in handler.filters):
            handler.addFilter(NoLibraryTracebacks())
            _REPEATS.attach(handler)

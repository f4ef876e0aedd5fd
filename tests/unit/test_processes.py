"""The local stack's start-up wait (deploy/local/processes.py): a server is taken for gone only when two
looks a second apart agree, and the error says which check saw it gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from deploy.local.processes import Server, StackError, wait_until


class _Flaky:
    """A server that looks gone at the first look only, as a live broker once did."""

    def __init__(self, looks: list[str | None], log_file: Path) -> None:
        self.looks, self.log_file = looks, log_file

    def exited(self) -> str | None:
        return self.looks.pop(0) if self.looks else None

    def log_tail(self) -> str:
        return "(log)"


def test_one_look_that_a_server_is_gone_is_not_enough(tmp_path: Path) -> None:
    answers = iter([False, False, True])
    server = _Flaky(["process 1 is gone", None], tmp_path / "kafka.log")
    wait_until("kafka", lambda: next(answers), timeout=30, server=cast(Any, server))
    assert server.looks == []  # looked again, and it was there


def test_a_server_gone_twice_fails_the_start_with_the_reason(tmp_path: Path) -> None:
    server = _Flaky(["process 7 is gone", "process 7 is gone"], tmp_path / "kafka.log")
    with pytest.raises(StackError, match=r"kafka exited during start-up \(process 7 is gone\)"):
        wait_until("kafka", lambda: False, timeout=30, server=cast(Any, server))


def test_exited_says_why(tmp_path: Path) -> None:
    s = Server("kafka", tmp_path / "kafka.pid", tmp_path / "kafka.log", marker="server.properties")
    assert s.exited() is not None and "pid file" in (s.exited() or "")
    (tmp_path / "kafka.pid").write_text("999999999")
    assert s.exited() == "process 999999999 is gone"

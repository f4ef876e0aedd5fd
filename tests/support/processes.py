"""Pipeline commands as real processes, each in its own process group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from deploy.local.processes import group_alive
from tests.support.waiting import poll


class Proc:
    """A pipeline process in its own process group, so a test can SIGKILL it and everything it spawned."""

    def __init__(self, args: list[str], env: dict[str, str], log: Any) -> None:
        self.args = args
        self.log_path = log
        self.p = subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, stdout=open(log, "ab"),
                                  stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(self.p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait(timeout=10)
        # the group may outlive its leader for a moment (pool children): wait until it is gone
        poll(lambda: not group_alive(self.p.pid), timeout=30, what=f"process group {self.p.pid} to exit")

    def log(self) -> str:
        return open(self.log_path, errors="replace").read()[-4000:]

    def alive(self) -> bool:
        """True while running; a process that died on its own fails the test at once, with its log."""
        if self.p.poll() is not None:
            raise AssertionError(f"`{' '.join(self.args)}` exited with {self.p.returncode}:\n{self.log()}")
        return True


def newswatch(args: list[str], env: dict[str, str], *, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, input=input, capture_output=True,
                          text=True, timeout=timeout)

"""Running commands and supervising server processes: each server runs in its own session (process
group) whose id is kept in a pid file, so stopping signals exactly what was started and nothing else."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass
from pathlib import Path


class StackError(RuntimeError):
    """A server could not be fetched, configured or started; the message says what to look at."""


def run(argv: list[str], what: str) -> None:
    """Run a set-up command to completion; its output only when it fails."""
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise StackError(f"{what} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


@dataclass
class Server:
    """One server process group, identified by a pid file and a marker in its command line."""

    name: str
    pid_file: Path
    log_file: Path
    marker: str  # a string in the command line of the group leader, so a reused pid is never ours

    def pid(self) -> int | None:
        return self._look()[0]

    def start(self, argv: list[str], *, env: dict[str, str], cwd: Path, user: str | None = None) -> int:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kwargs.update(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own process group: `stop` signals exactly this group
                close_fds=True,
                **kwargs,
            )
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    def exited(self) -> str | None:
        """Why this server counts as gone (no pid file, the process dead, its pid now another command's),
        or None while it runs."""
        return self._look()[1]

    def _look(self) -> tuple[int | None, str | None]:
        """(the running group leader's pid, None), or (None, why it is not running)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError) as exc:
            return None, f"its pid file {self.pid_file} is unreadable ({type(exc).__name__})"
        if not pid_alive(pid):
            return None, f"process {pid} is gone"
        cmdline = _cmdline(pid)
        if self.marker not in cmdline:  # a reused pid is never ours
            return None, f"process {pid} no longer runs it (command line: {cmdline[:200]!r})"
        return pid, None

    def stop(self, *, timeout: float = 60.0) -> bool:
        """SIGTERM the group, SIGKILL what is left at the deadline. True if something was stopped."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and group_alive(pid):
            _reap(pid)
            time.sleep(0.2)
        if group_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and group_alive(pid):
                _reap(pid)
                time.sleep(0.1)
        _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(what: str, check: Callable[[], bool], *, timeout: float, server: Server | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if server is not None and server.exited() is not None:
            # seen twice, a second apart: once, a live broker was taken for gone during its start-up (and then
            # stopped by the clean-up); the reason says which check saw it
            time.sleep(1.0)
            if (gone := server.exited()) is not None:
                raise StackError(f"{what} exited during start-up ({gone}); last lines of {server.log_file}:\n"
                                 f"{server.log_tail()}")
        time.sleep(0.5)
    tail = f"; last lines of {server.log_file}:\n{server.log_tail()}" if server else ""
    raise StackError(f"{what} did not answer within {timeout:.0f}s{tail}")

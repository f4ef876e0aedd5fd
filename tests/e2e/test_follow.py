"""`newswatch produce --follow DIR`: files dropped into a folder are sent as they appear."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Callable

import pytest

from tests.support import Proc, poll, read_topic, settings_for

pytestmark = pytest.mark.e2e


def test_follow_sends_dropped_files_once(env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "before.txt").write_text("Already here\nA story about floods in Kenya.\n")
    follower = procs(["produce", str(inbox), "--follow", "--json"], env)
    s = settings_for(env)
    poll(lambda: follower.alive() and '"sent": 1' in follower.log(), timeout=60, what="the existing file sent")
    (inbox / "later.jsonl").write_text(json.dumps({"title": "Dropped later", "body": "Storms hit Chile."}) + "\n")
    poll(lambda: follower.alive() and "later.jsonl" in follower.log(), timeout=60, what="the dropped file sent")
    follower.kill(signal.SIGTERM)
    raw = read_topic(s, s.topic_raw, expect=2)
    assert sorted(r["title"] for r in raw) == ["Already here", "Dropped later"]

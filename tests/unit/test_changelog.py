"""`AwaitedTable.written()` waits for the changelog writes Faust's commit may not wait for."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest

from pipeline.worker.changelog import awaited_table


def test_written_waits_for_every_change_set_through_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[asyncio.Future[Any]] = []

    def send_changelog(self: Any, partition: int | None, key: Any, value: Any, *a: Any, **kw: Any) -> Any:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        fut.message = SimpleNamespace(partition=0)  # type: ignore[attr-defined]  # as FutureMessage has
        sent.append(fut)
        return fut

    monkeypatch.setattr(faust.Table, "send_changelog", send_changelog)
    app = faust.App("t-changelog", broker="memory://", store="memory://")
    table = awaited_table(app, "counts", default=dict, use_partitioner=True)

    async def run() -> None:
        table.on_key_set("a", {"n": 1})  # what `table["a"] = ...` does after storing the value
        table.on_key_set("b", {"n": 2})
        waiting = asyncio.create_task(table.written())
        await asyncio.sleep(0)
        sent[0].set_result(None)
        await asyncio.sleep(0)
        assert not waiting.done()  # one of two written: the agent still may not acknowledge its event
        sent[1].set_result(None)
        await asyncio.wait_for(waiting, timeout=5)
        await asyncio.wait_for(table.written(), timeout=5)  # nothing new: returns at once
        table.on_key_set("c", {"n": 3})
        sent[2].set_exception(RuntimeError("broker gone"))
        with pytest.raises(RuntimeError, match="broker gone"):
            await table.written()

    asyncio.run(run())

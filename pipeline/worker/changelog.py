"""A Faust table whose changes an agent can wait for before its event is acknowledged.

Faust sends a table's changes to its changelog through the producer's buffer, and before it commits the
source offsets it waits for that buffer at most 0.1 s a message (`ProducerBuffer.flush_atmost` in
faust-streaming 0.15), and not at all for a message the buffer has taken but not yet handed to aiokafka.
Under load the commit passes a change that is not on Kafka yet; a worker killed then comes back with the
change lost. Seen: a frequency rule's second match committed, its count not in the changelog, so the
third match after a restart counted two and the alert never fired (reproduced by delaying the buffer).

An agent that awaits `written()` after its changes acknowledges its event only once Kafka holds them.
Upgrade check: `Table.on_key_set` and `on_key_del` still send through `send_changelog` and ignore the
future it returns.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
from faust.types import FutureMessage


class AwaitedTable(faust.Table):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unwritten: list[FutureMessage] = []

    def send_changelog(self, *args: Any, **kwargs: Any) -> FutureMessage:
        fut = super().send_changelog(*args, **kwargs)
        self._unwritten.append(fut)
        return fut

    async def written(self) -> None:
        """Every change made so far is on Kafka (raises what its write raised)."""
        pending, self._unwritten = self._unwritten, []
        if pending:
            await asyncio.gather(*pending)


def awaited_table(app: faust.App, name: str, **kwargs: Any) -> AwaitedTable:
    """`app.Table(name, ...)` of this class."""
    table = AwaitedTable(app, name=name, beacon=app.tables.beacon, **kwargs)
    app.tables.add(table)
    return table

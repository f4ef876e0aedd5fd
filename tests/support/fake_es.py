"""An Elasticsearch stand-in for the worker desks' unit tests: records each search, answers with fixed
hits, or fails as an unreachable server does."""

from __future__ import annotations

from typing import Any


class FakeES:
    def __init__(self, hits: list[dict[str, Any]] | None = None, fail: bool = False) -> None:
        self.hits, self.fail = hits or [], fail
        self.queries: list[dict[str, Any]] = []

    def search(self, **kw: Any) -> dict[str, Any]:
        self.queries.append(kw)
        if self.fail:
            raise ConnectionError("connection refused")
        return {"hits": {"hits": [{"_source": h} for h in self.hits]}}

"""An Elasticsearch stand-in for the worker desks' unit tests: records each search and multi-get,
answers with fixed documents (only the `_source` fields asked for, as Elasticsearch does), or fails as an
unreachable server does."""

from __future__ import annotations

from typing import Any


def _only(doc: dict[str, Any], fields: list[str] | None | bool) -> dict[str, Any]:
    if fields is False:
        return {}
    return dict(doc) if fields is None or fields is True else {k: v for k, v in doc.items() if k in fields}


def _hit(doc: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A hit as Elasticsearch returns it: the `_source` fields asked for, `docvalue_fields` under `fields`."""
    hit: dict[str, Any] = {"_index": "news", "_id": doc.get("id"), "_source": _only(doc, body.get("_source"))}
    if body.get("docvalue_fields"):
        hit["fields"] = {f: [doc[f]] for f in body["docvalue_fields"] if doc.get(f) is not None}
    return hit


class FakeES:
    def __init__(self, hits: list[dict[str, Any]] | None = None, fail: bool = False) -> None:
        self.hits, self.fail = hits or [], fail
        self.queries: list[dict[str, Any]] = []
        self.gets: list[list[str]] = []  # the ids of each multi-get

    def search(self, **kw: Any) -> dict[str, Any]:
        self.queries.append(kw)
        if self.fail:
            raise ConnectionError("connection refused")
        return {"hits": {"hits": [{"_index": "news", "_id": h.get("id"), "_source": _only(h, kw.get("source"))}
                                  for h in self.hits]}}

    def msearch(self, *, searches: list[dict[str, Any]]) -> dict[str, Any]:
        """Each (header, body) pair: an `ids` query; the event desk's scored query (the documents sharing
        `minimum_should_match` of its `term`s on `event_terms`); the story desk's filter collapsed by
        `story_id` (one hit a story, or its first `inner_hits.size`); or its representatives of some
        stories (`terms` on `story_id`), the `ids` it boosts first."""
        if self.fail:
            raise ConnectionError("connection refused")
        out = []
        for body in searches[1::2]:
            self.queries.append(body)
            q = body["query"]
            if "ids" in q:
                out.append({"hits": {"hits": [_hit(h, body) for h in self.hits if h.get("id") in q["ids"]["values"]]}})
                continue
            skip = {i for c in q["bool"].get("must_not", []) for i in c.get("ids", {}).get("values", [])}
            stories = {s for c in q["bool"]["filter"] for s in c.get("terms", {}).get("story_id", [])}
            if "collapse" not in body and stories:  # the story desk's representatives: first members first
                first = {i for c in q["bool"].get("should", []) for i in c["constant_score"]["filter"]["ids"]["values"]}
                members = [h for h in self.hits if h.get("story_id") in stories and h.get("id") not in skip]
                members.sort(key=lambda h: h.get("id") not in first)
                out.append({"hits": {"hits": [_hit(h, body) for h in members[: body["size"]]]}})
                continue
            if "collapse" not in body:
                wanted = {c["term"]["event_terms"] for c in q["bool"]["should"]}
                need = q["bool"].get("minimum_should_match", 1)
                shared = [h for h in self.hits if h.get("id") not in skip
                          and len(wanted & set(h.get("event_terms") or [])) >= need]
                out.append({"hits": {"hits": [_hit(h, body) for h in shared[: body["size"]]]}})
                continue
            groups: dict[str, list[dict[str, Any]]] = {}
            for h in self.hits:
                if h.get("id") not in skip and h.get("story_id") and (not stories or h["story_id"] in stories):
                    groups.setdefault(h["story_id"], []).append(h)
            inner = body["collapse"].get("inner_hits")
            if inner is None:  # one hit a story: its first member
                out.append({"hits": {"hits": [_hit(members[0], body) | {"fields": {
                    "story_id": [sid], **_hit(members[0], body).get("fields", {})}} for sid, members in groups.items()]}})
                continue
            out.append({"hits": {"hits": [
                {"fields": {"story_id": [sid]}, "inner_hits": {inner["name"]: {"hits": {"hits": [
                    {"_index": "news", "_id": h.get("id"), "_source": _only(h, inner.get("_source"))}
                    for h in members[: inner["size"]]]}}}} for sid, members in groups.items()]}})
        return {"responses": out}

    def mget(self, *, docs: list[dict[str, Any]], source: list[str] | None = None) -> dict[str, Any]:
        if self.fail:
            raise ConnectionError("connection refused")
        self.gets.append([d["_id"] for d in docs])
        by_id = {h.get("id"): h for h in self.hits}
        return {"docs": [{"_index": d["_index"], "_id": d["_id"], "found": d["_id"] in by_id,
                          **({"_source": _only(by_id[d["_id"]], source)} if d["_id"] in by_id else {})} for d in docs]}

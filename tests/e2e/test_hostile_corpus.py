"""The hostile corpus (tests/support/hostile.py, 160+ records) through the real pipeline, twice: written
straight onto `articles.raw` and sent by `newswatch produce` as files. Each hostile record sits between two
valid articles; each must be indexed or dead-lettered with a reason, both neighbours indexed, and no
component may print a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from schemas import RawArticle, ValidationLimits
from tests.support import Proc, newswatch, poll, settings_for
from tests.support.hostile import cases

pytestmark = pytest.mark.e2e


def _good(tag: str, i: int) -> bytes:
    return json.dumps({"title": f"Good {tag} {i}", "body": f"Flooding in Bangladesh, report {tag} {i}.",
                       "url": f"https://example.org/good/{tag}/{i}"}).encode()


def _id(payload: bytes | dict[str, Any]) -> str | None:
    try:
        return RawArticle.from_payload(payload, ValidationLimits()).id
    except ValueError:
        return None


def _file_ids(path: Path) -> set[str]:
    """The ids `newswatch produce` sends for a file: read as it reads files (a BOM, UTF-16, a list...)."""
    from producers.files import read

    return {i for r in read(path, limits=ValidationLimits()) if r.error is None and (i := _id(r.payload or {}))}


class _DeadLetters:
    """Everything on the dead-letter topic so far, read a little more on each call."""

    def __init__(self, s: Any) -> None:
        from pipeline.clients.kafka import make_consumer

        self.consumer = make_consumer(s, s.topic_dlq, group_id=None)
        self.records: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        for batch in self.consumer.poll(timeout_ms=500, max_records=5000).values():
            self.records += [json.loads(r.value) for r in batch]
        return self.records


def _indexed(es: Any, alias: str, ids: set[str | None]) -> set[str]:
    if not ids or not es.indices.exists_alias(name=alias):
        return set()
    resp = es.mget(index=alias, ids=sorted(i for i in ids if i), _source=False)
    return {d["_id"] for d in resp["docs"] if d.get("found")}


@pytest.mark.slow
def test_every_hostile_record_costs_only_itself(env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path) -> None:
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import ensure_topics, make_producer

    s = settings_for(env)
    ensure_topics(s)
    corpus = sorted(cases().items())
    assert len(corpus) >= 150

    # 1. straight onto the raw topic (what fits in a Kafka message at all)
    producer = make_producer(s)
    straight = [(i, name, p) for i, (name, p) in enumerate(corpus) if len(p) < s.max_message_bytes]
    for i, _, payload in straight:
        producer.send(s.topic_raw, key=f"a{i}", value=_good("a", i))
        producer.send(s.topic_raw, key=f"h{i}", value=payload)
        producer.send(s.topic_raw, key=f"b{i}", value=_good("b", i))
    producer.flush()
    producer.close()

    # 2. as files, through `newswatch produce`
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, (_, payload) in enumerate(corpus):
        (folder / f"{i:03d}-1.json").write_bytes(_good("c", i))
        (folder / f"{i:03d}-2-hostile.json").write_bytes(payload)
        (folder / f"{i:03d}-3.json").write_bytes(_good("d", i))
    worker, indexer = procs(["worker"], env), procs(["index"], env)
    sent = newswatch(["produce", str(folder), "--json"], env, timeout=300)
    assert sent.returncode == 0, sent.stderr[-2000:]
    assert "Traceback" not in sent.stderr
    summary = json.loads(sent.stdout)
    rejected_files = {Path(r["where"].split(":")[0].split("[")[0]).name for r in summary["rejections"]}
    assert all("hostile" in f for f in rejected_files), rejected_files
    assert all(r["reason"].strip() for r in summary["rejections"])

    goods = {_id(_good(t, i)) for t in "ab" for i, _, _ in straight} | {_id(_good(t, i)) for t in "cd" for i in range(len(corpus))}
    assert None not in goods
    valid = {i: _id(p) for i, (_, p) in enumerate(corpus)}
    from_files = {i: _file_ids(folder / f"{i:03d}-2-hostile.json") for i in range(len(corpus))}
    es = make_es(s)
    alias = env["NEWSWATCH_ES_ALIAS"]
    dead = _DeadLetters(s)
    outcome: dict[str, Any] = {}

    def settled() -> bool:
        assert worker.alive() and indexer.alive()
        found = _indexed(es, alias, goods | {v for v in valid.values() if v} | set().union(*from_files.values()))
        letters = dead.read()
        keys = {d.get("key") for d in letters}
        sources = {Path((d.get("source") or "").split(":")[0].split("[")[0]).name for d in letters}
        missing_straight = [name for i, name, _ in straight
                            if f"h{i}" not in keys and not (valid[i] and valid[i] in found)]
        missing_files = [name for i, (name, _) in enumerate(corpus)
                         if f"{i:03d}-2-hostile.json" not in sources  # rejected by produce
                         and not (from_files[i] and (from_files[i] <= found or from_files[i] & keys))]
        outcome.update(goods_missing=len(goods - found), straight=missing_straight[:5], files=missing_files[:5])
        return not (goods - found) and not missing_straight and not missing_files

    try:
        poll(settled, timeout=600, what="every record indexed or dead-lettered")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still missing: {outcome}") from exc
    assert all(d["reason"].strip() and d["stage"] in ("produce", "enrich", "index") for d in dead.records)
    # what validation refuses is dead-lettered, not indexed: by the worker (straight) and by produce (files)
    refused = {f"h{i}" for i, _, _ in straight if valid[i] is None}
    assert len(refused) > 60 and refused <= {d.get("key") for d in dead.records if d["stage"] == "enrich"}
    assert len(rejected_files) > 60
    assert len([d for d in dead.records if d["stage"] == "produce"]) == len(summary["rejections"])
    for proc in (worker, indexer):
        assert "Traceback" not in proc.log(), proc.log()[-3000:]
    dead.consumer.close()

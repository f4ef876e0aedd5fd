"""The publisher (the producers' path into Kafka) and the Elasticsearch indexer against the real local servers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from elasticsearch import Elasticsearch

from consumers.indexer import ElasticsearchIndexer
from pipeline.enrich import enrich_payloads
from pipeline.clients.elasticsearch import make_es
from pipeline.clients.kafka import ensure_topics, make_producer
from producers.files import read
from producers.publisher import ArticlePublisher
from schemas import ValidationLimits
from tests.support import newswatch, read_topic, settings_for

pytestmark = pytest.mark.integration


class Rec(NamedTuple):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


def test_publisher_sends_valid_and_dead_letters_invalid(env: dict[str, str], tmp_path: Path) -> None:
    s = settings_for(env)
    ensure_topics(s)
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join([
        json.dumps({"title": "One", "body": "First body", "url": "https://example.org/1?utm_source=x"}),
        "{not json",
        json.dumps({"title": "Two", "body": ""}),
        json.dumps({"title": "Three", "body": "Third body"}),
    ]))
    publisher = ArticlePublisher(s, make_producer(s))
    for rec in read(f, source="test"):
        publisher.send(rec)
    summary = publisher.flush()
    publisher.producer.close()
    assert (summary.sent, summary.rejected, summary.failed) == (2, 2, 0)

    raw = read_topic(s, s.topic_raw, expect=2)
    assert sorted(r["title"] for r in raw) == ["One", "Three"]
    assert all(r["source"] == "test" and len(r["id"]) == 16 for r in raw)
    dlq = read_topic(s, s.topic_dlq, expect=2)
    reasons = {d["source"].rsplit(":", 1)[1]: d for d in dlq}
    assert set(reasons) == {"2", "3"}
    assert "not JSON" in reasons["2"]["reason"] and reasons["2"]["payload"] == "{not json"
    assert "body is empty" in reasons["3"]["reason"] and reasons["3"]["stage"] == "produce"


def _count(es: Elasticsearch, alias: str) -> int:
    es.indices.refresh(index=alias)
    return int(es.count(index=alias)["count"])


def test_indexer_is_idempotent_and_dead_letters_bad_documents(env: dict[str, str], seed_raw: dict[str, str]) -> None:
    s = settings_for(env)
    ensure_topics(s)
    [out] = enrich_payloads([seed_raw], ValidationLimits())
    assert out.article is not None
    doc = out.article.model_dump_json(by_alias=True).encode()
    es = make_es(s)
    producer = make_producer(s)
    indexer = ElasticsearchIndexer(s, es, producer)
    indexer.open()
    good = Rec(s.topic_enriched, 0, 0, out.article.id.encode(), doc)
    bad = Rec(s.topic_enriched, 0, 1, b"x", b'{"id": "x", "title": 5}')
    r1 = indexer.write([good, bad])
    r2 = indexer.write([good, good])  # redelivery of the same article
    producer.close()
    assert (r1.indexed, r1.dead_lettered, r2.indexed) == (1, 1, 1)
    assert _count(es, s.es_alias) == 1
    stored: dict[str, Any] = es.get(index=s.es_alias, id=out.article.id)["_source"]
    assert stored["countries"] == out.article.countries and "@timestamp" in stored
    [mappings] = es.indices.get_mapping(index=s.es_alias).values()  # this month's index: the only one
    mapping = mappings["mappings"]["properties"]
    assert mapping["places"]["properties"]["location"]["type"] == "geo_point"
    [dl] = read_topic(s, s.topic_dlq, expect=1)
    assert dl["stage"] == "index" and dl["offset"] == 1 and "not an enriched article" in dl["reason"]


def test_records_too_big_for_kafka_are_dead_lettered_and_the_rest_sent(env: dict[str, str], tmp_path: Path) -> None:
    s = settings_for({**env, "NEWSWATCH_MAX_ARTICLE_BYTES": "1500000"})
    ensure_topics(s)
    (tmp_path / "a-good.txt").write_text("Good one\nFloods in Dhaka.")
    (tmp_path / "b-huge.txt").write_text("Huge\n" + "word " * 2_000_000)  # 10 MB: over every limit
    (tmp_path / "c-nul.txt").write_text("NUL\n" + "\x00" * 1_000_000)  # 1 MB of text, 6 MB of JSON
    (tmp_path / "d-good.txt").write_text("Good two\nFloods in Chittagong.")
    publisher = ArticlePublisher(s, make_producer(s))
    for target in sorted(tmp_path.iterdir()):
        for rec in read(target, source="test", limits=publisher.limits):
            publisher.send(rec)
    summary = publisher.flush()
    publisher.producer.close()
    assert (summary.sent, summary.rejected, summary.failed) == (2, 2, 0)
    assert sorted(r["title"] for r in read_topic(s, s.topic_raw, expect=2)) == ["Good one", "Good two"]
    dlq = {Path(d["source"]).name: d for d in read_topic(s, s.topic_dlq, expect=2)}
    assert "over the limit" in dlq["b-huge.txt"]["reason"] and dlq["b-huge.txt"]["truncated"]
    assert dlq["b-huge.txt"]["payload_bytes"] == 10_000_005
    assert dlq["b-huge.txt"]["payload_sha256"] == hashlib.sha256((tmp_path / "b-huge.txt").read_bytes()).hexdigest()
    assert "once serialised" in dlq["c-nul.txt"]["reason"]


def test_an_article_from_an_earlier_month_is_rewritten_in_its_own_index_and_old_months_pruned(
    env: dict[str, str], seed_raw: dict[str, str]
) -> None:
    from datetime import datetime, timedelta, timezone

    from consumers.es_indices import article_index, ensure_article_index

    s = settings_for(env)
    ensure_topics(s)
    [out] = enrich_payloads([seed_raw], ValidationLimits())
    assert out.article is not None
    es = make_es(s)
    last_month = datetime.now(timezone.utc).replace(day=1) - timedelta(days=1)
    old_index = ensure_article_index(es, s, when=last_month)
    es.index(index=old_index, id=out.article.id, document=out.article.document(), refresh=True)

    producer = make_producer(s)
    indexer = ElasticsearchIndexer(s, es, producer)
    indexer.open()
    doc = out.article.model_dump_json(by_alias=True).encode()
    r = indexer.write([Rec(s.topic_enriched, 0, 0, out.article.id.encode(), doc)])  # redelivered a month later
    producer.close()
    assert r.indexed == 1
    es.indices.refresh(index=s.es_alias)
    hits = es.search(index=s.es_alias, query={"ids": {"values": [out.article.id]}})["hits"]["hits"]
    assert [h["_index"] for h in hits] == [old_index]  # one copy, in its own month
    assert es.indices.exists(index=article_index(s))

    pruned = newswatch(["index", "prune", "--keep-months", "1", "--json"], env)
    assert pruned.returncode == 0, pruned.stderr
    assert json.loads(pruned.stdout)["deleted"] == [old_index]
    assert not es.indices.exists(index=old_index) and es.indices.exists(index=article_index(s))

"""The one place that creates Kafka clients and the topics (declared in `pipeline.topics`), with security
applied once.

kafka-python serves the producers, the indexer, the alert deliverer and the admin; aiokafka serves the
Faust worker (Faust's own credentials object, and a plain aiokafka consumer for the rules follower).
All three get their TLS / SASL options from `security_options` below.
"""

from __future__ import annotations

import json
import ssl
import time
from typing import TYPE_CHECKING, Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.serializer import Serializer

from pipeline.settings import Settings
from pipeline.topics import topics

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer


def security_options(s: Settings) -> dict[str, Any]:
    """kafka-python options for TLS / SASL; nothing for the default plaintext loopback broker."""
    opts: dict[str, Any] = {"security_protocol": s.kafka_security_protocol}
    if s.kafka_sasl_mechanism:
        opts["sasl_mechanism"] = s.kafka_sasl_mechanism
        opts["sasl_plain_username"] = s.kafka_sasl_username
        opts["sasl_plain_password"] = s.kafka_sasl_password.get_secret_value() if s.kafka_sasl_password else None
    if s.kafka_ssl_cafile:
        opts["ssl_cafile"] = s.kafka_ssl_cafile
    return opts


def _uses_tls(s: Settings) -> bool:
    return s.kafka_security_protocol in ("SSL", "SASL_SSL")


def _ssl_context(s: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=s.kafka_ssl_cafile)


def aiokafka_options(s: Settings) -> dict[str, Any]:
    """`security_options` for aiokafka, which takes an SSL context instead of a CA file."""
    opts = {k: v for k, v in security_options(s).items() if k != "ssl_cafile"}
    if _uses_tls(s):
        opts["ssl_context"] = _ssl_context(s)
    return opts


def faust_credentials(s: Settings) -> Any:
    """`security_options` as Faust's `broker_credentials` (None for plaintext)."""
    import faust

    opts = security_options(s)
    if "sasl_mechanism" in opts:
        return faust.SASLCredentials(
            username=opts["sasl_plain_username"],
            password=opts["sasl_plain_password"],
            mechanism=opts["sasl_mechanism"],
            ssl_context=_ssl_context(s) if _uses_tls(s) else None,
        )
    if _uses_tls(s):
        return faust.SSLCredentials(_ssl_context(s))
    return None


def make_aiokafka_consumer(s: Settings, *, group_id: str | None = None) -> AIOKafkaConsumer:
    """For asyncio code beside Faust's own consumer; manual commits, like every consumer here."""
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(bootstrap_servers=s.kafka_brokers, group_id=group_id, enable_auto_commit=False,
                            **aiokafka_options(s))


class KeySerializer(Serializer):
    """Article ids (str) as UTF-8; bytes pass through."""

    def serialize(self, topic: str, headers: Any, data: Any) -> bytes | None:
        return data.encode("utf-8") if isinstance(data, str) else data


def encode_json(data: Any) -> bytes:
    """A message value as our producers send it: compact UTF-8 JSON."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class JsonSerializer(Serializer):
    """dicts as `encode_json`; bytes pass through (already serialised, e.g. by a pydantic model)."""

    def serialize(self, topic: str, headers: Any, data: Any) -> bytes | None:
        if data is None or isinstance(data, bytes):
            return data
        return encode_json(data)


def make_producer(s: Settings, *, client_id: str = "newswatch-producer") -> KafkaProducer:
    """Durable by default: every in-sync replica acknowledges, retries are idempotent, batches compressed."""
    return KafkaProducer(
        bootstrap_servers=s.kafka_brokers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        retries=2**31 - 1,
        delivery_timeout_ms=120_000,
        compression_type="gzip",
        linger_ms=20,
        max_request_size=max(1_048_576, s.max_message_bytes),
        key_serializer=KeySerializer(),
        value_serializer=JsonSerializer(),
        **security_options(s),
    )


def make_consumer(s: Settings, *topics: str, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    """Manual commits only: callers commit after their sink acknowledged the batch."""
    options: dict[str, Any] = dict(
        bootstrap_servers=s.kafka_brokers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=int(s.session_timeout_s * 1000),
        heartbeat_interval_ms=max(1000, int(s.session_timeout_s * 1000 / 3)),
        max_poll_interval_ms=300_000,
        fetch_max_bytes=max(52_428_800, s.max_article_bytes * 4),
        max_partition_fetch_bytes=max(1_048_576, s.max_message_bytes),
        **security_options(s),
    )
    options.update(overrides)
    return KafkaConsumer(*topics, **options)


def make_admin(s: Settings, **overrides: Any) -> KafkaAdminClient:
    options: dict[str, Any] = dict(bootstrap_servers=s.kafka_brokers, client_id="newswatch-admin",
                                   **security_options(s))
    options.update(overrides)
    return KafkaAdminClient(**options)


def topic_configs(s: Settings) -> dict[str, tuple[int, dict[str, str]]]:
    """Every topic the pipeline declares (`pipeline.topics`): name -> (partitions, topic configs)."""
    return {t.name: (t.partitions, dict(t.config)) for t in topics(s)}


def ensure_topics(s: Settings, *, timeout: float = 30.0) -> list[str]:
    """Create the pipeline's topics if missing (idempotent). Returns the names created.

    Kafka unreachable, or a broker that just died and is still in the metadata, is asked again with
    backoff until `timeout`; a long-running process passes `s.kafka_start_retry_s`."""
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        try:
            return _create_missing(s)
        except KafkaError as exc:
            if not exc.retriable or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(10.0, delay * 2)


def _create_missing(s: Settings) -> list[str]:
    wanted = topic_configs(s)
    admin = make_admin(s)
    try:
        existing = set(admin.list_topics())
        new = [
            NewTopic(name, num_partitions=partitions, replication_factor=s.topic_replication, topic_configs=cfg)
            for name, (partitions, cfg) in wanted.items()
            if name not in existing
        ]
        if new:
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
        return [t.name for t in new]
    finally:
        admin.close()


def group_lag(s: Settings, group: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """Per (topic, partition): records on the topic that `group` has not committed (all of them when it
    has committed nothing there)."""
    return {tp: end - done for tp, (done, end) in group_positions(s, group, topics).items()}


def group_positions(s: Settings, group: str, topics: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
    """Per (topic, partition): (where `group` has committed, or the log's start; the log's end)."""
    from kafka import TopicPartition

    admin = make_admin(s)
    consumer = make_consumer(s, group_id=None)
    try:
        committed = admin.list_group_offsets(group).get(group, {})
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        begins = consumer.beginning_offsets(parts)
        ends = consumer.end_offsets(parts)
    finally:
        admin.close()
        consumer.close()
    out = {}
    for tp, end in ends.items():
        done = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else begins[tp]
        out[(tp.topic, tp.partition)] = (min(done, end), end)
    return out

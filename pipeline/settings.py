"""The one settings object: built once at the edge (the CLI) and passed down.

Values come from, in order of precedence: explicit arguments, `NEWSWATCH_*` environment variables, a TOML
config file (`NEWSWATCH_CONFIG`, default `./newswatch.toml` when it exists), then the defaults below.
Secrets are `SecretStr` so they never print in a repr or a log line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


def _config_file() -> Path | None:
    path = Path(os.environ.get("NEWSWATCH_CONFIG", "newswatch.toml"))
    return path if path.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore")

    # --- Kafka -------------------------------------------------------------------------------------
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
    kafka_sasl_mechanism: str | None = None  # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    # A long-running process that starts while Kafka is unreachable (or a broker just died) keeps trying
    # this long, with backoff, before it gives up; one-shot commands give up after 30 s.
    kafka_start_retry_s: float = Field(300.0, gt=0)
    topic_raw: str = "articles.raw"
    topic_enriched: str = "articles.enriched"
    topic_dlq: str = "articles.dlq"
    topic_alerts: str = "alerts"
    topic_rules: str = "alert-rules"
    topic_rule_hits: str = "alert-rule-hits"  # matches of frequency and spike rules, keyed by rule, to be counted
    topic_partitions: int = Field(4, ge=1)
    topic_replication: int = Field(1, ge=1)
    topic_retention_hours: float = Field(168.0, gt=0)  # articles, alerts and rule hits on Kafka (set at creation)
    dlq_retention_days: float = Field(30.0, gt=0)

    # --- Elasticsearch -------------------------------------------------------------------------------
    es_url: str = "http://127.0.0.1:9200"
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_api_key: SecretStr | None = None
    es_ca_certs: str | None = None
    es_alias: str = "news-articles"
    es_index: str = "news-articles-v1"  # the base name: monthly indices are news-articles-v1-YYYY.MM
    es_index_period: Literal["month", "none"] = "month"
    es_retention_months: int = Field(0, ge=0)  # `newswatch index prune` keeps this many months (0: all)
    es_shards: int = Field(1, ge=1)
    es_replicas: int = Field(0, ge=0)
    es_alerts_alias: str = "news-alerts"
    es_alerts_index: str = "news-alerts-v1"

    # --- Kibana (`newswatch kibana import`; credentials as for Elasticsearch: an API key, else user and password)
    kibana_url: str = "http://127.0.0.1:5601"
    kibana_username: str | None = None
    kibana_password: SecretStr | None = None
    kibana_api_key: SecretStr | None = None
    kibana_ca_certs: str | None = None
    kibana_timeout_s: float = Field(60.0, gt=0)  # an import of a few hundred objects takes seconds

    # --- Validation and enrichment -------------------------------------------------------------------
    max_article_bytes: int = Field(2_000_000, ge=1)
    enrich_processes: int = Field(0, ge=0)  # 0: one per core
    enrich_batch_size: int = Field(32, ge=1)
    enrich_batch_window: float = Field(0.05, gt=0)  # seconds a batch waits to fill: latency at low rates
    stall_reseek_s: float = Field(30.0, ge=5)  # records waiting behind a commit this still: read them again
    story_window_days: int = Field(7, ge=1, le=365)  # a near-duplicate this much later starts a story of its own
    # Articles the worker keeps in memory for stories and events (about 14 KB each, under 30 MB in all);
    # older ones are found in Elasticsearch, which every batch asks: memory covers the seconds before an
    # article is searchable and a storm's recent copies. Full within minutes at 10/s, then flat for weeks.
    story_memory_articles: int = Field(2_000, ge=100)
    enrich_timeout_s: float = Field(60.0, gt=0)  # per article: over it, the article is dead-lettered

    # --- Worker / indexer ----------------------------------------------------------------------------
    worker_group: str = "newswatch-worker"
    indexer_group: str = "newswatch-indexer"
    alerts_group: str = "newswatch-alerts"
    webhook_secret: SecretStr | None = None  # signs webhooks as Standard Webhooks (consumers/alerts/signing.py)
    webhook_timeout_s: float = Field(5.0, gt=0)
    webhook_retries: int = Field(5, ge=0)
    # requests in flight per channel once it falls behind (consumers/alerts/deliverer.py: a kill repeats at
    # most those, each once); a channel less than `alert_channel_widen_s` behind gets one at a time
    alert_channel_concurrency: int = Field(48, ge=1, le=256)
    alert_channel_widen_s: float = Field(3.0, ge=0)
    alerts_dir: Path | None = None  # file channels write only under it (default: STATE_DIR/alerts)
    # hosts, addresses or networks (comma-separated) webhooks may reach although not public: "10.0.0.0/8,hooks.lan"
    alerts_allow_targets: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "newswatch@localhost"
    indexer_batch_size: int = Field(500, ge=1)
    indexer_batch_window_ms: int = Field(500, ge=1)
    session_timeout_s: float = Field(10.0, gt=0)

    # --- Feeds --------------------------------------------------------------------------------------
    feeds_file: Path = Path("feeds.toml")  # the feed list, a plain TOML file people can keep in git
    feeds_default_interval_s: float = Field(300.0, gt=0)
    feeds_per_host: int = Field(2, ge=1)  # concurrent requests to one host
    feeds_timeout_s: float = Field(15.0, gt=0)  # the whole of one fetch: a slow sender cannot hold a slot longer
    feeds_max_download_bytes: int = Field(16 * 1024 * 1024, ge=1024)  # one response, on the wire
    feeds_max_decoded_bytes: int = Field(32 * 1024 * 1024, ge=1024)  # one response, decompressed
    feeds_max_items: int = Field(500, ge=1)  # items read from one feed document
    feeds_seen_days: float = Field(90.0, gt=0)  # how long produced items are remembered (the store is pruned)
    feeds_max_backoff_s: float = Field(3600.0, gt=0)
    feeds_user_agent: str = "newswatch/0.1 (+https://github.com/newswatch)"

    # --- Metrics (Prometheus) -----------------------------------------------------------------------
    metrics_host: str = "127.0.0.1"
    metrics_port_worker: int = Field(9464, ge=0, le=65535)  # 0: no metrics endpoint
    metrics_port_indexer: int = Field(9465, ge=0, le=65535)
    metrics_port_alerts: int = Field(9466, ge=0, le=65535)
    metrics_port_feeds: int = Field(9467, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    status_max_lag: int = Field(1000, ge=0)  # `newswatch status` calls a group further behind a problem

    # --- Analyst console (`newswatch console`, pipeline/console) -------------------------------------
    console_host: str = "127.0.0.1"
    console_port: int = Field(8600, ge=0, le=65535)
    console_token: SecretStr | None = None  # required when console_host is not a loopback address
    console_live_buffer: int = Field(200, ge=10, le=5000)  # items a Live page keeps (and the server queues per page)
    console_es_timeout_s: float = Field(10.0, gt=0)  # one page's Elasticsearch requests

    # --- Measuring ----------------------------------------------------------------------------------
    dev_set: Path | None = None  # gold-annotated articles for `bench` (default: ../shared/eval/geovirus.jsonl if there)

    # --- Local stack (deploy/local) ------------------------------------------------------------------
    # Where the stack, its logs, the feeds' seen-store and Faust's data live: `.newswatch` in the folder
    # the command runs from (the checkout, for `make`), or NEWSWATCH_STATE_DIR.
    state_dir: Path = Field(default_factory=lambda: Path.cwd() / ".newswatch")
    kafka_version: str = "4.4.0"
    es_version: str = "9.5.4"
    stack_kafka_brokers: int = Field(1, ge=1, le=9)  # 3: a KRaft quorum of three brokers (ports 9092, 9094, 9096)
    stack_es_nodes: int = Field(1, ge=1, le=9)  # 3: one Elasticsearch cluster (9200, 9201, 9202)
    stack_workers: int = Field(1, ge=1, le=16)  # `stack up --pipeline`: workers and indexers in their groups
    stack_indexers: int = Field(1, ge=1, le=16)
    stack_cache_dir: Path | None = None  # the servers' downloads (default: STATE_DIR/cache)
    stack_kafka_port: int = 9092
    stack_kafka_controller_port: int = 9093
    stack_es_port: int = 9200
    stack_kafka_heap: str = "512m"
    stack_es_heap: str = "512m"
    # more JVM options for both servers, space-separated; the tests' three-node cluster passes
    # -XX:TieredStopAtLevel=1 (no C2 compiler: a third less CPU to start six servers on two cores)
    stack_java_opts: str = ""
    stack_es_user: str = "newswatch"  # used only when running as root: Elasticsearch refuses root
    stack_java_home: Path | None = None  # a JDK for both servers; found automatically when unset
    stack_start_timeout_s: float = 180.0

    @field_validator("state_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        # every process (and the servers it starts) must agree on it, whatever their working folder
        return v.expanduser().absolute()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def max_message_bytes(self) -> int:
        """The largest record any of our producers sends (a raw article, a dead letter): the raw topic's
        and the kafka-python producers' limit."""
        from schemas import ValidationLimits

        return ValidationLimits(self.max_article_bytes).max_payload_bytes

    @property
    def max_enriched_bytes(self) -> int:
        """An enriched article (the raw one plus its entities and places), and the worker's records."""
        return self.max_article_bytes * 3 + 65_536

    @property
    def alerts_folder(self) -> Path:
        return (self.alerts_dir or self.state_dir / "alerts").expanduser().absolute()

    @property
    def alerts_allowed_targets(self) -> list[str]:
        return [t.strip() for t in self.alerts_allow_targets.split(",") if t.strip()]

    @property
    def kafka_brokers(self) -> list[str]:
        """`kafka_bootstrap` as the list every Kafka client takes."""
        return [b.strip() for b in self.kafka_bootstrap.split(",") if b.strip()]

    def public(self) -> dict[str, Any]:
        """Settings safe to print: secrets masked."""
        return {
            k: ("***" if isinstance(v, SecretStr) else str(v) if isinstance(v, Path) else v)
            for k, v in self.model_dump().items()
        }

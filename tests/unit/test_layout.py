"""The house rules (ARCHITECTURE.md): data walks one way, clients are created in one place, and the
product ships no benchmarks or test fixtures outside `pipeline/measure`."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from pipeline.clients.kafka import topic_configs
from pipeline.settings import Settings
from pipeline.topics import topics
from tests.support import ROOT

PACKAGES = ("pipeline", "consumers", "producers", "schemas", "deploy")
# Kafka / Elasticsearch client construction and credentials: only pipeline/clients may do these.
CLIENT_MAKING = re.compile(
    r"\b(KafkaProducer|KafkaConsumer|KafkaAdminClient|AIOKafkaConsumer|AIOKafkaProducer|Elasticsearch|"
    r"SASLCredentials|SSLCredentials)\(|\bsasl_|\bsecurity_protocol\b|ssl\.create_default_context"
)


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{p.relative_to(ROOT)} imports {m}" for p in _modules(folder) for m in sorted(_imports(p))
            if any(m == f or m.startswith(f + ".") for f in forbidden)]


def test_data_walks_one_way() -> None:
    assert _offenders("producers", ("pipeline.enrich", "pipeline.worker", "pipeline.query", "consumers")) == []
    assert _offenders("consumers", ("producers", "pipeline.enrich", "pipeline.worker")) == []
    assert _offenders("schemas", ("pipeline", "producers", "consumers", "deploy")) == []


def test_enrichment_and_matching_are_pure() -> None:
    io = ("kafka", "aiokafka", "faust", "elasticsearch", "httpx", "urllib.request", "socket", "sqlite3")
    assert _offenders("pipeline/enrich", io) == []
    assert _offenders("pipeline/query", io) == []


def test_only_pipeline_clients_creates_clients_or_builds_credentials() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for pkg in PACKAGES for p in _modules(pkg)
        if not p.is_relative_to(ROOT / "pipeline" / "clients") and p != ROOT / "pipeline" / "settings.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if CLIENT_MAKING.search(line)
    ]
    assert offenders == []


def test_observe_asks_the_stack_and_the_feeds_through_what_it_is_handed() -> None:
    # `status` gets the servers and the feeds as narrow interfaces from the CLI and the console
    above = ("producers", "deploy", "consumers", "pipeline.cli", "pipeline.console", "pipeline.worker",
             "pipeline.measure")
    assert _offenders("pipeline/observe", above) == []


def test_the_pipeline_top_level_holds_only_its_entry_points_and_declarations() -> None:
    # besides the entry points: the two declarations every floor reads, the settings and the topics
    top = {p.name for p in (ROOT / "pipeline").glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "settings.py", "topics.py"}
    assert not any("site" in p.name or "bench" in p.name for p in _modules("producers"))


def test_the_cluster_runs_every_long_running_process_with_a_health_check_and_is_scraped() -> None:
    import json

    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "cluster" / "compose.yaml").read_text())
    services = compose["services"]
    for name, port in (("worker", 9464), ("indexer", 9465), ("alerts", 9466), ("feeds", 9467)):
        assert f"127.0.0.1:{port}/metrics" in " ".join(services[name]["healthcheck"]["test"])
    scrape = yaml.safe_load((ROOT / "deploy" / "cluster" / "prometheus.yml").read_text())
    found = {c["port"] for c in scrape["scrape_configs"][0]["dns_sd_configs"]}
    assert found == {9464, 9465, 9466, 9467}
    dashboard = json.loads((ROOT / "deploy" / "monitoring" / "grafana-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in ("newswatch_articles_total", "newswatch_consumer_lag", "newswatch_produce_to_searchable_seconds_bucket",
                   "newswatch_produce_to_alert_seconds_bucket", "newswatch_dead_letters_total"):
        assert metric in exprs


def _settings_with(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a process started with exactly `env` (a manifest's NEWSWATCH_ variables) reads them."""
    for name in [n for n in os.environ if n.startswith("NEWSWATCH_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("NEWSWATCH_"):
            monkeypatch.setenv(name, str(value))
    return Settings()


def _declared(s: Settings) -> dict[str, tuple[int, dict[str, str]]]:
    return {t.name: (t.partitions, dict(t.config)) for t in topics(s)}


def _k8s_docs() -> list[dict[str, Any]]:
    import yaml

    return [d for f in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def _k8s_config(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "newswatch")["data"]


def test_the_topic_registry_declares_every_topic_setting_once_with_its_schema() -> None:
    s = Settings()
    registry = list(topics(s))
    named = {getattr(s, f) for f in Settings.model_fields
             if f.startswith("topic_") and isinstance(getattr(s, f), str)}
    assert sorted(t.name for t in registry) == sorted(named)  # every topic_* name once, no other
    assert all(issubclass(t.payload, BaseModel) and t.payload.__module__.startswith("schemas.") for t in registry)
    assert topic_configs(s) == _declared(s)  # what `ensure_topics` creates


def test_the_kubernetes_topics_are_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _k8s_docs()
    s = _settings_with(_k8s_config(docs), monkeypatch)
    manifest = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "KafkaTopic"}
    found = {name: (spec["partitions"], {k: str(v) for k, v in spec.get("config", {}).items()})
             for name, spec in manifest.items()}
    assert found == _declared(s)  # a topic, a partition count or a config on one side only fails
    assert {spec["replicas"] for spec in manifest.values()} == {s.topic_replication}


def test_the_compose_cluster_creates_the_same_topics_as_kubernetes(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "cluster" / "compose.yaml").read_text())
    kafka = compose["x-kafka"]["environment"]
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"  # only the registry (`ensure_topics`) makes topics
    want = _declared(_settings_with(_k8s_config(_k8s_docs()), monkeypatch))
    apps = {name: svc for name, svc in compose["services"].items() if svc.get("command", [""])[0] == "newswatch"}
    assert set(apps) == {"worker", "indexer", "alerts", "feeds"}
    for name, svc in apps.items():
        s = _settings_with(svc["environment"], monkeypatch)
        assert _declared(s) == want, name
        assert s.topic_replication == kafka["KAFKA_DEFAULT_REPLICATION_FACTOR"], name
        durable = {c.get("min.insync.replicas") for _, c in want.values()}
        assert durable == {str(kafka["KAFKA_MIN_INSYNC_REPLICAS"])}, name


def test_the_kubernetes_manifests_agree_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _k8s_docs()
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("Kafka", "newswatch"), ("Elasticsearch", "newswatch"), ("Kibana", "newswatch")} <= kinds
    config = _k8s_config(docs)
    s = _settings_with(config, monkeypatch)
    es = next(d for d in docs if d["kind"] == "Elasticsearch")
    assert es["spec"]["version"] == s.es_version
    fields = set(Settings.model_fields)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    ports = {"worker": s.metrics_port_worker, "index": s.metrics_port_indexer, "alerts": s.metrics_port_alerts,
             "feeds": s.metrics_port_feeds}
    assert set(deployments) == {"newswatch-worker", "newswatch-indexer", "newswatch-alerts", "newswatch-feeds"}
    for d in deployments.values():
        [c] = d["spec"]["template"]["spec"]["containers"]
        names = set(config) | {e["name"] for e in c.get("env", [])}
        assert all(n.startswith("NEWSWATCH_") and n[len("NEWSWATCH_"):].lower() in fields for n in names), names
        assert c["image"] == "newswatch:latest" and c["command"][0] == "newswatch"
        port = ports[c["command"][1]]
        assert c["ports"][0]["containerPort"] == port and c["readinessProbe"]["httpGet"]["port"] == port
    assert int(config["NEWSWATCH_TOPIC_PARTITIONS"]) >= deployments["newswatch-worker"]["spec"]["replicas"]

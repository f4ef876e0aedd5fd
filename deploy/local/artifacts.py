"""Kafka and Elasticsearch from Maven Central, fetched once into the stack's cache (git-ignored).

Maven uses a repository inside that cache, so the stack is self-contained and removed with it. A fetch
is marked complete only at its end: an interrupted one starts over next time.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from deploy.local.processes import StackError, run

HERE = Path(__file__).resolve().parent


def _mvn(cache: Path) -> list[str]:
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (`mvn`) is needed to fetch Kafka and Elasticsearch: apt-get install maven")
    return [mvn, "-q", "-B", f"-Dmaven.repo.local={cache / 'm2'}"]


def fetch_kafka(version: str, home: Path, *, cache: Path, log: Callable[[str], None]) -> Path:
    """The broker's jars (with their runtime dependencies) in `home/libs`."""
    libs = home / "libs"
    if (home / ".complete").exists():
        return libs
    log(f"fetching Apache Kafka {version} from Maven Central ...")
    shutil.rmtree(home, ignore_errors=True)
    run(
        [*_mvn(cache), "-f", str(HERE / "kafka-pom.xml"), "dependency:copy-dependencies",
         "-DincludeScope=runtime", f"-Dkafka.version={version}", f"-DoutputDirectory={libs}"],
        "mvn dependency:copy-dependencies (Kafka)",
    )
    (home / ".complete").write_text("ok")
    return libs


def fetch_elasticsearch(version: str, home: Path, *, cache: Path, log: Callable[[str], None]) -> Path:
    """The integ-test-zip distribution unpacked as `home`."""
    if (home / ".complete").exists():
        return home
    log(f"fetching Elasticsearch {version} (integ-test-zip) from Maven Central ...")
    download = home.parent / "downloads"
    run(
        [*_mvn(cache), "-f", str(HERE / "kafka-pom.xml"), "dependency:copy",
         f"-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip",
         f"-DoutputDirectory={download}"],
        "mvn dependency:copy (Elasticsearch)",
    )
    shutil.rmtree(home, ignore_errors=True)
    tmp = home.parent / f".unzip-{version}"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(download / f"elasticsearch-{version}.zip") as z:
        z.extractall(tmp)
        for info in z.infolist():  # zipfile drops the executable bits
            mode = info.external_attr >> 16
            if mode:
                os.chmod(tmp / info.filename, mode & 0o7777)
    (tmp / f"elasticsearch-{version}").rename(home)
    tmp.rmdir()
    (download / f"elasticsearch-{version}.zip").unlink()
    (home / ".complete").write_text("ok")
    return home

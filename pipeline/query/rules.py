"""Rules against enriched articles, in memory: what the matching agent and the benchmarks run."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any

from pipeline.query import Node, parse
from pipeline.query.rule_index import RuleIndex
from pipeline.query.matcher import Doc
from schemas import untrusted
from schemas.alerts import AlertEvent, AlertRule

SNIPPET_CHARS = 200


def compile_rule(rule: AlertRule) -> Node:
    return parse(rule.full_query())


class RuleSet:
    """The rules a worker knows, indexed for matching; updated from the rules topic.

    Matching runs in a thread (off the worker's event loop) while updates arrive on the loop: a lock
    keeps each article's match on one consistent set of rules."""

    def __init__(self) -> None:
        self.rules: dict[str, AlertRule] = {}
        self.index: RuleIndex[str] = RuleIndex()
        self._lock = threading.Lock()

    def put(self, rule: AlertRule) -> None:
        node = compile_rule(rule)
        with self._lock:
            self.index.put(rule.name, node)
            self.rules[rule.name] = rule

    def remove(self, name: str) -> None:
        with self._lock:
            self.index.remove(name)
            self.rules.pop(name, None)

    def match_records(self, values: list[bytes], *, max_bytes: int) -> list[list[AlertEvent] | str]:
        """Per enriched record: the alerts it fires, or why it could not be matched (one bad record
        costs only itself; the indexer dead-letters it)."""
        out: list[list[AlertEvent] | str] = []
        for value in values:
            try:
                article = untrusted.loads(value, max_bytes=max_bytes)
                if not isinstance(article, dict) or not isinstance(article.get("id"), str):
                    raise ValueError("not an enriched article")
                out.append(self.match(article) if self.rules else [])
            except Exception as exc:  # noqa: BLE001 - reported per record by the caller
                out.append(f"{type(exc).__name__}: {exc}"[:300])
        return out

    def match(self, article: dict[str, Any], *, now: datetime | None = None) -> list[AlertEvent]:
        doc = Doc.from_article(article)
        fired = now or datetime.now(timezone.utc)
        events: list[AlertEvent] = []
        stamp = article.get("@timestamp")
        ingested = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        with self._lock:
            found = sorted(self.index.match(doc))
        for name, matched in found:
            words = sorted({tok for _, tok in matched})
            # trusted values from a validated article: construct without re-validating (a hot path)
            events.append(AlertEvent.model_construct(
                rule=name, article_id=article["id"], title=article.get("title", ""), url=article.get("url"),
                countries=article.get("countries") or [], regions=article.get("regions") or [], matched=words,
                snippet=snippet(article.get("body") or article.get("title") or "", words),
                ingested_at=ingested, fired_at=fired, story_id=article.get("event_id") or article.get("story_id"),  # once per event
            ))
        return events


@lru_cache(maxsize=4096)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)",
                      re.IGNORECASE)


def snippet(text: str, words: list[str]) -> str:
    """About 200 characters around the first matched word, matches wrapped in <em></em>."""
    if not words:
        return text[:SNIPPET_CHARS]
    pattern = _words_pattern(tuple(words))
    m = pattern.search(text)
    start = max(0, (m.start() if m else 0) - SNIPPET_CHARS // 3)
    window = text[start : start + SNIPPET_CHARS]
    out = pattern.sub(lambda x: f"<em>{x.group(0)}</em>", window)
    return ("…" if start else "") + " ".join(out.split()) + ("…" if start + SNIPPET_CHARS < len(text) else "")

"""Rules against enriched articles, in memory: what the matching agent and the benchmarks run."""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any

from pipeline.query import Node, parse
from pipeline.query.rule_index import RuleIndex
from pipeline.query.matcher import Doc
from schemas.alerts import AlertEvent, AlertRule

SNIPPET_CHARS = 200


def compile_rule(rule: AlertRule) -> Node:
    return parse(rule.full_query())


class RuleSet:
    """The rules a worker knows, indexed for matching; updated from the rules topic."""

    def __init__(self) -> None:
        self.rules: dict[str, AlertRule] = {}
        self.index: RuleIndex[str] = RuleIndex()

    def put(self, rule: AlertRule) -> None:
        self.index.put(rule.name, compile_rule(rule))
        self.rules[rule.name] = rule

    def remove(self, name: str) -> None:
        self.index.remove(name)
        self.rules.pop(name, None)

    def match(self, article: dict[str, Any], *, now: datetime | None = None) -> list[AlertEvent]:
        doc = Doc.from_article(article)
        fired = now or datetime.now(timezone.utc)
        events: list[AlertEvent] = []
        stamp = article.get("@timestamp")
        ingested = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        for name, matched in sorted(self.index.match(doc)):
            words = sorted({tok for _, tok in matched})
            # trusted values from a validated article: construct without re-validating (a hot path)
            events.append(AlertEvent.model_construct(
                rule=name, article_id=article["id"], title=article.get("title", ""), url=article.get("url"),
                countries=article.get("countries") or [], regions=article.get("regions") or [], matched=words,
                snippet=snippet(article.get("body") or article.get("title") or "", words),
                ingested_at=ingested, fired_at=fired,
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

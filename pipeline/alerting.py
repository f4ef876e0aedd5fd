"""Rules against enriched articles, in memory: what the matching agent and the benchmarks run."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from pipeline.query import Node, parse
from pipeline.query.index import RuleIndex
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
        events = []
        for name, matched in sorted(self.index.match(doc)):
            words = sorted({tok for _, tok in matched})
            events.append(AlertEvent(
                rule=name, article_id=article["id"], title=article.get("title", ""), url=article.get("url"),
                countries=article.get("countries") or [], regions=article.get("regions") or [], matched=words,
                snippet=snippet(article.get("body") or article.get("title") or "", words),
                ingested_at=article.get("@timestamp"), fired_at=fired,
            ))
        return events


def snippet(text: str, words: list[str]) -> str:
    """About 200 characters around the first matched word, matches wrapped in <em></em>."""
    if not words:
        return text[:SNIPPET_CHARS]
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)",
                         re.IGNORECASE)
    m = pattern.search(text)
    start = max(0, (m.start() if m else 0) - SNIPPET_CHARS // 3)
    window = text[start : start + SNIPPET_CHARS]
    out = pattern.sub(lambda x: f"<em>{x.group(0)}</em>", window)
    return ("…" if start else "") + " ".join(out.split()) + ("…" if start + SNIPPET_CHARS < len(text) else "")

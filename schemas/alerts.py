"""Alert rules (topic `alert-rules`, compacted, keyed by name) and alert events (topic `alerts`)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_HTTP_URL = re.compile(r"https?://\S+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _each_matching(values: list[str], pattern: re.Pattern[str], message: str) -> list[str]:
    for v in values:
        if not pattern.fullmatch(v):
            raise ValueError(message.format(v))
    return values


def parse_duration(text: str) -> float:
    """'30s', '5m', '1h', '2d' (a bare number is seconds)."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 1h")
    return float(m.group(1)) * _UNITS[(m.group(2) or "s").lower()]


class AlertRule(BaseModel):
    name: str = Field(..., min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.\-]+$")
    query: str = Field(..., min_length=1, max_length=10_000)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    throttle_s: float | None = Field(None, gt=0, description="at most one notification per this many seconds")
    webhooks: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    # "match": every matching article alerts; "frequency" and "spike" alert on counts (pipeline/query/windows.py)
    kind: Literal["match", "frequency", "spike"] = "match"
    min_count: int | None = Field(None, ge=1, le=1_000_000, description="frequency: N; spike: the least count that fires")
    window_s: float | None = Field(None, gt=0, le=30 * 86400, description="frequency: within T; spike: window length")
    spike_factor: float | None = Field(None, gt=1, description="spike: times the baseline (default 3)")
    baseline_windows: int | None = Field(None, ge=1, le=1000, description="spike: previous windows averaged (default 6)")
    once_per_story: bool = Field(False, description="near-duplicates of an article it fired on (or counted) do not "
                                                    "fire (or count) again")

    @model_validator(mode="after")
    def _counting(self) -> AlertRule:
        if self.kind == "frequency" and (not self.min_count or not self.window_s):
            raise ValueError("a frequency rule needs a count and a window (--frequency N --within 10m)")
        if self.kind == "spike" and not self.window_s:
            raise ValueError("a spike rule needs a window (--spike 3 --window 10m)")
        return self

    @field_validator("countries")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        out = [c.strip().upper() for c in v]
        bad = [c for c in out if not re.fullmatch(r"[A-Z]{2}", c)]
        if bad:
            raise ValueError(f"not ISO 3166-1 alpha-2 codes: {bad}")
        return out

    @field_validator("webhooks")
    @classmethod
    def _http(cls, v: list[str]) -> list[str]:
        return _each_matching(v, _HTTP_URL, "webhook {!r} is not an http(s) URL")

    @field_validator("emails")
    @classmethod
    def _email(cls, v: list[str]) -> list[str]:
        return _each_matching(v, _EMAIL, "{!r} is not an e-mail address")

    def full_query(self) -> str:
        """The rule's query with its country / region filters, in the query language itself."""
        parts = [f"({self.query})"]
        if self.countries:
            parts.append("(" + " OR ".join(f"countries:{c}" for c in self.countries) + ")")
        if self.regions:
            parts.append("(" + " OR ".join(f'regions:"{r}"' for r in self.regions) + ")")
        return " AND ".join(parts)


class AlertEvent(BaseModel):
    """One rule fired for one article (CONTRACT.md); `id` is stable, so redelivery is detectable."""

    rule: str
    article_id: str
    title: str
    url: str | None = None
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    matched: list[str] = Field(default_factory=list, description="the query terms found in the article")
    snippet: str = ""
    ingested_at: datetime | None = None
    fired_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    # set on alerts of frequency and spike rules
    kind: str = "match"  # "match", or "count": a frequency or spike rule fired, for the article that tipped it
    count: int | None = None  # matches in the window
    window_s: float | None = None
    baseline: float | None = None  # spike: mean count of the previous windows
    story_id: str | None = None  # the article's story (near-duplicates share it)

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.article_id}"

"""The shape `newswatch search --json` prints (see CONTRACT.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Hit(BaseModel):
    id: str
    score: float | None
    title: str
    url: str | None = None
    published_at: str | None = None
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    highlights: list[str] = Field(default_factory=list, description="fragments, matches wrapped in <em></em>")


class SearchResult(BaseModel):
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]

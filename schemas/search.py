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
    story_id: str | None = None  # near-duplicates share it
    event_id: str | None = None  # every article about the same event shares it (--collapse folds by it)
    story_articles: int | None = Field(None, description="with --collapse: the event's matching articles")


class SearchResult(BaseModel):
    total: int
    hits: list[Hit]
    stories: int | None = Field(None, description="with --collapse: how many stories the matches make")
    facets: dict[str, list[tuple[str, int]]]

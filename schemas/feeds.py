"""The feed list (a TOML file) and what the poller knows about each feed."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator


class Feed(BaseModel):
    url: str
    name: str | None = None
    interval_s: float = Field(300.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"feed {v!r} is not an http(s) URL")
        return v


class FeedStatus(BaseModel):
    url: str
    name: str | None = None
    last_poll: datetime | None = None
    last_success: datetime | None = None
    items_produced: int = 0
    error: str | None = None
    failures: int = 0
    etag: str | None = None
    last_modified: str | None = None


class FeedItem(BaseModel):
    """One entry of a feed, before its page is fetched."""

    link: str
    guid: str | None = None
    title: str = ""
    summary: str = ""  # the feed's own text: the fallback when the page cannot be had
    published_at: datetime | None = None
    author: str | None = None  # the entry's byline (RSS author, dc:creator, Atom author), when it has one
    problem: str | None = None  # why this entry cannot become an article (it is dead-lettered, once)

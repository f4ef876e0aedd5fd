"""Raw and enriched articles, entities and places."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from schemas import untrusted
from schemas.ids import article_id

MAX_TITLE_CHARS = 1_000
MAX_URL_CHARS = 4_096
MAX_AUTHOR_CHARS = 256


@dataclass(frozen=True)
class ValidationLimits:
    """Passed as pydantic validation context so limits come from Settings, not globals."""

    max_article_bytes: int = 2_000_000

    @property
    def max_payload_bytes(self) -> int:
        """A whole raw record: the body, the rest of the article and JSON's escaping of both."""
        return self.max_article_bytes * 2 + 65_536


def _limits(info: ValidationInfo) -> ValidationLimits:
    ctx = info.context or {}
    limits = ctx.get("limits") if isinstance(ctx, dict) else None
    return limits if isinstance(limits, ValidationLimits) else ValidationLimits()


class RawArticle(BaseModel):
    """An article as producers send it (topic `articles.raw`)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str | None = Field(None, min_length=1, max_length=128)
    title: str = Field(..., max_length=MAX_TITLE_CHARS)
    body: str
    url: str | None = Field(None, max_length=MAX_URL_CHARS)
    source: str | None = Field(None, max_length=256)
    published_at: datetime | None = None
    language: str | None = Field(None, max_length=16)
    # the byline, as the page or the producer names it ("Ada Reporter, Bo Writer"); a longer one is cut
    author: str | None = None

    @field_validator("title")
    @classmethod
    def _title_not_empty(cls, v: str) -> str:
        if not v:
            raise ValueError("title is empty")
        return " ".join(v.split())

    @field_validator("body")
    @classmethod
    def _body_sane(cls, v: str, info: ValidationInfo) -> str:
        if not v:
            raise ValueError("body is empty")
        if not any(ch.isalnum() for ch in v):
            raise ValueError("body has no text (only spaces, punctuation, control or zero-width characters)")
        limit = _limits(info).max_article_bytes
        size = len(v.encode("utf-8", "surrogatepass"))
        if size > limit:
            raise ValueError(f"body is {size} bytes, over the limit of {limit} bytes")
        return v

    @field_validator("url")
    @classmethod
    def _url_http(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(v)
            parts.port  # noqa: B018 - raises for a port out of range or not a number
        except ValueError as exc:
            raise ValueError(f"url {v[:200]!r} is not a valid URL ({exc})") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in v):
            raise ValueError(f"url {v[:200]!r} is not an absolute http(s) URL")
        return v

    @field_validator("source", "language", "id", "author", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("author")
    @classmethod
    def _author_line(cls, v: str | None) -> str | None:
        return " ".join(v.split())[:MAX_AUTHOR_CHARS] or None if v is not None else None

    @field_validator("published_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        # A date with no zone is taken as UTC, so every stored instant is comparable.
        return v.replace(tzinfo=timezone.utc) if v is not None and v.tzinfo is None else v

    @model_validator(mode="after")
    def _stable_id(self) -> RawArticle:
        if not self.id:
            self.id = article_id(url=self.url, source=self.source, title=self.title, body=self.body)
        return self

    @classmethod
    def from_payload(cls, payload: bytes | str | dict[str, Any], limits: ValidationLimits | None = None) -> RawArticle:
        """Parse what a file, a feed or a topic holds; every failure is a ValueError with a readable reason,
        so producers and the worker dead-letter it the same way."""
        limits = limits or ValidationLimits()
        if isinstance(payload, (bytes, str)):
            payload = untrusted.loads(payload, max_bytes=limits.max_payload_bytes)
        if not isinstance(payload, dict):
            raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
        try:
            return cls.model_validate(payload, context={"limits": limits})
        except ValidationError as exc:
            raise ValueError(describe(exc)) from exc


def describe(exc: ValidationError) -> str:
    """`field: message; ...`: one line a person can act on, for the dead-letter reason."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ())) or "record"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


class Entity(BaseModel):
    name: str
    type: str
    count: int = Field(1, ge=1)


class GeoPoint(BaseModel):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


class Place(BaseModel):
    """A resolved place mention."""

    name: str
    country: str | None = None
    kind: Literal["country", "admin", "city", "region", "other"]
    location: GeoPoint | None = None
    count: int = Field(1, ge=1)


class EnrichedArticle(BaseModel):
    """The indexed document (topic `articles.enriched`, alias `news-articles`)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    title: str
    body: str
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    author: str | None = None
    timestamp: datetime = Field(..., alias="@timestamp", description="when the article was enriched")
    entities: list[Entity] = Field(default_factory=list)
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    country_names: list[str] = Field(default_factory=list)
    focus_countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    enrichment_version: str = ""
    # One story per event (pipeline/enrich/stories.py): near-duplicates share `story_id`, the id of the
    # story's first article; a later member names that article in `duplicate_of`.
    story_id: str | None = None
    duplicate_of: str | None = None
    story_bands: list[str] = Field(default_factory=list, max_length=64)  # LSH band keys: candidates share one
    story_sketch: str | None = Field(None, max_length=1024)  # the MinHash signature, base64
    # One event per happening (pipeline/enrich/events.py): every outlet's article about the same event
    # shares `event_id`, the id of the event's founding article (the smallest when two were founded at once);
    # near-duplicates are the special case `story_id` names. An article indexed before events existed has
    # its story for an event (see the validator), so search --collapse and once-per-story rules still work.
    event_id: str | None = None
    event_terms: list[str] = Field(default_factory=list, max_length=64)  # its features: candidates share one
    event_weights: list[float] = Field(default_factory=list, max_length=64)  # their raw weights, same order

    @model_validator(mode="after")
    def _event_defaults_to_story(self) -> EnrichedArticle:
        if self.event_id is None:
            self.event_id = self.story_id
        return self

    def document(self) -> dict[str, Any]:
        """The Elasticsearch source document (aliases applied, JSON-safe)."""
        return self.model_dump(mode="json", by_alias=True)

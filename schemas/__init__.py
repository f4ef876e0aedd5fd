"""Pydantic models for every message and document: the one source of truth for their shapes."""

from schemas.article import EnrichedArticle, Entity, GeoPoint, Place, RawArticle, ValidationLimits
from schemas.deadletter import DeadLetter
from schemas.ids import article_id, canonical_url

__all__ = [
    "DeadLetter",
    "EnrichedArticle",
    "Entity",
    "GeoPoint",
    "Place",
    "RawArticle",
    "ValidationLimits",
    "article_id",
    "canonical_url",
]

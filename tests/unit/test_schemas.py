from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from schemas import RawArticle, ValidationLimits, article_id, canonical_url
from schemas.article import EnrichedArticle
from schemas.alerts import AlertEvent
from schemas.mapping import ALERT_DELIVERY_FIELDS, ALERT_PROPERTIES, ARTICLE_PROPERTIES


def test_id_is_stable_and_ignores_tracking_params() -> None:
    a = article_id(url="https://www.Example.com/news/1/?utm_source=x&b=2&a=1#top", source=None, title="t", body="b")
    b = article_id(url="https://example.com/news/1?a=1&b=2", source="other", title="u", body="c")
    assert a == b
    assert len(a) == 16


def test_id_without_url_depends_on_source_title_body() -> None:
    base: dict[str, Any] = {"url": None, "source": "s", "title": "Title", "body": "Body text"}
    assert article_id(**base) == article_id(**{**base, "body": "Body   text"})
    assert article_id(**base) != article_id(**{**base, "title": "Other"})


def test_canonical_url_drops_default_port_and_fragment() -> None:
    assert canonical_url("HTTP://Example.com:80/a/?fbclid=1#x") == "http://example.com/a"


def test_raw_article_gets_id_and_utc() -> None:
    art = RawArticle.model_validate({"title": " T ", "body": "b", "published_at": "2024-05-01T10:00:00"})
    assert art.id and art.title == "T"
    assert art.published_at is not None and art.published_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"title": "t", "body": ""}, "body is empty"),
        ({"title": "", "body": "b"}, "title is empty"),
        ({"title": "t", "body": "b", "published_at": "yesterday-ish"}, "published_at"),
        ({"title": "t", "body": "b", "url": "ftp://x"}, "not an absolute http(s) URL"),
        ({"body": "b"}, "title: Field required"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_invalid_records_have_clear_reasons(payload: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        RawArticle.from_payload(payload, ValidationLimits())  # type: ignore[arg-type]


def test_size_limit_is_configurable() -> None:
    with pytest.raises(ValueError, match="over the limit of 100 bytes"):
        RawArticle.from_payload({"title": "t", "body": "x" * 101}, ValidationLimits(max_article_bytes=100))
    assert RawArticle.from_payload({"title": "t", "body": "x" * 100}, ValidationLimits(max_article_bytes=100)).id


def test_mapping_covers_exactly_the_model_fields() -> None:
    fields = {f.alias or name for name, f in EnrichedArticle.model_fields.items()}
    assert fields == set(ARTICLE_PROPERTIES)


def test_alert_mapping_covers_exactly_the_event_and_its_delivery() -> None:
    assert set(AlertEvent.model_fields) | ALERT_DELIVERY_FIELDS == set(ALERT_PROPERTIES)

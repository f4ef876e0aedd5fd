"""Monthly article indices and their retention."""

from __future__ import annotations

from datetime import date, datetime, timezone

from consumers.es_indices import article_index, expired
from pipeline.settings import Settings


def test_one_index_per_month_of_ingestion_or_one_in_all() -> None:
    s = Settings()
    assert article_index(s, datetime(2026, 11, 25, tzinfo=timezone.utc)) == "news-articles-v1-2026.11"
    assert article_index(Settings(es_index_period="none")) == "news-articles-v1"


def test_retention_keeps_the_last_n_months_this_one_included() -> None:
    months = [(f"news-articles-v1-{y}.{m:02d}", date(y, m, 1)) for y, m in ((2025, 12), (2026, 8), (2026, 9),
                                                                           (2026, 10), (2026, 11))]
    today = date(2026, 11, 25)
    assert expired(months, 3, today) == ["news-articles-v1-2025.12", "news-articles-v1-2026.08"]
    assert expired(months, 1, today) == [n for n, _ in months[:-1]]
    assert expired(months, 0, today) == []  # 0: keep everything

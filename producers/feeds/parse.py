"""Feed documents -> items, and pages -> main text. Pure: bytes in, data out."""

from __future__ import annotations

import calendar
import html
import re
from datetime import datetime, timezone
from urllib.parse import urljoin

import feedparser

from schemas import canonical_url
from schemas.feeds import FeedItem

_TAGS = re.compile(r"<[^>]+>")
_CANONICAL = re.compile(r"""<link\b[^>]*\brel=["']?canonical["']?[^>]*>""", re.IGNORECASE)
_HREF = re.compile(r"""\bhref=["']?([^"'\s>]+)""", re.IGNORECASE)


class FeedError(ValueError):
    """Not a feed at all (feedparser found no entries and no feed structure)."""


def _text(value: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", value or "")).split())


def parse_feed(data: bytes, base_url: str) -> list[FeedItem]:
    """RSS 0.9x/1.0/2.0 and Atom, including feeds with broken XML that feedparser can still read."""
    parsed = feedparser.parse(data, response_headers={"content-location": base_url})
    if not parsed.entries and parsed.bozo and not parsed.feed:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception')}")
    items = []
    for e in parsed.entries:
        link = e.get("link") or ""
        if not link:
            continue
        link = urljoin(base_url, link)
        content = ""
        if e.get("content"):
            content = max((c.get("value", "") for c in e.content), key=len)
        summary = _text(content) if len(_text(content)) > len(_text(e.get("summary", ""))) else _text(e.get("summary", ""))
        t = e.get("published_parsed") or e.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(t), tz=timezone.utc) if t else None
        items.append(FeedItem(link=link, guid=e.get("id") or None, title=_text(e.get("title", "")), summary=summary,
                              published_at=published))
    return items


def page_canonical(page_html: str, page_url: str) -> str:
    """The page's own <link rel=canonical> when it has one, else its URL; tracking parameters dropped."""
    m = _CANONICAL.search(page_html)
    if m:
        href = _HREF.search(m.group())
        if href:
            return canonical_url(urljoin(page_url, html.unescape(href.group(1))))
    return canonical_url(page_url)


def main_text(page_html: str, url: str) -> tuple[str | None, str | None]:
    """(main text, title) of an article page; (None, None) when no article text can be found."""
    import trafilatura

    text = trafilatura.extract(page_html, url=url, include_comments=False, include_tables=False,
                               favor_precision=True, deduplicate=True)
    meta = trafilatura.extract_metadata(page_html, default_url=url)
    title = meta.title if meta is not None else None
    return (text.strip() if text and text.strip() else None), title

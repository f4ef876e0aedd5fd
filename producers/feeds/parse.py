"""Feed documents -> items, and pages -> main text. Pure: bytes in, data out."""

from __future__ import annotations

import calendar
import html
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import feedparser

from schemas import canonical_url
from schemas.feeds import FeedItem

_TAGS = re.compile(r"<[^>]+>")
# bounded repetitions: a page of a million "<link" with no ">" costs one pass, not a million
_LINK = re.compile(r"<link\b[^<>]{0,4096}>", re.IGNORECASE)
_REL_CANONICAL = re.compile(r"""\brel=["']?canonical\b""", re.IGNORECASE)
_HEAD_CHARS = 1_000_000  # <link rel=canonical> belongs in <head>
_HREF = re.compile(r"""\bhref=["']?([^"'\s>]+)""", re.IGNORECASE)


class FeedError(ValueError):
    """Not a feed at all (feedparser found no entries and no feed structure)."""


def _text(value: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", value or "")).split())


def parse_feed(data: bytes, base_url: str, *, max_items: int = 500) -> list[FeedItem]:
    """RSS 0.9x/1.0/2.0 and Atom, including feeds with broken XML that feedparser can still read.

    The first `max_items` entries (feeds list the newest first). An entry that cannot be read comes back
    with its `problem`, so it is dead-lettered on its own and the rest of the feed goes on."""
    parsed = feedparser.parse(data, response_headers={"content-location": base_url})
    if not parsed.entries and parsed.bozo and not parsed.feed:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception')}")
    items = []
    for e in parsed.entries[:max_items]:
        link = str(e.get("link") or "")
        if not link:
            continue
        try:
            items.append(_item(e, urljoin(base_url, link)))
        except Exception as exc:  # noqa: BLE001 - hostile entries fail in many ways; each costs only itself
            items.append(FeedItem(link=link[:2048], guid=str(e.get("id") or "")[:2048] or None,
                                  problem=f"unreadable feed entry: {type(exc).__name__}: {exc}"[:500]))
    return items


def _item(e: Any, link: str) -> FeedItem:
    content = ""
    if e.get("content"):
        content = max((c.get("value", "") for c in e.content), key=len)
    summary = _text(content) if len(_text(content)) > len(_text(e.get("summary", ""))) else _text(e.get("summary", ""))
    t = e.get("published_parsed") or e.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(t), tz=timezone.utc) if t else None
    author = " ".join(_text(e.get("author", "")).split())[:256] or None
    return FeedItem(link=link, guid=e.get("id") or None, title=_text(e.get("title", "")), summary=summary,
                    published_at=published, author=author)


def page_canonical(page_html: str, page_url: str) -> str:
    """The page's own <link rel=canonical> when it has one, else its URL; tracking parameters dropped."""
    for tag in _LINK.finditer(page_html, 0, _HEAD_CHARS):
        if _REL_CANONICAL.search(tag.group()):
            href = _HREF.search(tag.group())
            if href:
                try:
                    return canonical_url(urljoin(page_url, html.unescape(href.group(1))))
                except ValueError:  # a canonical link that is not a URL: the page's own URL stands
                    break
    return canonical_url(page_url)

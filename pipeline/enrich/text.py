"""The text NER reads, and the conventions of news copy read straight from it: the title's end, the
dateline, diseases named after places."""

from __future__ import annotations

import re

from schemas import RawArticle

# "TOKYO, March 3 (Reuters) -", "KYIV (AP) —", "Washington, D.C. -"
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Za-z.'\- ]{1,40}?)(?:,\s*[A-Z][A-Za-z.' ]{1,30}?)?"
    r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:[-\u2013\u2014:])\s"
)
# "Reston ebolavirus", "Marburg virus", "Spanish flu": a disease named after a place is not a mention of it.
_DISEASE_AFTER = re.compile(
    r"^[\s-]*(?:ebola)?(?:virus|viruses|ebolavirus|fever|flu|influenza|strain|disease|encephalitis|variant)\b",
    re.IGNORECASE,
)


# Entities and places come from the first 200,000 characters (some 35,000 words: longer than any news
# story); the whole body is still indexed and searchable. This bounds what one article can cost.
MAX_ANALYSED_CHARS = 200_000


def compose(raw: RawArticle) -> tuple[str, int]:
    """The text NER reads (title first, once; at most MAX_ANALYSED_CHARS, cut at a space) and where the
    title ends in it."""
    body = raw.body.lstrip()
    if body[: len(raw.title) + 5].replace("\n", " ").startswith(raw.title[:200]):
        first_line = body.split("\n", 1)[0]
        return _bounded(body), min(len(first_line), MAX_ANALYSED_CHARS)
    return _bounded(f"{raw.title}\n\n{body}"), min(len(raw.title), MAX_ANALYSED_CHARS)


def _bounded(text: str) -> str:
    if len(text) <= MAX_ANALYSED_CHARS:
        return text
    cut = text.rfind(" ", MAX_ANALYSED_CHARS - 200, MAX_ANALYSED_CHARS)
    return text[: cut if cut > 0 else MAX_ANALYSED_CHARS]


def dateline_city(text: str, title_end: int) -> str | None:
    m = _DATELINE.match(text[title_end:].lstrip("\n")[:120])
    if not m:
        return None
    name = m.group(1).strip()
    return name if name.isupper() or name.istitle() else None


def disease_name(text: str, end: int) -> bool:
    """Whether the name ending at `end` is the first half of a disease's name."""
    return bool(_DISEASE_AFTER.match(text[end : end + 24]))

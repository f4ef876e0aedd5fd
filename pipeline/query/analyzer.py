"""Tokens as Elasticsearch's standard analyzer makes them (Unicode word segmentation, lower case).

An approximation of UAX#29 good for news text: letters, digits and underscores form words; an
apostrophe, a period, a colon or a middle dot between letters, and a period, comma, semicolon or
apostrophe between digits, do not break it ("don't", "u.s", "3.5", "1,000"); everything else does.
"""

from __future__ import annotations

import re

_WORD = re.compile(
    r"\w+(?:(?:(?<=[^\W\d_])[:.'\u2019\u00b7](?=[^\W\d_])|(?<=\d)[.,;'\u2019](?=\d))\w+)*",
    re.UNICODE,
)
MAX_TOKEN = 255


def tokens(text: str) -> list[str]:
    out = []
    for m in _WORD.finditer(text):
        t = m.group().lower()
        # the standard tokenizer splits over-long tokens at 255 characters
        out.extend(t[i : i + MAX_TOKEN] for i in range(0, len(t), MAX_TOKEN))
    return out

"""Tokens as Elasticsearch's standard analyzer makes them: the standard tokenizer (Unicode word
segmentation, UAX #29), then Lucene's lower-casing, so a rule fires in-stream exactly when `search` finds
the article.

What that means, beyond splitting on spaces and punctuation:
- `regex`'s `(?w)` word boundaries are UAX #29's: "don't", "u.s", "3.5", "1,000" stay whole, combining
  marks, joiners and soft hyphens stay inside their word, and every Han ideograph and Hiragana
  character is a token of its own (北京 is 北 + 京, searched as a phrase); Katakana and Hangul runs are words.
- A segment is a token when it holds a letter, a digit or an emoji (one token per emoji sequence:
  a family, a flag, a skin tone); "___", "--" or half a flag alone is not.
- Thai, Lao, Khmer and Myanmar runs, which UAX #29 leaves to dictionaries, are one token each.
- Lower case is per character, as Java's `Character.toLowerCase`: "İ" is "i" (Python: "i̇") and a
  capital Σ is σ even at the end of a word (Python: ς).
- Tokens longer than 255 characters are split, as the tokenizer's `max_token_length` does.

Checked against a real Elasticsearch by tests/integration/test_query_differential.py (news text, and 400
random strings over the hard characters above). Known gap: a lone half-flag joined by a joiner to an
emoji keeps the half-flag.
"""

from __future__ import annotations

import re

import regex

_BOUNDARY = regex.compile(r"(?w)\b")
_TOKEN = regex.compile(r"[\p{L}\p{N}\p{Extended_Pictographic}\p{Emoji_Modifier}]|\p{Regional_Indicator}{2}")
_COMPLEX = regex.compile(
    r"\p{Line_Break=Complex_Context}[\p{Line_Break=Complex_Context}\p{Word_Break=Extend}\p{Word_Break=Format}"
    r"\p{Word_Break=ZWJ}]*"
)
# UAX #29 glues an emoji modifier or a joined emoji to what precedes it; the standard tokenizer does not
_LEAD = regex.compile(
    r"^(?:[^\p{L}\p{N}_\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}]"
    r"|\p{Regional_Indicator}(?!\p{Regional_Indicator}))+(?=\p{Emoji_Modifier})"
    r"|^(?:(?![_\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}])[\p{Z}\p{P}\p{S}\p{Cc}\u200b])+"
)
_JOINED_EMOJI = regex.compile(r"(?<=[\p{L}\p{N}\p{M}_]\u200d)(?=\p{Extended_Pictographic})")
_SPECIAL_CASE = {"\u0130": "i", "\u03a3": "\u03c3"}  # where Python's lower() differs from Lucene's
MAX_TOKEN = 255


# The fast path: text whose only non-ASCII characters are these typographic marks (most English news)
# is cut by one regular expression that spells out UAX #29 for ASCII: letters, digits and `_` join; a
# `:` `.` `'` `‘` `’` between two letters and a `,` `;` `.` `'` `‘` `’` between two digits stay inside
# the word. Fuzzed against the general path (tests/unit/test_query.py).
_TYPOGRAPHIC = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb"
_NOT_FAST = re.compile(f"[^\\x00-\\x7f{_TYPOGRAPHIC}]")
_FAST_WORD = re.compile(
    r"[A-Za-z0-9_]+(?:(?:(?<=[A-Za-z])[:.'\u2018\u2019](?=[A-Za-z])|(?<=[0-9])[,;.'\u2018\u2019](?=[0-9]))[A-Za-z0-9_]+)*"
)
_HAS_ALNUM = re.compile(r"[A-Za-z0-9]")


def tokens(text: str) -> list[str]:
    """The standard analyzer's tokens: lower case, at most 255 characters each."""
    if not _NOT_FAST.search(text):
        return _split_long(_fast(text.lower()))
    return _split_long([lower(t) for t in _segments(text)])


def cased_tokens(text: str) -> list[str]:
    """The same tokens with their case kept (the `.cs` sub-fields: the standard tokenizer alone)."""
    if not _NOT_FAST.search(text):
        return _split_long(_fast(text))
    return _split_long(_segments(text))


def _fast(text: str) -> list[str]:
    found: list[str] = _FAST_WORD.findall(text)
    if "_" in text:  # a run of underscores alone is no token
        return [t for t in found if _HAS_ALNUM.search(t)]
    return found


def _split_long(toks: list[str]) -> list[str]:
    if not toks or max(map(len, toks)) <= MAX_TOKEN:
        return toks
    out: list[str] = []
    for t in toks:
        out.extend([t] if len(t) <= MAX_TOKEN else [t[i : i + MAX_TOKEN] for i in range(0, len(t), MAX_TOKEN)])
    return out


def _segments(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _COMPLEX.finditer(text):
        _words(text[pos : m.start()], out)
        out.append(m.group())
        pos = m.end()
    _words(text[pos:], out)
    return out


def _words(text: str, out: list[str]) -> None:
    for seg in _BOUNDARY.split(text):
        if not seg or not _TOKEN.search(seg):
            continue
        if seg.isascii():
            out.append(seg)
            continue
        for part in _JOINED_EMOJI.split(_LEAD.sub("", seg)):
            if _TOKEN.search(part):
                out.append(part)


def lower(text: str) -> str:
    """Lucene's lower case (the analyzer's, and the keyword fields' `lowercase` normalizer)."""
    if not text.isascii() and ("\u0130" in text or "\u03a3" in text):
        return "".join(_SPECIAL_CASE.get(c) or c.lower() for c in text)
    return text.lower()

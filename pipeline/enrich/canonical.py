"""One name per real-world entity within an article.

"The Japanese Ministry of Defense", "Japan's Ministry of Defense" and "Ministry of Defense" become one
entry; "Putin" joins "Vladimir Putin"; "WHO" joins "World Health Organization". The longest variant the
text uses is the canonical name, counts are summed, types kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|'|\u2019s|\u2019)$")
_HONORIFIC = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|professor|sir|dame|lord|lady|president|prime minister|minister|"
    r"secretary|senator|sen|rep|representative|governor|gov|mayor|general|gen|colonel|col|captain|capt|"
    r"chancellor|king|queen|prince|princess|pope|judge|justice|ambassador|chairman|ceo)\.?\s+",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")
_STOP = {"of", "the", "and", "for", "on", "in", "&", "de", "du", "la", "le", "des", "to"}


def clean(name: str, label: str) -> str:
    """Surface form without leading articles, possessives, honorifics and stray punctuation."""
    s = _WS.sub(" ", name.replace("\u2019", "'")).strip(" \t\n,;:\"()[]")
    s = _LEADING.sub("", s)
    s = _POSSESSIVE.sub("", s).strip()
    if label == "PERSON":
        prev = None
        while prev != s:
            prev, s = s, _HONORIFIC.sub("", s)
    return s


@lru_cache(maxsize=1)
def org_aliases() -> dict[str, str]:
    """Well-known organisations under one name across articles ("U.N." and "UN" -> "United Nations")."""
    out: dict[str, str] = {}
    for line in (Path(__file__).resolve().parent / "data" / "orgs.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            alias, name = line.split("\t")
            out[alias.casefold()] = name
    return out


def _tokens(s: str) -> list[str]:
    return s.casefold().split()


def acronym(s: str) -> str:
    return "".join(w[0] for w in s.split() if w.casefold() not in _STOP and w[:1].isalpha()).upper()


@dataclass
class Group:
    name: str
    label: str
    count: int = 0
    first: int = 1 << 30
    variants: set[str] = field(default_factory=set)


def merge(
    items: list[tuple[str, str, int]], *, prefix_rewrite: Callable[[str], str] = lambda s: s
) -> list[Group]:
    """Group (cleaned name, label, position) mentions of one article into entities.

    `prefix_rewrite` turns "Japan's Ministry of Defense" into "Japanese Ministry of Defense" so the
    possessive and adjectival forms meet.
    """
    exact: dict[tuple[str, str], Group] = {}
    aliases = org_aliases()
    for name, label, pos in items:
        if label == "ORG":
            name = aliases.get(name.casefold()) or prefix_rewrite(name)
        k = (name.casefold(), label)
        g = exact.get(k)
        if g is None:
            g = exact[k] = Group(name, label)
        g.count += 1
        g.first = min(g.first, pos)
        g.variants.add(name)

    groups = sorted(exact.values(), key=lambda g: (-len(_tokens(g.name)), g.first))
    merged: list[Group] = []
    for g in groups:
        target = _absorber(g, merged)
        if target is None:
            merged.append(g)
        else:
            target.count += g.count
            target.first = min(target.first, g.first)
            target.variants |= g.variants
    merged.sort(key=lambda g: (-g.count, g.first))
    return merged


def _absorber(g: Group, longer: list[Group]) -> Group | None:
    """The unique longer entity `g` is a short form of, if the text makes that clear."""
    toks = _tokens(g.name)
    hits: list[Group] = []
    for big in longer:
        if big.label != g.label:
            continue
        btoks = _tokens(big.name)
        if len(btoks) <= len(toks):
            continue
        if g.label == "PERSON":
            # "Putin" -> "Vladimir Putin"; "Vladimir" alone is not enough.
            if len(toks) == 1 and btoks[-1] == toks[0]:
                hits.append(big)
        elif g.label == "ORG":
            if len(toks) >= 2 and btoks[-len(toks):] == toks:
                hits.append(big)
            elif len(toks) == 1 and g.name.isupper() and len(g.name) >= 2 and acronym(big.name) == g.name:
                hits.append(big)
    return hits[0] if len(hits) == 1 else None

"""Which countries an article is *about*: salience from position, frequency and kind of mention.

A country named in the dateline or the title is what an editor would tag; one named once in passing deep
in the body (a currency, a venue, a comparison) is not. Pure: positions in, ranking out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

TITLE_WEIGHT = 3.0
DATELINE_WEIGHT = 4.0
LEAD_WEIGHT = 1.5
BODY_WEIGHT = 1.0
# A demonym ("Russian troops") says less than a place name; a city says its country is the scene.
KIND_FACTOR = {"country": 1.0, "admin": 0.9, "city": 0.9, "region": 0.9, "demonym": 0.6, "org": 0.5}
FOCUS_RATIO = 0.4  # a focus country scores at least this share of the top one
MAX_FOCUS = 4


@dataclass(frozen=True)
class CountryMention:
    code: str
    start: int
    kind: str  # country, admin, city, region, demonym


def scores(mentions: list[CountryMention], *, title_end: int, lead_end: int, dateline: str | None) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for m in mentions:
        if m.start < title_end:
            w = TITLE_WEIGHT
        elif m.start < lead_end:
            w = LEAD_WEIGHT
        else:
            w = BODY_WEIGHT
        out[m.code] += w * KIND_FACTOR.get(m.kind, 1.0)
    if dateline:
        out[dateline] += DATELINE_WEIGHT
    return dict(out)


def rank(score: dict[str, float], first_seen: dict[str, int]) -> list[str]:
    """Most salient first; ties go to the earlier first mention."""
    return sorted(score, key=lambda c: (-score[c], first_seen.get(c, 1 << 30), c))


def focus(score: dict[str, float], ranked: list[str], *, dateline: str | None) -> list[str]:
    if not ranked:
        return []
    top = score[ranked[0]]
    chosen = [c for c in ranked if score[c] >= FOCUS_RATIO * top and (score[c] >= 2.0 or c == ranked[0])]
    if dateline and dateline not in chosen:
        chosen.insert(0, dateline)
    return chosen[:MAX_FOCUS]

"""Country codes for the map: the world atlas (Natural Earth via world-atlas) names countries by ISO 3166-1
numeric code, the articles by alpha-2; the server does the translation so the page's script only draws."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Natural Earth shapes without an ISO numeric code in world-atlas (ids absent): drawn, never shaded
_EXTRA_NAMES = {"XK": "Kosovo"}


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    import pycountry

    numeric, names = {}, dict(_EXTRA_NAMES)
    for c in pycountry.countries:
        numeric[c.alpha_2] = c.numeric
        names[c.alpha_2] = getattr(c, "common_name", None) or c.name
    return numeric, names


def country_name(code: Any) -> str:
    code = str(code or "").upper()
    return _tables()[1].get(code, code)


def map_data(counts: dict[str, int]) -> dict[str, Any]:
    """{"by_numeric": {"804": ["UA", "Ukraine", 12], ...}, "max": 12} for the page's map script."""
    numeric, names = _tables()
    by_numeric = {numeric[cc]: [cc, names.get(cc, cc), n] for cc, n in counts.items() if cc in numeric}
    return {"by_numeric": by_numeric, "max": max(counts.values(), default=0)}

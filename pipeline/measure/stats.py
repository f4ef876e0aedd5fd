"""The arithmetic every benchmark reports with."""

from __future__ import annotations


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(q / 100 * (len(s) - 1)))))
    return s[k]

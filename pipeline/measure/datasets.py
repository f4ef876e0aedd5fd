"""The articles benchmarks run on when none are named: found beside the current folder, never inside
the installed package (which holds no data sets)."""

from __future__ import annotations

from pathlib import Path

from pipeline.settings import Settings

DEV_SET_PLACES = (Path("..") / "shared" / "eval" / "geovirus.jsonl", Path("shared") / "eval" / "geovirus.jsonl")
SEEDS = Path("seeds")


class NoArticles(LookupError):
    """Nothing to measure on; the message says what to name."""


def default_articles(s: Settings) -> Path:
    """`NEWSWATCH_DEV_SET`, else the open dev set beside the checkout, else `./seeds`."""
    if s.dev_set is not None:
        if not s.dev_set.exists():
            raise NoArticles(f"NEWSWATCH_DEV_SET={s.dev_set} does not exist")
        return s.dev_set
    for candidate in (*DEV_SET_PLACES, SEEDS):
        if candidate.exists():
            return candidate
    raise NoArticles("no dev set (../shared/eval/geovirus.jsonl) or seeds/ here: name a file, or set NEWSWATCH_DEV_SET")


def seed_text(folder: Path = SEEDS) -> str:
    """The first sample article (`.txt`) of the seeds folder: the kind of text the pipeline lives on."""
    found = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not found:
        raise NoArticles(f"no .txt article in {folder.absolute()}: run from the checkout, or pass --body-file")
    return found[0].read_text(encoding="utf-8")

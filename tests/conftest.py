from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_0ea0a3bceccc22c1.txt"


@pytest.fixture(scope="session")
def seed_raw() -> dict[str, str]:
    """The seed article as `newswatch produce` reads a .txt file."""
    text = SEED.read_text(encoding="utf-8")
    title = next(line.strip() for line in text.splitlines() if line.strip())
    return {"title": title, "body": text, "source": "seeds"}

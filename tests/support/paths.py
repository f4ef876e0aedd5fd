from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = ROOT / "seeds" / "000_0ea0a3bceccc22c1.txt"

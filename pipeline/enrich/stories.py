"""One story per event: near-duplicate articles (a wire story republished with another headline, a
paragraph trimmed, the outlet's boilerplate added) share a `story_id`.

MinHash over word 5-shingles of the normalised body estimates the Jaccard similarity of two articles;
LSH bands (42 bands of 3 rows) make articles above 0.4 collide in at least one band with probability
0.94 (0.996 above 0.5), and a candidate counts only when the full signatures agree on at least `THRESHOLD` of their
values. The first article of a story names it: `story_id` is its id, and every later member carries
`duplicate_of` (that first article). Pure: the index lives wherever its caller keeps it.
"""

from __future__ import annotations

import base64
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

NUM_PERM = 126
BANDS = 42
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.4  # rewrites of one story measure 0.26-1.0 (most above 0.5); different stories stay below 0.15
SHINGLE_WORDS = 5
MAX_SHINGLE_CHARS = 100_000  # the body's head decides; a 2 MB body costs no more than a long article
MIN_SHINGLES = 8  # shorter bodies (a one-line brief) are a story of their own: too little text to compare
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, eq=False)
class Sketch:
    signature: np.ndarray  # NUM_PERM uint32 values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sketch) and bool(np.array_equal(self.signature, other.signature))

    def __hash__(self) -> int:
        return hash(self.signature.tobytes())

    @property
    def bands(self) -> list[str]:
        """Each band's key: its index and its rows, hex; articles sharing a key are candidates."""
        sig = self.signature
        return [f"{b:02d}{sig[b * ROWS:(b + 1) * ROWS].tobytes().hex()}" for b in range(BANDS)]

    def similarity(self, other: Sketch) -> float:
        return float(np.mean(self.signature == other.signature))

    def encode(self) -> str:
        return base64.b64encode(self.signature.astype("<u4").tobytes()).decode()

    @classmethod
    def decode(cls, s: str) -> Sketch | None:
        try:
            sig = np.frombuffer(base64.b64decode(s, validate=True), dtype="<u4")
        except (ValueError, TypeError):
            return None
        return cls(sig.astype(np.uint32)) if sig.size == NUM_PERM else None


def shingles(body: str) -> list[bytes]:
    words = [w.casefold() for w in _WORD.findall(body[:MAX_SHINGLE_CHARS])]
    return [" ".join(words[i:i + SHINGLE_WORDS]).encode() for i in range(max(0, len(words) - SHINGLE_WORDS + 1))]


def sketch(body: str) -> Sketch | None:
    """The body's MinHash signature; None when it is too short to say what else repeats it."""
    from datasketch import MinHash

    sh = shingles(body)
    if len(set(sh)) < MIN_SHINGLES:
        return None
    m = MinHash(num_perm=NUM_PERM, seed=1, permutations=_permutations(), scheme="affine32")
    m.update_batch(sh)
    return Sketch(m.hashvalues.astype(np.uint32))


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations  # drawing them costs more than hashing a body


@dataclass(frozen=True)
class Member:
    article_id: str
    story_id: str
    sketch: Sketch
    seen: float


@dataclass(frozen=True)
class Story:
    story_id: str
    duplicate_of: str | None = None


def decide(article_id: str, sk: Sketch | None, candidates: list[Member]) -> Story:
    """The story an article joins: that of its most similar earlier candidate above the threshold."""
    if sk is None:
        return Story(article_id)
    best: tuple[float, Member] | None = None
    for c in candidates:
        if c.article_id == article_id:
            continue
        sim = sk.similarity(c.sketch)
        if sim >= THRESHOLD and (best is None or sim > best[0]):
            best = (sim, c)
    if best is None:
        return Story(article_id)
    return Story(best[1].story_id, best[1].story_id)


@dataclass
class StoryIndex:
    """The recent articles, by band; the oldest go first past `max_articles` or `window_s`."""

    max_articles: int = 200_000
    window_s: float = 7 * 86400.0
    _members: OrderedDict[str, tuple[Member, list[str]]] = field(default_factory=OrderedDict)
    _bands: dict[str, list[str]] = field(default_factory=dict)  # band key -> article ids

    def __len__(self) -> int:
        return len(self._members)

    def get(self, article_id: str) -> Member | None:
        m = self._members.get(article_id)
        return m[0] if m else None

    def candidates(self, sk: Sketch) -> list[Member]:
        seen: dict[str, Member] = {}
        for key in sk.bands:
            for aid in self._bands.get(key, ()):
                if aid not in seen and aid in self._members:
                    seen[aid] = self._members[aid][0]
        return list(seen.values())

    def add(self, member: Member) -> None:
        if member.article_id in self._members:
            return
        keys = member.sketch.bands
        self._members[member.article_id] = (member, keys)
        for key in keys:
            self._bands.setdefault(key, []).append(member.article_id)
        self._expire(member.seen)

    def assign(self, article_id: str, sk: Sketch | None, now: float | None = None, *,
               elsewhere: list[Member] = (), known: Story | None = None) -> Story:  # type: ignore[assignment]
        """Decide and remember; the same article again gets the same answer. `elsewhere`: candidates this
        index has not seen (other workers', earlier runs'); `known`: the story already recorded for it."""
        now = time.time() if now is None else now
        mine = self.get(article_id)
        if known is None and mine is not None:
            known = Story(mine.story_id, None if mine.story_id == article_id else mine.story_id)
        if known is not None:
            story = known
        else:
            candidates = self.candidates(sk) if sk is not None else []
            if sk is not None and elsewhere:
                keys = set(sk.bands)
                ids = {c.article_id for c in candidates}
                candidates += [m for m in elsewhere if m.article_id not in ids and keys & set(m.sketch.bands)]
            story = decide(article_id, sk, candidates)
        if sk is not None:
            self.add(Member(article_id, story.story_id, sk, now))
        return story

    def _expire(self, now: float) -> None:
        while self._members:
            aid, (m, keys) = next(iter(self._members.items()))
            if len(self._members) <= self.max_articles and now - m.seen <= self.window_s:
                return
            del self._members[aid]
            for key in keys:
                ids = self._bands.get(key)
                if ids is not None:
                    ids[:] = [i for i in ids if i != aid]
                    if not ids:
                        del self._bands[key]

"""One story per event: near-duplicate articles (a wire story republished with another headline, a
paragraph trimmed, the outlet's boilerplate added) share a `story_id`.

MinHash over word 5-shingles of the normalised body estimates the Jaccard similarity of two articles;
LSH bands (42 bands of 3 rows) make articles above 0.4 collide in at least one band with probability
0.94 (0.996 above 0.5), and a candidate counts only when the full signatures agree on at least `THRESHOLD` of their
values. The first article of a story names it: `story_id` is its id, and every later member carries
`duplicate_of` (that first article). Pure: the index lives wherever its caller keeps it.

An article's cost is bounded whatever its story's size (a wire story republished by hundreds of sites):
it is compared with at most `MAX_REPRESENTATIVES` members of each story sharing a band, never with every
earlier copy (see `StoryIndex`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
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
    """The body's MinHash signature; None when it is too short to say what else repeats it.

    datasketch 2.0's MinHash (seed 1, its "affine32" scheme), value for value: the sketches stored in
    Elasticsearch were made with it (tests/unit/test_stories.py compares the two). Written out here
    because importing datasketch imports SciPy, 0.7 s of CPU at every enrichment process's start."""
    uniq = set(shingles(body))  # a repeated shingle cannot change a minimum: hashed once
    if len(uniq) < MIN_SHINGLES:
        return None
    a, b = _permutations()
    hv = np.frombuffer(b"".join([hashlib.sha1(x).digest()[:4] for x in uniq]),  # noqa: S324 - a hash, not a secret
                       dtype="<u4").astype(np.uint32).reshape(-1, 1)
    hv ^= hv >> np.uint32(16)  # MurmurHash3's 32-bit finalizer
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    return Sketch((hv * a + b).min(axis=0))  # uint32 arithmetic: the wrap-around is the modulo 2**32


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations for seed 1: h -> a * h + b mod 2**32, `a` odd (a bijection)."""
    gen = np.random.RandomState(1)  # the legacy generator: the one datasketch draws them from
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


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
    """The story an article joins: that of its most similar earlier candidate above the threshold (the
    first of equals)."""
    return _best(article_id, sk, candidates)[0]


def _best(article_id: str, sk: Sketch | None, candidates: list[Member]) -> tuple[Story, float]:
    """`decide`, with the similarity of the candidate it followed (0 for a story of its own); one
    vectorised comparison whatever the number of candidates."""
    cands = [c for c in candidates if c.article_id != article_id]
    if sk is None or not cands:
        return Story(article_id), 0.0
    sims = (np.stack([c.sketch.signature for c in cands]) == sk.signature).mean(axis=1)
    best = int(np.argmax(sims))
    if sims[best] < THRESHOLD:
        return Story(article_id), 0.0
    return Story(cands[best].story_id, cands[best].story_id), float(sims[best])


# A story's cost is bounded whatever its size: later articles are compared with at most
# MAX_REPRESENTATIVES of its members, and a member that nearly repeats one of them (a wire copy
# republished verbatim, or with only the outlet's boilerplate) is remembered for its story but compared
# with nothing. A band key shared by many stories (common boilerplate) keeps its newest MAX_BUCKET ids.
MAX_REPRESENTATIVES = 8
NEAR_COPY = 0.95
MAX_BUCKET = 64


@dataclass
class _Entry:
    story_id: str
    seen: float
    member: Member | None = None  # a representative: compared with later articles
    keys: tuple[str, ...] = ()  # its band keys (a representative's only)


@dataclass
class StoryIndex:
    """The recent articles, by band; the oldest go first past `max_articles` or `window_s`.

    Cost per article, whatever the stories' sizes: BANDS bucket reads of at most MAX_BUCKET ids each,
    deduplicated, and one vectorised comparison with those candidates; `scanned` and `compared` count
    both (the unit tests read them)."""

    max_articles: int = 200_000
    window_s: float = 7 * 86400.0
    scanned: int = 0  # bucket entries read, all calls
    compared: int = 0  # signatures compared, all calls
    _members: OrderedDict[str, _Entry] = field(default_factory=OrderedDict)
    _bands: dict[str, list[str]] = field(default_factory=dict)  # band key -> representatives' ids
    _reps: dict[str, int] = field(default_factory=dict)  # story id -> its representatives in the index

    def __len__(self) -> int:
        return len(self._members)

    @classmethod
    def of(cls, members: Iterable[Member]) -> StoryIndex:
        """An index of candidates from elsewhere (other workers', earlier runs'), built once per batch:
        at most MAX_REPRESENTATIVES of each story, the first given first."""
        idx = cls(max_articles=10**9, window_s=float("inf"))
        for m in members:
            if m.article_id not in idx._members and idx._reps.get(m.story_id, 0) < MAX_REPRESENTATIVES:
                idx._remember(m, m.sketch.bands, representative=True)
        return idx

    def get(self, article_id: str) -> Story | None:
        e = self._members.get(article_id)
        return None if e is None else Story(e.story_id, None if e.story_id == article_id else e.story_id)

    def candidates(self, sk: Sketch, keys: list[str] | None = None) -> list[Member]:
        """Representatives sharing a band with `sk`, each once, in band order."""
        seen: dict[str, Member] = {}
        for key in keys if keys is not None else sk.bands:
            ids = self._bands.get(key)
            if not ids:
                continue
            self.scanned += len(ids)
            for aid in ids:
                if aid not in seen:
                    e = self._members.get(aid)
                    if e is not None and e.member is not None:
                        seen[aid] = e.member
        return list(seen.values())

    def add(self, member: Member) -> None:
        """Remember a member as a representative of its story, unconditionally (its story's cap aside)."""
        if member.article_id not in self._members:
            self._remember(member, member.sketch.bands,
                           representative=self._reps.get(member.story_id, 0) < MAX_REPRESENTATIVES)
            self._expire(member.seen)

    def assign(self, article_id: str, sk: Sketch | None, now: float | None = None, *,
               elsewhere: Iterable[Member] | StoryIndex = (), known: Story | None = None) -> Story:
        """Decide and remember; the same article again gets the same answer. `elsewhere`: candidates this
        index has not seen (other workers', earlier runs': pass `StoryIndex.of(...)` built once for a
        batch); `known`: the story already recorded for it."""
        now = time.time() if now is None else now
        known = known or self.get(article_id)
        if known is not None:
            if sk is not None and article_id not in self._members:
                self._remember(Member(article_id, known.story_id, sk, now), sk.bands,
                               representative=self._reps.get(known.story_id, 0) < MAX_REPRESENTATIVES)
                self._expire(now)
            return known
        if sk is None:
            return Story(article_id)
        keys = sk.bands  # computed once: the lookup, and the buckets when it becomes a representative
        candidates = self.candidates(sk, keys)
        if elsewhere:
            remote = elsewhere if isinstance(elsewhere, StoryIndex) else StoryIndex.of(elsewhere)
            ids = {c.article_id for c in candidates}
            candidates += [m for m in remote.candidates(sk, keys) if m.article_id not in ids]
        self.compared += len(candidates)
        story, sim = _best(article_id, sk, candidates)
        self._remember(Member(article_id, story.story_id, sk, now), keys,
                       representative=sim < NEAR_COPY and self._reps.get(story.story_id, 0) < MAX_REPRESENTATIVES)
        self._expire(now)
        return story

    def _remember(self, member: Member, keys: list[str], *, representative: bool) -> None:
        if not representative:
            self._members[member.article_id] = _Entry(member.story_id, member.seen)
            return
        self._members[member.article_id] = _Entry(member.story_id, member.seen, member, tuple(keys))
        self._reps[member.story_id] = self._reps.get(member.story_id, 0) + 1
        for key in keys:
            ids = self._bands.setdefault(key, [])
            ids.append(member.article_id)
            if len(ids) > MAX_BUCKET:
                del ids[0]  # the oldest; it stays a candidate through its other bands

    def _expire(self, now: float) -> None:
        while self._members:
            aid, e = next(iter(self._members.items()))
            if len(self._members) <= self.max_articles and now - e.seen <= self.window_s:
                return
            del self._members[aid]
            if e.member is None:
                continue
            left = self._reps.get(e.story_id, 1) - 1
            if left > 0:
                self._reps[e.story_id] = left
            else:
                self._reps.pop(e.story_id, None)
            for key in e.keys:
                ids = self._bands.get(key)
                if ids is not None:
                    if ids and ids[0] == aid:
                        del ids[0]  # the oldest leaves first: usually at the front
                    elif aid in ids:
                        ids.remove(aid)
                    if not ids:
                        del self._bands[key]

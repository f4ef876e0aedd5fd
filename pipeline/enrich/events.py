"""One event per happening: every outlet's article about the same event shares an `event_id`, however
differently it is written (near-duplicates, `story_id`, are the special case of copies; see stories.py).

An article becomes a sparse feature vector: the rare words of its title and lead (`w:`), and the
language-independent signals the enrichment already found: persons (`p:`), organisations (`o:`), focus
countries (`c:`) and places (`l:`). Weights are tf x IDF, the IDF from a bounded document-frequency
sketch of the stream (`DocFreq`). An arriving article is compared (cosine) with the recent events that
share two words or names with it (countries alone never make a candidate), by their centroid and by their
closest recent member (single link), within a time window; above `THRESHOLD` it joins, else it founds an
event named after itself.

Several workers agree because the choice is deterministic and needs no shared clock: an event is named
by its founder's id, and when an article links above the threshold to several events whose centroids are
alike too (`FOLD_THRESHOLD`: one happening founded twice), the one with the smallest id takes the others
in (`aliases`). "Smallest id wins" is a rule every worker applies alike, so two events founded
concurrently by two workers converge on one name as soon as any article links both; linked events that
are not alike stay apart, and the article joins the closest. With an event in other languages only
the language-independent features count, and only with two shared persons/organisations.
Pure: the memory is a value its caller keeps; Elasticsearch (the worker's desk) feeds it the rest.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

THRESHOLD = 0.2  # tuned on the dev half of the news-cluster set (pipeline/measure/events.py)
# two events an article links to are one (folded) when their centroids are this similar; dev-tuned (0.1 and
# 0.2 tried): folding whatever one article links, as before, let one bridging article merge two events
FOLD_THRESHOLD = 0.1
CROSS_LANGUAGE_THRESHOLD = 0.35  # entities only; needs MIN_SHARED_NAMES shared persons/organisations too
MIN_SHARED_NAMES = 2
MIN_SHARED_TERMS = 2  # words or names (not countries) an article shares with an event it may join
WINDOW_S = 14 * 86400.0  # dev-tuned: an event nobody wrote about for two weeks is over
LEAD_CHARS = 1_500  # the title and the lead say what happened; the rest is background
MAX_FEATURES = 48  # per article: the strongest features only (memory and Elasticsearch bounded)
MAX_CENTROID = 96  # per event
MAX_MEMBERS = 4  # per event: the most recent members, for single link (dev: 8 scores the same)
MAX_POSTINGS = 32  # per feature: the most recent events that carry it
MAX_CANDIDATES = 16  # per article: the events sharing most feature weight (dev: 64 scores the same)
TITLE_BOOST = 2.0
KIND_BOOST = {"w": 1.0, "p": 2.0, "o": 2.0, "l": 1.5, "c": 1.0}  # dev-tuned: names count double a word
NAME_KINDS = ("p", "o")
LANGUAGE_FREE = ("p", "o", "l", "c")
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)

Vector = dict[str, float]


@lru_cache(maxsize=16)
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop-word list for the language, else none (IDF does the rest). Read from its file, not
    imported: importing spaCy costs seconds and memory the worker's main process need not pay."""
    import importlib.util
    from pathlib import Path

    if not language.isalpha() or len(language) > 3:
        return frozenset()
    spec = importlib.util.find_spec("spacy")
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0]) / "lang" / language / "stop_words.py" if roots else None
    if path is None or not path.is_file():
        return frozenset()
    mod_spec = importlib.util.spec_from_file_location(f"_newswatch_stop_words_{language}", path)
    if mod_spec is None or mod_spec.loader is None:
        return frozenset()
    module = importlib.util.module_from_spec(mod_spec)
    try:
        mod_spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - a list that needs more than itself: do without
        return frozenset()
    return frozenset(w.casefold() for w in getattr(module, "STOP_WORDS", ()))


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())[:120]


def features(doc: Mapping[str, Any]) -> Vector:
    """The article's raw weighted term frequencies (no IDF yet): at most MAX_FEATURES, strongest first.
    `doc` is an enriched article's document (title, body, language, persons, organizations, ...)."""
    lang = (doc.get("language") or "en").split("-")[0].casefold()
    stops = stop_words(lang) | stop_words("en")
    tf: dict[str, float] = {}

    def words(text: str, boost: float) -> None:
        for w in _WORD.findall(text):
            w = w.casefold()
            if w not in stops:
                tf[f"w:{w}"] = tf.get(f"w:{w}", 0.0) + boost

    words(str(doc.get("title") or "")[:1_000], TITLE_BOOST)
    words(str(doc.get("body") or "")[:LEAD_CHARS], 1.0)
    out = {t: 1.0 + math.log(c) for t, c in tf.items()}  # sublinear: a word said ten times is not ten words
    counts = {_norm(str(e.get("name", ""))): int(e.get("count") or 1) for e in doc.get("entities") or []
              if isinstance(e, Mapping)}
    for kind, key in (("p", "persons"), ("o", "organizations"), ("l", "locations")):
        for name in (doc.get(key) or [])[:20]:
            n = _norm(str(name))
            if n:
                out[f"{kind}:{n}"] = KIND_BOOST[kind] * (1.0 + math.log(max(1, counts.get(n, 1))))
    focus = list(doc.get("focus_countries") or [])[:5]
    for code in list(doc.get("countries") or [])[:8]:
        out[f"c:{code}"] = KIND_BOOST["c"] * (1.0 if code in focus else 0.5)
    best = sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_FEATURES]
    return {t: round(v, 3) for t, v in best}


@dataclass
class DocFreq:
    """How many articles carried each feature, bounded: past `max_terms` the rarest half are forgotten
    (they were rare; forgetting them keeps them rare), so memory stays flat on an endless stream."""

    max_terms: int = 100_000
    docs: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    generation: int = 0  # changes when the cached IDF values are dropped (every 2% more documents)
    _cache: dict[str, float] = field(default_factory=dict, repr=False)
    _cache_docs: int = 0

    def add(self, terms: Iterable[str]) -> None:
        self.docs += 1
        for t in terms:
            self.counts[t] = self.counts.get(t, 0) + 1
        if len(self.counts) > self.max_terms:
            keep = sorted(self.counts.items(), key=lambda kv: -kv[1])[: self.max_terms // 2]
            self.counts = dict(keep)

    def idf(self, term: str) -> float:
        """Cached: IDF moves slowly, so it is recomputed once the stream has grown by 2%."""
        if self.docs > self._cache_docs * 1.02 + 1:
            self._cache, self._cache_docs, self.generation = {}, self.docs, self.generation + 1
        v = self._cache.get(term)
        if v is None:
            v = self._cache[term] = math.log((self.docs + 1) / (self.counts.get(term, 0) + 1)) + 1.0
        return v


def weigh(tf: Mapping[str, float], df: DocFreq) -> Vector:
    v = {t: w * df.idf(t) for t, w in tf.items()}
    n = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {t: x / n for t, x in v.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(x * b.get(t, 0.0) for t, x in a.items())
    na = math.sqrt(sum(x * x for x in a.values()))
    nb = math.sqrt(sum(x * x for x in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _norm_idf(tf: Mapping[str, float], df: DocFreq) -> float:
    return math.sqrt(sum((w * df.idf(t)) ** 2 for t, w in tf.items()))


def _cosine_raw(u: Mapping[str, float], tf: Mapping[str, float], norm: float) -> float:
    """cosine(v, weigh(tf)) for a unit vector v given as u = v x IDF, with weigh(tf)'s norm given: only
    the shared terms are read."""
    if not norm:
        return 0.0
    return sum(u[t] * tf[t] for t in u.keys() & tf.keys()) / norm


def language_free(v: Mapping[str, float]) -> Vector:
    return {t: x for t, x in v.items() if t[0] in LANGUAGE_FREE}


@dataclass
class Event:
    event_id: str
    last_seen: float
    languages: set[str] = field(default_factory=set)
    centroid: dict[str, float] = field(default_factory=dict)  # summed raw tf of the members, truncated
    members: list[tuple[str, Mapping[str, float]]] = field(default_factory=list)  # (article id, raw tf)
    version: int = 0
    _norms: tuple[int, int, list[float]] | None = field(default=None, repr=False)

    def norms(self, df: DocFreq) -> list[float]:
        """The IDF-weighted norms of the centroid and of each member, cached while neither changes."""
        era = df.docs.bit_length()  # IDF drifts slowly: the norms are redone when the stream has doubled
        if self._norms is None or self._norms[:2] != (self.version, era):
            self._norms = (self.version, era,
                           [_norm_idf(self.centroid, df), *(_norm_idf(m, df) for _, m in self.members)])
        return self._norms[2]

    def absorb(self, article_id: str, tf: Mapping[str, float], seen: float, language: str) -> None:
        for t, w in tf.items():
            self.centroid[t] = self.centroid.get(t, 0.0) + w
        if len(self.centroid) > MAX_CENTROID * 2:
            self.centroid = dict(sorted(self.centroid.items(), key=lambda kv: -kv[1])[:MAX_CENTROID])
        self.members = [*self.members, (article_id, tf)][-MAX_MEMBERS:]  # shared, never mutated
        self.last_seen = max(self.last_seen, seen)
        self.languages.add(language)
        self.version += 1


@dataclass(frozen=True)
class Remote:
    """An article another worker (or an earlier run) placed, read back from Elasticsearch."""

    article_id: str
    event_id: str
    tf: Mapping[str, float]
    seen: float
    language: str = "en"


@dataclass(frozen=True)
class Decision:
    event_id: str
    score: float  # the similarity that decided (0.0 for a founder)


@dataclass
class EventIndex:
    """The recent events, their features' postings and the IDF sketch; bounded by `max_events` and
    `window_s` (the oldest-seen events go first)."""

    threshold: float = THRESHOLD
    window_s: float = WINDOW_S
    max_events: int = 20_000
    max_articles: int = 200_000
    df: DocFreq = field(default_factory=DocFreq)
    events: OrderedDict[str, Event] = field(default_factory=OrderedDict)  # by last_seen, oldest first
    postings: dict[str, list[str]] = field(default_factory=dict)  # feature -> event ids, newest last
    articles: OrderedDict[str, str] = field(default_factory=OrderedDict)  # article id -> event id
    aliases: dict[str, str] = field(default_factory=dict)  # a folded event -> the event it joined

    def resolve(self, event_id: str) -> str:
        seen = set()
        while event_id in self.aliases and event_id not in seen:
            seen.add(event_id)
            event_id = self.aliases[event_id]
        return event_id

    def learn(self, remote: Iterable[Remote]) -> None:
        """Take in articles placed elsewhere, so this worker links to their events and names them alike."""
        for r in sorted(remote, key=lambda r: (r.seen, r.article_id)):
            if r.article_id in self.articles:
                continue
            self._place(r.article_id, self.resolve(r.event_id), r.tf, r.seen, r.language)

    def assign(self, article_id: str, tf: Mapping[str, float], seen: float, language: str = "en", *,
               known: str | None = None) -> Decision:
        """The event the article belongs to, remembered; the same article again gets the same answer.
        `known`: the event already recorded for it (Elasticsearch), which stands."""
        recorded = known or self.articles.get(article_id)
        if recorded is not None:
            if article_id not in self.articles:
                self._place(article_id, self.resolve(recorded), tf, seen, language, count=True)
            return Decision(self.resolve(recorded), 1.0)
        self.df.add(tf)
        linked = self._linked(tf, seen, language)
        if not linked:
            self._place(article_id, article_id, tf, seen, language)
            return Decision(article_id, 0.0)
        linked.sort(key=lambda es: es[0].event_id)
        keep = linked[0][0]
        kept = weigh(keep.centroid, self.df) if len(linked) > 1 else {}
        for other, _ in linked[1:]:
            # one happening founded twice (two workers, or two first articles of the same hour) is folded
            # into the smallest id; two events one article merely bridges ("Apple" in a store's falling ice
            # and in Telegram's removal) stay two, and the article joins the closer
            if cosine(kept, weigh(other.centroid, self.df)) >= FOLD_THRESHOLD:
                self._fold(other, keep)
        best = max(linked, key=lambda es: es[1])[0]  # the first of the best, in id order
        target = self.resolve(best.event_id)
        self._place(article_id, target, tf, seen, language)
        return Decision(target, max(s for _, s in linked))

    def _linked(self, tf: Mapping[str, float], seen: float, language: str) -> list[tuple[Event, float]]:
        shared: dict[str, float] = {}
        hits: dict[str, int] = {}
        for t, w in tf.items():
            ids = self.postings.get(t)
            if not ids:
                continue
            wi = w * self.df.idf(t)
            for eid in ids:
                shared[eid] = shared.get(eid, 0.0) + wi
                hits[eid] = hits.get(eid, 0) + 1
        # a candidate shares MIN_SHARED_TERMS words or names (countries are not posted: alone they link
        # every article about a country)
        top = sorted(((e, w) for e, w in shared.items() if hits[e] >= MIN_SHARED_TERMS),
                     key=lambda kv: -kv[1])[:MAX_CANDIDATES]
        v = weigh(tf, self.df)
        u = {t: x * self.df.idf(t) for t, x in v.items()}
        v_free = None
        out: list[tuple[Event, float]] = []
        for eid, _ in top:
            ev = self.events.get(self.resolve(eid))
            if ev is None or abs(seen - ev.last_seen) > self.window_s or any(e is ev for e, _ in out):
                continue
            if language in ev.languages:
                norms = ev.norms(self.df)
                s = max(_cosine_raw(u, vec, n)
                        for vec, n in zip([ev.centroid, *(m for _, m in ev.members)], norms, strict=True))
                if s >= self.threshold:
                    out.append((ev, s))
                continue
            # an event in other languages only: the language-free signals alone, if strong
            v_free = v_free if v_free is not None else language_free(v)
            names = {t for t in v_free if t[0] in NAME_KINDS}
            if len(names & {t for t in ev.centroid if t[0] in NAME_KINDS}) < MIN_SHARED_NAMES:
                continue
            s = cosine(v_free, language_free(weigh(ev.centroid, self.df)))
            if s >= CROSS_LANGUAGE_THRESHOLD:
                out.append((ev, s))
        return out

    def _place(self, article_id: str, event_id: str, tf: Mapping[str, float], seen: float, language: str,
               count: bool = False) -> None:
        if count:
            self.df.add(tf)
        ev = self.events.get(event_id)
        if ev is None:
            ev = Event(event_id, seen)
            self.events[event_id] = ev
        ev.absorb(article_id, tf, seen, language)
        self.events.move_to_end(event_id)
        for t in tf:
            if t[0] == "c":
                continue
            ids = self.postings.setdefault(t, [])
            if event_id in ids:
                ids.remove(event_id)
            ids.append(event_id)
            if len(ids) > MAX_POSTINGS:
                del ids[0]
        self.articles[article_id] = event_id
        self.articles.move_to_end(article_id)
        self._expire(seen)

    def _fold(self, other: Event, into: Event) -> None:
        if other is into:
            return
        for aid, tf in other.members:
            into.absorb(aid, tf, other.last_seen, next(iter(other.languages), "en"))
        into.languages |= other.languages
        self.aliases[other.event_id] = into.event_id
        self.events.pop(other.event_id, None)

    def _expire(self, now: float) -> None:
        while self.events:
            eid, ev = next(iter(self.events.items()))
            if len(self.events) <= self.max_events and now - ev.last_seen <= self.window_s:
                break
            del self.events[eid]
        while len(self.articles) > self.max_articles:
            self.articles.popitem(last=False)
        if len(self.aliases) > self.max_events:
            for k in list(self.aliases)[: len(self.aliases) - self.max_events]:
                del self.aliases[k]
        if len(self.postings) > self.df.max_terms:
            self.postings = {t: [e for e in ids if e in self.events] for t, ids in self.postings.items()}
            self.postings = {t: ids for t, ids in self.postings.items() if ids}

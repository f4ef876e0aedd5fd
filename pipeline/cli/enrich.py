"""`newswatch enrich`: offline enrichment, JSON lines in, JSON lines out, no Kafka or Elasticsearch."""

from __future__ import annotations

import sys

import typer

from pipeline.cli.common import console, print_json, settings


def register(app: typer.Typer) -> None:
    @app.command()
    def enrich(
        batch_size: int = typer.Option(64, "--batch-size", min=1, help="articles per NER batch"),
    ) -> None:
        """Raw articles (JSON lines) on stdin -> enriched articles (JSON lines) on stdout; rejects on stderr."""
        import json

        from pipeline.enrich import enrich_payloads
        from schemas import ValidationLimits

        from pipeline.enrich.stories import Sketch, StoryIndex

        s = settings()
        limits = ValidationLimits(s.max_article_bytes)
        stories = StoryIndex(window_s=s.story_window_days * 86400.0)  # near-duplicates within this input
        ok = bad = 0
        batch: list[tuple[int, str]] = []

        def flush() -> None:
            nonlocal ok, bad
            for (line_no, _), o in zip(batch, enrich_payloads([b for _, b in batch], limits), strict=True):
                if o.article is not None:
                    a = o.article
                    story = stories.assign(a.id, Sketch.decode(a.story_sketch) if a.story_sketch else None)
                    a = a.model_copy(update={"story_id": story.story_id, "duplicate_of": story.duplicate_of})
                    print_json(json.loads(a.model_dump_json(by_alias=True)))
                    ok += 1
                else:
                    console.print(f"[red]rejected[/red] line {line_no}: {o.error}")
                    bad += 1
            batch.clear()

        for n, line in enumerate(sys.stdin, 1):
            if line.strip():
                batch.append((n, line))
            if len(batch) >= batch_size:
                flush()
        flush()
        console.print(f"enriched {ok}, rejected {bad}")
        if bad and not ok:
            raise typer.Exit(1)

"""`newswatch bench enrich [FILE]`: throughput figures a closing note can quote."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import console, out, print_json
from pipeline.settings import REPO_ROOT

app = typer.Typer(no_args_is_help=True, help="Benchmarks (numbers for notes come from here, not from tests).")
DEV_SET = REPO_ROOT.parent / "shared" / "eval" / "geovirus.jsonl"


@app.command("enrich")
def enrich(
    path: Path = typer.Argument(None, help="articles (.jsonl, .json, .txt or a folder); default: the dev set"),
    limit: int = typer.Option(0, "--limit", help="use only the first N articles"),
    repeat: int = typer.Option(1, "--repeat", min=1),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Articles per second: full enrichment vs the spaCy NER-only ceiling, one process, same texts."""
    from pipeline.bench import bench_enrich, load_payloads

    src = path or (DEV_SET if DEV_SET.exists() else REPO_ROOT / "seeds")
    payloads = load_payloads(src, limit or None)
    if not payloads:
        console.print(f"[red]no articles in {src}[/red]")
        raise typer.Exit(1)
    console.print(f"benchmarking enrichment on {len(payloads)} article(s) from {src} ...")
    b = bench_enrich(payloads, repeat=repeat)
    if json_:
        print_json(b.as_dict() | {"source": str(src)})
        return
    out.print(f"articles: {b.articles}  words: {b.words}")
    out.print(f"spaCy NER only (ceiling): {b.ner_only_aps:8.1f} articles/s  ({b.words / b.ner_only_s:,.0f} words/s)")
    out.print(f"full enrichment:          {b.full_aps:8.1f} articles/s  ({b.words / b.full_s:,.0f} words/s)")
    out.print(f"full / ceiling:           {b.full_aps / b.ner_only_aps:8.1%}   (one process; the worker runs one per core)")

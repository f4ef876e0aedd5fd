"""`newswatch eval FILE.jsonl`: enrichment quality against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline.cli.common import console, out, print_json


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_(
        path: Path = typer.Argument(..., help="JSON lines with gold_countries (and gold_toponyms)"),
        json_: bool = typer.Option(False, "--json"),
        examples: int = typer.Option(3, "--examples", help="error examples to print per class"),
    ) -> None:
        """Country precision / recall / F1, focus-country scores, toponym recall and accuracy, articles/s."""
        from pipeline.measure.evaluate import evaluate

        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        console.print(f"evaluating {len(records)} article(s) from {path} ...")
        r = evaluate(records).as_dict()
        if json_:
            print_json(r)
            return
        out.print(f"articles: {r['articles']}   enrichment: {r['articles_per_second']} articles/s (one process)")
        out.print(f"{'':30}{'precision':>10}{'recall':>10}{'F1':>10}")
        for name in ("countries", "focus_countries", "baseline_every_gpe_countries", "baseline_every_gpe_focus"):
            m = r[name]
            out.print(f"{name:30}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}")
        if len(r["languages"]) > 1 or any(lang != "en" for lang in r["languages"]):
            out.print(f"{'language':10}{'articles':>10}{'detected':>10}{'countries P':>13}{'R':>7}")
            for lang, ls in r["languages"].items():
                c = ls["countries"]
                out.print(f"{lang:10}{ls['articles']:>10}{ls['language_accuracy']:>10.3f}{c['precision']:>13.3f}"
                          f"{c['recall']:>7.3f}")
        st = r.get("stories")
        if st:
            out.print(f"stories: {st['stories']} generated with {st['articles']} articles (1-8 rewrites each): pairwise "
                      f"precision {st['pairwise_precision']:.3f}, recall {st['pairwise_recall']:.3f}, "
                      f"{st['ms_per_article']:.2f} ms per article ({st['share_of_enrichment']:.1%} of enrichment)")
        t = r["toponyms"]
        if t["gold"]:
            out.print(f"toponyms: {t['gold']} gold, found {t['found']:.3f}, country right {t['country_accuracy']:.3f}")
        for kind, n in r["errors"].items():
            out.print(f"[bold]{kind}[/bold]: {n}")
            for ex in r["examples"].get(kind, [])[:examples]:
                out.print(f"   {ex}")

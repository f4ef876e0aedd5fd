"""`newswatch eval FILE.jsonl`: enrichment quality against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline.cli.common import console, out, print_json


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_(
        path: Path = typer.Argument(..., help="JSON lines with gold_countries (and gold_toponyms), or gold_places"),
        json_: bool = typer.Option(False, "--json"),
        examples: int = typer.Option(3, "--examples", help="error examples to print per class"),
    ) -> None:
        """Country precision / recall / F1, focus-country scores, toponym recall and accuracy, articles/s."""
        from pipeline.measure.evaluate import evaluate

        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        console.print(f"evaluating {len(records)} article(s) from {path} ...")
        if records and all("gold_event" in r for r in records):  # an event clustering set
            _events(records, json_)
            return
        r = evaluate(records, max_examples=max(5, examples)).as_dict()
        if json_:
            print_json(r)
            return
        out.print(f"articles: {r['articles']}   enrichment: {r['articles_per_second']} articles/s (one process)")
        out.print(f"{'':30}{'precision':>10}{'recall':>10}{'F1':>10}")
        scored = [n for n in ("countries", "focus_countries", "baseline_every_gpe_countries", "baseline_every_gpe_focus",
                              "places") if sum(r[n][k] for k in ("tp", "fp", "fn"))]
        for name in scored:
            m = r[name]
            out.print(f"{name:30}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}")
        if len(r["languages"]) > 1 or any(lang != "en" for lang in r["languages"]):
            parts = [n for n in ("countries", "places") if n in scored]
            out.print(f"{'language':10}{'articles':>10}{'detected':>10}"
                      + "".join(f"{n + ' P':>13}{'R':>7}" for n in parts))
            for lang, ls in r["languages"].items():
                out.print(f"{lang:10}{ls['articles']:>10}{ls['language_accuracy']:>10.3f}"
                          + "".join(f"{ls[n]['precision']:>13.3f}{ls[n]['recall']:>7.3f}" for n in parts))
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


def _events(records: list[dict], json_: bool) -> None:
    """Event clustering: BCubed and pairwise P/R/F1 per split (dev: tuned on; test: held out)."""
    from pipeline.measure.events import evaluate_events

    r = evaluate_events(records)
    if json_:
        print_json(r)
        return
    out.print(f"events (threshold {r['threshold']}): {r['ms_per_article']:.2f} ms per article, "
              f"{r['share_of_enrichment']:.1%} of enrichment ({r['enrichment_ms_per_article']:.1f} ms)")
    out.print(f"{'split':6}{'clustering':26}{'articles':>9}{'gold':>6}{'pred':>6}{'B3 P':>8}{'B3 R':>7}{'B3 F1':>7}"
              f"{'pair P':>8}{'pair R':>7}{'pair F1':>8}")
    for split, parts in r["splits"].items():
        for name, m in parts.items():
            out.print(f"{split:6}{name:26}{m['articles']:>9}{m['gold_events']:>6}{m['predicted_events']:>6}"
                      f"{m['bcubed_precision']:>8.3f}{m['bcubed_recall']:>7.3f}{m['bcubed_f1']:>7.3f}"
                      f"{m['pairwise_precision']:>8.3f}{m['pairwise_recall']:>7.3f}{m['pairwise_f1']:>8.3f}")

"""The extraction benchmark's metric and gold conventions (pipeline/measure/extract_eval.py)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.measure.extract_eval import (
    aggregate,
    clean_gold,
    iter_sets,
    load_pages,
    load_snippet_corpus,
    page_score,
    shingles,
    snippet_counts,
    snippet_scores,
)


def test_shingles_are_4_token_windows_and_a_short_text_is_one() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("only two") == {("only", "two"): 1} and shingles("") == {}


def test_page_scores_are_normalised_and_precision_recall_as_the_benchmark_defines() -> None:
    gold = "one two three four five six seven eight"
    assert page_score(gold, gold) == (1.0, 0.0, 0.0)
    tp, fp, fn = page_score(gold, "one two three four five nav nav nav")
    assert abs(tp + fp + fn - 1) < 1e-9 and tp > 0 and fp > 0 and fn > 0
    s = aggregate([page_score(gold, gold), page_score(gold, "")])
    assert s.precision == 1.0 and s.recall == 0.5 and abs(s.f1 - 2 / 3) < 1e-9  # an empty prediction: recall only


def test_gold_conventions(tmp_path: Path) -> None:
    assert clean_gold("Body text\n!@#$%^&*()  COMMENTS\nspam") == "Body text\n"
    assert clean_gold("URL: http://x/\n<p>First\n<h>Head").split() == ["First", "Head"]
    assert clean_gold("<div><p>Hello <b>world</b></p></div>").split() == ["Hello", "world"]
    (tmp_path / "input").mkdir()
    (tmp_path / "GoldStandard").mkdir()
    (tmp_path / "input" / "bbc.co.uk_news_01.html").write_text("<p>x</p>")
    (tmp_path / "GoldStandard" / "bbc.co.uk_news_01.txt").write_text("x")
    (tmp_path / "input" / "orphan.html").write_text("<p>y</p>")
    assert [p.name for p in load_pages(tmp_path)] == ["bbc.co.uk_news_01"]


def test_l3s_gold_is_the_full_text_spans_only() -> None:
    annotated = ('<html><body><span class="x-nc-sel1">Headline</span><div><span class="x-nc-sel2">First part'
                 '<span class="x-nc-sel2"> nested</span></span> <span class="x-nc-sel3">caption</span>'
                 '<span class="x-nc-sel2">second part</span></div><span class="x-nc-sel5">comment</span></body></html>')
    assert clean_gold(annotated).split() == ["First", "part", "nested", "second", "part"]


def test_a_snippet_corpus_is_scored_by_its_lines_as_trafilatura_scores_it(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "eval").mkdir()
    (tmp_path / "cache" / "a.html").write_text("<p>a</p>")
    (tmp_path / "eval" / "b.html").write_text("<p>b</p>")
    (tmp_path / "evaldata.json").write_text(json.dumps({
        "https://news.example/a": {"file": "a.html", "with": ["First  line", "last line"], "without": ["Menu"]},
        "hard::b.html": {"file": "b.html", "with": ["x"], "without": ["y"]},
        "https://news.example/gone": {"file": "gone.html", "with": ["x"], "without": ["y"]},
    }))
    pages = sorted(load_snippet_corpus(tmp_path), key=lambda p: p.name)
    assert [(p.name, p.url) for p in pages] == [("a.html", "https://news.example/a"), ("b.html", "http://localhost/")]
    assert [p.name for p in load_snippet_corpus(tmp_path, ["b.html"])] == ["b.html"]
    a = pages[0]
    assert snippet_counts(a, "First\nline and the last line") == (2, 0, 0)  # whitespace does not count
    assert snippet_counts(a, "First line. Menu") == (1, 1, 1)
    s = snippet_scores([(2, 0, 0), (1, 1, 1)])
    assert s.precision == 0.75 and s.recall == 0.75 and s.pages == 2
    [(label, loaded)] = list(iter_sets(tmp_path.parent, [tmp_path.name]))
    assert label.endswith("(snippets)") and len(loaded) == 2

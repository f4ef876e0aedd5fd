from __future__ import annotations

import json
from pathlib import Path

from producers.files import expand, read


def test_txt_title_is_first_non_empty_line(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("\n\n  Headline here \nBody line.\n")
    [rec] = list(read(f))
    assert rec.payload is not None
    assert rec.payload["title"] == "Headline here"
    assert rec.payload["body"].startswith("\n\n  Headline here")


def test_jsonl_bad_line_is_reported_and_others_kept(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"title": "a", "body": "b"}) + "\n{broken\n\n" + json.dumps({"title": "c", "body": "d"}) + "\n")
    recs = list(read(f, source="src"))
    assert [r.error is None for r in recs] == [True, False, True]
    assert recs[1].origin.endswith("a.jsonl:2") and "not JSON" in (recs[1].error or "")
    assert recs[1].raw == "{broken"
    assert recs[0].payload and recs[0].payload["source"] == "src"


def test_json_list_and_object(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "l.json").write_text(json.dumps([{"title": "a", "body": "b"}, 3]))
    (tmp_path / "d" / "o.json").write_text(json.dumps({"title": "x", "body": "y", "source": "keep"}))
    (tmp_path / "d" / "skip.bin").write_text("nope")
    targets = expand([str(tmp_path / "d")])
    assert [Path(t).name for t in targets] == ["l.json", "o.json"]
    recs = [r for t in targets for r in read(t, source="src")]
    assert [r.error is None for r in recs] == [True, False, True]
    assert recs[2].payload and recs[2].payload["source"] == "keep"

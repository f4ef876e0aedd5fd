"""Hostile records cost exactly themselves: bounded parsing, and batches whose good records survive."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from pathlib import Path

import pytest

from pipeline.enrich import enrich_payloads
from pipeline.enrich.places import Spans
from producers.files import read
from schemas import DeadLetter, RawArticle, ValidationLimits
from schemas.untrusted import UntrustedJSONError, loads

GOOD = {"title": "Floods in Kenya", "body": "NAIROBI - Heavy rain flooded parts of Nairobi on Monday."}
DEEP = b"[" * 100_000 + b"]" * 100_000
POISON = {
    "deep nesting": (DEEP, "nested more than"),
    "deep nesting in a field": (b'{"title": "t", "body": "b", "x": ' + DEEP + b"}", "nested more than"),
    "5,000-digit number": (b'{"title": "t", "body": "b", "n": ' + b"9" * 5000 + b"}", "more than 64 digits"),
    "invalid UTF-8": (b'{"title": "t\xff", "body": "b"}', "not UTF-8"),
    "not JSON": (b'{"title": "t", "body": ', "not JSON"),
    "a list": (b"[1, 2]", "expected a JSON object"),
    "huge record": (b'{"title": "t", "body": "' + b"x" * 300_000 + b'"}', "over the limit"),
}


@pytest.mark.parametrize("name", sorted(POISON))
def test_each_poison_record_is_a_clear_value_error(name: str) -> None:
    data, reason = POISON[name]
    with pytest.raises(ValueError, match=reason):
        RawArticle.from_payload(data, ValidationLimits(max_article_bytes=100_000))


def test_limits_look_at_structure_not_at_string_content() -> None:
    text = json.dumps({"title": "[[[[{{{{" * 50, "body": "1" * 10_000, "note": "]]]]"})
    obj = loads(text, max_bytes=None)
    assert obj["title"].startswith("[[[[") and len(obj["body"]) == 10_000
    assert loads('\ufeff{"a": [1, {"b": 2}]}', max_bytes=100) == {"a": [1, {"b": 2}]}  # a BOM is no error
    with pytest.raises(UntrustedJSONError, match="nested more than 3"):
        loads('{"a": [[{"b": 1}]]}', max_bytes=None, max_depth=3)


def test_poison_between_good_articles_costs_only_itself() -> None:
    good = [json.dumps({**GOOD, "url": f"https://example.org/{i}"}).encode() for i in range(3)]
    batch = [good[0], POISON["deep nesting"][0], good[1], POISON["5,000-digit number"][0],
             POISON["invalid UTF-8"][0], good[2]]
    outcomes = enrich_payloads(batch, ValidationLimits())
    assert [o.article is not None for o in outcomes] == [True, False, True, False, False, True]
    assert all("KE" in o.article.countries for o in outcomes if o.article)
    assert "nested" in (outcomes[1].error or "") and "digits" in (outcomes[3].error or "")
    assert "UTF-8" in (outcomes[4].error or "")


def test_a_bad_line_costs_that_line_only(tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"title": "\xff\xfe", "body": "b"}\n' + DEEP + b"\n"
                  + json.dumps(GOOD).encode() + b"\n")
    recs = list(read(f))
    assert [r.error is None for r in recs] == [True, False, False, True]
    assert "UTF-8" in (recs[1].error or "") and recs[1].raw.startswith('{"title": "')
    assert "nested" in (recs[2].error or "")


def test_a_hostile_json_file_is_one_rejection(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_bytes(DEEP)
    (tmp_path / "big-number.json").write_bytes(b'{"title": "t", "body": "b", "n": ' + b"1" * 5000 + b"}")
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    [deep] = read(tmp_path / "deep.json")
    [number] = read(tmp_path / "big-number.json")
    [bom] = read(tmp_path / "bom.json")
    assert "nested" in (deep.error or "") and "digits" in (number.error or "")
    assert bom.error is None and bom.payload == GOOD


def test_stdin_with_invalid_utf8_keeps_the_other_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.dumps(GOOD).encode() + b"\n\xc3\x28 not utf-8\n" + json.dumps(GOOD).encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    recs = list(read("-"))
    assert [r.error is None for r in recs] == [True, False, True]
    assert recs[1].origin == "<stdin>:2"


def test_a_file_name_that_is_not_utf8_is_still_a_printable_origin(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("Title\nBody text.", encoding="utf-8")
    [rec] = read(tmp_path / name)
    assert rec.error is None
    assert rec.origin.endswith("caf\\xe9.txt") and rec.origin.encode("utf-8")


def test_spans_answer_overlap_questions() -> None:
    spans = Spans([(10, 20), (0, 3), (30, 100), (40, 45)])
    assert spans.overlaps(2, 5) and spans.overlaps(19, 25) and spans.overlaps(50, 51) and spans.contains(44)
    assert not spans.overlaps(3, 10) and not spans.overlaps(20, 30) and not spans.contains(25)
    assert not Spans([]).overlaps(0, 10)


def test_a_dead_letter_too_big_for_kafka_keeps_an_excerpt_its_size_and_hash() -> None:
    small = DeadLetter(stage="produce", reason="r", payload="short")
    assert small.fit(10_000) is small and not small.truncated
    for payload in ("x" * 3_000_000, "\x00" * 1_000_000, "\u4e2d" * 500_000):
        dl = DeadLetter(stage="produce", reason="too big", payload=payload).fit(100_000)
        assert dl.truncated and payload.startswith(dl.payload) and len(dl.payload) > 1_000
        assert len(dl.model_dump_json().encode()) <= 100_000
        assert dl.payload_bytes == len(payload.encode()) and dl.payload_sha256 == hashlib.sha256(payload.encode()).hexdigest()


def test_terminal_output_cannot_be_driven_by_a_title() -> None:
    from pipeline.cli.common import safe

    title = "Evil \x1b]0;owned\x07 \x1b[2J\x9b31m \u202egnp.exe [bold]markup[/bold]\tok\nnext"
    shown = safe(title)
    assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e")
    assert "\\[bold]" in shown and "\tok\nnext" in shown


def test_a_body_with_no_text_is_refused() -> None:
    for body in ("\u200b\u200b\u200b", "\u200d \ufeff \u2060", "... --- !!!"):
        with pytest.raises(ValueError, match="body has no text"):
            RawArticle.from_payload({"title": "t", "body": body})
    assert RawArticle.from_payload({"title": "t", "body": "\u200b北京\u200b"}).body


def test_files_from_windows_tools_and_files_too_big_to_be_a_record(tmp_path: Path) -> None:
    limits = ValidationLimits(max_article_bytes=10_000)
    (tmp_path / "utf16.json").write_bytes(json.dumps(GOOD, ensure_ascii=False).encode("utf-16"))
    (tmp_path / "utf16be.txt").write_bytes(b"\xfe\xff" + "Floods in Kenya\nNairobi".encode("utf-16-be"))
    (tmp_path / "big.txt").write_bytes(b"word " * 20_000)
    [utf16] = read(tmp_path / "utf16.json", limits=limits)
    [be] = read(tmp_path / "utf16be.txt", limits=limits)
    [big] = read(tmp_path / "big.txt", limits=limits)
    assert utf16.error is None and utf16.payload == GOOD
    assert be.error is None and be.payload and be.payload["title"] == "Floods in Kenya"
    assert "over the limit" in (big.error or "") and "100000 bytes" in (big.error or "") and len(big.raw) <= 4096


def test_a_huge_line_costs_that_line_and_is_never_held_whole(tmp_path: Path) -> None:
    limits = ValidationLimits(max_article_bytes=10_000)
    f = tmp_path / "huge-line.jsonl"
    f.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"title": "' + b"x" * 5_000_000 + b'"}\n'
                  + json.dumps(GOOD).encode() + b"\n")
    recs = list(read(f, limits=limits))
    assert [r.error is None for r in recs] == [True, False, True]
    assert "over the limit" in (recs[1].error or "")


def test_an_unreadable_file_is_named_not_replaced_by_an_empty_object(tmp_path: Path) -> None:
    from producers.publisher import ArticlePublisher
    from pipeline.settings import Settings

    [rec] = read(tmp_path / "missing.json")
    assert (rec.error or "").startswith("cannot read") and rec.raw == "" and rec.payload is None

    class Producer:
        def __init__(self) -> None:
            self.sent: list[tuple[str, object]] = []

        def send(self, topic: str, key: object = None, value: object = None) -> None:
            self.sent.append((topic, value))

    producer = Producer()
    ArticlePublisher(Settings(), producer).send(rec)
    [(topic, letter)] = producer.sent
    assert topic == "articles.dlq" and letter["payload"] == "" and "missing.json" in letter["source"]  # type: ignore[index]

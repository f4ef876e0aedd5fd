"""A wire story republished by many sites is read by the NER model once; every copy gets the same
mentions, at its own offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import pytest

from pipeline.enrich import ner


@dataclass
class _Ent:
    text: str
    label_: str
    start_char: int
    end_char: int


class _Doc:
    def __init__(self, text: str) -> None:
        self.ents = [_Ent(w, "GPE", m.start(), m.end()) for w in ("Kharkiv", "Tokyo") for m in re.finditer(w, text)]


class _Model:
    def __init__(self) -> None:
        self.read: list[str] = []

    def pipe(self, texts: Iterable[str], batch_size: int = 16) -> Iterator[_Doc]:
        for t in texts:
            self.read.append(t)
            yield _Doc(t)


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch) -> _Model:
    m = _Model()
    monkeypatch.setattr(ner, "model", lambda lang="en": m)
    monkeypatch.setattr(ner, "MEMO", ner._Memo(size=4))
    return m


def _spans(found: list[ner.Mention]) -> list[tuple[str, int, int]]:
    return [(m.text, m.start, m.end) for m in found]


def test_copies_are_read_once_and_get_the_same_mentions(fake_model: _Model) -> None:
    story = "Shelling hit Kharkiv overnight, officials in Tokyo said."
    first = list(ner.mentions([story, story, "Nothing here."]))
    again = list(ner.mentions([story]))
    assert fake_model.read == [story, "Nothing here."]  # the copy in the batch and the later one: not read
    assert _spans(first[0]) == _spans(first[1]) == _spans(again[0]) == [("Kharkiv", 13, 20), ("Tokyo", 45, 50)]
    assert first[2] == []


def test_pieces_of_a_long_text_keep_their_own_offsets(fake_model: _Model, monkeypatch: pytest.MonkeyPatch) -> None:
    cut = ner.segments
    monkeypatch.setattr(ner, "segments", lambda text: cut(text, 40))
    para = "Kharkiv was quiet.\n\n"  # 20 characters: two to a piece
    text = para * 4
    [found] = list(ner.mentions([text]))
    assert [m.start for m in found] == [0, 20, 40, 60] and all(text[m.start:m.end] == "Kharkiv" for m in found)
    assert fake_model.read == [para * 2]  # both pieces are the same text: read once


def test_the_memo_is_bounded_and_forgets_the_least_recent(fake_model: _Model) -> None:
    texts = [f"Story {i} from Kharkiv." for i in range(6)]
    list(ner.mentions(texts))
    assert len(ner.MEMO._found) == 4
    fake_model.read.clear()
    list(ner.mentions([texts[0], texts[5]]))
    assert fake_model.read == [texts[0]]  # the oldest was forgotten, the newest remembered


def test_another_model_reads_its_own_copy(fake_model: _Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ner.OTHER_MODELS, "xx", ("none", {"GPE": "GPE"}))
    story: Any = "Kharkiv again."
    list(ner.mentions([story]))
    list(ner.mentions([story], lang="xx"))
    assert fake_model.read == [story, story]


def test_copies_under_their_own_headlines_share_the_body(fake_model: _Model) -> None:
    from pipeline.enrich.text import compose
    from schemas import RawArticle

    body = "Shelling hit Kharkiv overnight.\n\nOfficials in Tokyo condemned it."
    composed = [compose(RawArticle(title=t, body=body, source="wire")) for t in ("Kharkiv shelled", "Tokyo condemns")]
    found = list(ner.mentions([c[0] for c in composed], heads=[c[1] for c in composed]))
    assert fake_model.read == ["Kharkiv shelled.\n\n", body, "Tokyo condemns.\n\n"]  # the body once
    for (text, _), got in zip(composed, found, strict=True):
        assert [text[m.start:m.end] for m in got] == [m.text for m in got]  # offsets into each whole text
    assert [m.text for m in found[0]] == ["Kharkiv", "Kharkiv", "Tokyo"]
    assert [m.text for m in found[1]] == ["Tokyo", "Kharkiv", "Tokyo"]


def test_a_title_with_no_break_after_it_is_not_split() -> None:
    assert ner.split_head("Title runs on into the body", 5) == [(0, "Title runs on into the body")]
    assert ner.split_head("Title.\n\n", 5) == [(0, "Title.\n\n")]  # nothing after it
    assert ner.split_head("Body only", 0) == [(0, "Body only")]


@pytest.fixture()
def roomy_memo(fake_model: _Model, monkeypatch: pytest.MonkeyPatch) -> _Model:
    monkeypatch.setattr(ner, "MEMO", ner._Memo(size=1024))
    return fake_model


def test_a_rewrite_of_read_sentences_is_assembled_without_the_model(roomy_memo: _Model) -> None:
    wire = ("Shelling hit Kharkiv overnight.\n\nOfficials in Tokyo condemned it.\n\n"
            "Aid arrived in Kharkiv by noon.\n\nMarkets in Tokyo fell.")
    boiler = "Follow us for more."
    list(ner.mentions([wire, f"{boiler} Shelling hit Kharkiv overnight."]))
    roomy_memo.read.clear()
    # another outlet: its own boilerplate first, one paragraph trimmed, the rest run together on one line
    copy = f"{boiler} Shelling hit Kharkiv overnight. Officials in Tokyo condemned it. Markets in Tokyo fell."
    [found] = list(ner.mentions([copy]))
    assert roomy_memo.read == []
    assert [(m.text, copy[m.start:m.end]) for m in found] == [("Kharkiv", "Kharkiv"), ("Tokyo", "Tokyo"), ("Tokyo", "Tokyo")]


def test_a_copy_with_one_new_sentence_is_read_whole(roomy_memo: _Model) -> None:
    wire = "Shelling hit Kharkiv overnight. Officials in Tokyo condemned it."
    list(ner.mentions([wire]))
    copy = "Shelling hit Kharkiv overnight. A new line from Tokyo. Officials in Tokyo condemned it."
    [found] = list(ner.mentions([copy]))
    assert roomy_memo.read == [wire, copy]  # nothing assembled from a partial match: the model's own answer
    assert [m.start for m in found] == [m.start() for m in re.finditer("Kharkiv|Tokyo", copy)]


def test_a_mention_across_a_sentence_break_keeps_its_sentences_together(roomy_memo: _Model,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    class _SpanningDoc:
        def __init__(self, text: str) -> None:
            self.ents = [_Ent(m.group(), "GPE", m.start(), m.end()) for m in re.finditer(r"St\. Louis|Tokyo", text)]

    class _SpanningModel:
        def pipe(self, texts: Iterable[str], batch_size: int = 16) -> Iterator[_SpanningDoc]:
            for t in texts:
                roomy_memo.read.append(t)
                yield _SpanningDoc(t)

    monkeypatch.setattr(ner, "model", lambda lang="en": _SpanningModel())
    wire = "Floods hit St. Louis today. Tokyo sent help."
    list(ner.mentions([wire]))
    roomy_memo.read.clear()
    copy = "Tokyo sent help. Floods hit St. Louis today."
    [found] = list(ner.mentions([copy]))
    assert roomy_memo.read == []
    assert sorted(copy[m.start:m.end] for m in found) == ["St. Louis", "Tokyo"]


def test_a_piece_of_too_many_sentences_is_kept_whole_only(roomy_memo: _Model) -> None:
    many = "Kharkiv. " * (ner.MAX_PIECE_SENTENCES + 1)
    list(ner.mentions([many]))
    assert len(ner.MEMO._found) == 1  # the piece itself: no sentence entries for a hostile run of fragments
    assert ner.MEMO.assemble("en", many, ner._sentences(many)) is None
    enough = "Kharkiv. " * ner.MAX_PIECE_SENTENCES
    list(ner.mentions([enough]))
    assert len(ner.MEMO._found) == 3  # and this piece, and its one distinct sentence


def test_long_runs_without_white_space_reach_the_model_broken_at_their_punctuation(fake_model: _Model) -> None:
    """spaCy's tokenizer is quadratic in a run's affixes: the model gets the run cut at its punctuation past
    MAX_RUN characters, at the same length, and the mentions keep the original text and offsets."""
    run = "(" * 3_000 + "Kharkiv" + ")" * 3_000  # one piece (ner.SEGMENT_CHARS)
    text = "Officials in Tokyo said. " + run + " " + "x" * 200 + " https://example.org/kharkiv/" + "a-b/" * 20
    [found] = list(ner.mentions([text]))
    [read] = fake_model.read
    assert len(read) == len(text)
    assert max(len(w) for w in read.split()) <= 200  # only letters and digits run on past MAX_RUN
    assert "x" * 200 in read and "Officials in Tokyo said." in read  # words and ordinary text untouched
    assert sorted(_spans(found), key=lambda m: m[1]) == [("Tokyo", 13, 18), ("Kharkiv", 25 + 3_000, 25 + 3_007)]
    assert all(text[m.start:m.end] == m.text for m in found)
    assert ner.tamed("Officials in Tokyo said.") == "Officials in Tokyo said."
    assert ner.tamed("x" * 64 + "'s" * 3) == "x" * 64 + " s s s"


def test_a_run_of_ten_thousand_affixes_costs_the_real_model_little() -> None:
    """Before the runs were broken, each of these cost the English model's tokenizer 13-17 s of CPU."""
    import time

    ner.model()  # loaded outside the measured time
    for run in ("(" * 5_000 + "Nairobi" + ")" * 5_000, "🔥" * 10_000, "x" + "'s" * 5_000, "_" * 10_000):
        ner.MEMO.clear()
        started = time.process_time()
        list(ner.mentions([f"Officials in Nairobi said. {run}"]))
        assert time.process_time() - started < 3.0, run[:20]

"""`newswatch kibana import` against a local stand-in for Kibana's import API (tests/support/fake_kibana.py):
the request Kibana's documentation requires, importing twice overwrites, and partial failures are shown."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deploy.kibana import saved_objects as so
from pipeline.cli import app
from tests.support.fake_kibana import FakeKibana
from tests.support.kibana import parse_lines

pytestmark = pytest.mark.integration
SECRET = "c2VjcmV0LWFwaS1rZXk="


@pytest.fixture()
def kibana(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKibana]:
    monkeypatch.setenv("NEWSWATCH_KIBANA_API_KEY", SECRET)
    k = FakeKibana(authorization=f"ApiKey {SECRET}")
    yield k
    k.close()


def _import(url: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["kibana", "import", "--url", url, *args])
    return res.exit_code, res.output


def test_the_request_is_what_kibana_requires(kibana: FakeKibana) -> None:
    code, output = _import(kibana.url)
    assert code == 0, output
    [req] = kibana.requests
    assert req["method"] == "POST" and req["path"] == "/api/saved_objects/_import"
    assert req["query"] == {"overwrite": ["true"]}
    assert req["headers"]["kbn-xsrf"] and req["headers"]["authorization"] == f"ApiKey {SECRET}"
    assert req["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    # the file part: named file, an .ndjson file name, the generated objects line by line
    assert b'name="file"; filename="newswatch.ndjson"' in req["body"]
    assert len(kibana.store) == len(so.build())
    assert SECRET not in output


def test_importing_twice_overwrites_instead_of_duplicating(kibana: FakeKibana) -> None:
    code, first = _import(kibana.url, "--json")
    assert code == 0, first
    code, second = _import(kibana.url, "--json")
    assert code == 0, second
    one, two = json.loads(first), json.loads(second)
    n = len(so.build())
    assert (len(one["created"]), len(one["overwritten"])) == (n, 0)
    assert (len(two["created"]), len(two["overwritten"])) == (0, n)
    assert len(kibana.store) == n
    assert {o["title"] for o in two["overwritten"]} >= {"News monitor", "Article places", "Latest articles"}


def test_a_partial_failure_says_what_was_refused_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_KIBANA_USERNAME", "analyst")
    monkeypatch.setenv("NEWSWATCH_KIBANA_PASSWORD", "pw-not-shown")
    basic = "Basic " + base64.b64encode(b"analyst:pw-not-shown").decode()
    k = FakeKibana(authorization=basic, unsupported=frozenset({"map"}))  # a Kibana without the Maps app
    try:
        code, output = _import(k.url)
        assert code == 1
        assert "refused  map newswatch-map-places: this Kibana has no saved-object type 'map'" in output
        assert "refused  dashboard newswatch-news-monitor: missing references: map/newswatch-map-places" in output
        assert f"{len(so.build()) - 2} created, 0 overwritten, 2 refused" in output
        assert "pw-not-shown" not in output
        code, output = _import(k.url, "--json")
        result = json.loads(output)
        assert code == 1 and not result["success"]
        assert {(r["type"], r["id"]) for r in result["refused"]} == {("map", "newswatch-map-places"),
                                                                     ("dashboard", "newswatch-news-monitor")}
    finally:
        k.close()


def test_refusals_of_the_whole_request_are_one_line(kibana: FakeKibana, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSWATCH_KIBANA_API_KEY", "wrong-key")
    code, output = _import(kibana.url)
    assert code == 1 and "Kibana refused the import (HTTP 401): Unauthorized" in output and "wrong-key" not in output
    bad = tmp_path / "objects.json"
    bad.write_text("{}\n")
    code, output = _import(kibana.url, "--file", str(bad))
    assert code == 2 and "only .ndjson" in output
    assert len(kibana.requests) == 1  # the wrong file was never sent
    kibana.close()
    code, output = _import(kibana.url)
    assert code == 1 and "is not reachable" in output


def test_a_file_is_sent_as_it_is(kibana: FakeKibana, tmp_path: Path) -> None:
    f = tmp_path / "mine.ndjson"
    f.write_text(so.NDJSON.read_text(encoding="utf-8"), encoding="utf-8")
    code, output = _import(kibana.url, "--file", str(f))
    assert code == 0, output
    assert b'filename="mine.ndjson"' in kibana.requests[0]["body"]
    assert [kibana.store[(o["type"], o["id"])] for o in parse_lines(f.read_text())] == parse_lines(f.read_text())


def test_export_writes_the_file_and_rules_need_the_flag(tmp_path: Path) -> None:
    out = tmp_path / "objects.ndjson"
    res = CliRunner().invoke(app, ["kibana", "export", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == so.to_ndjson(so.build())
    res = CliRunner().invoke(app, ["kibana", "export"])
    assert res.exit_code == 0 and res.stdout == so.NDJSON.read_text(encoding="utf-8")


def test_export_rules_adds_a_saved_search_per_rule(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """`--rules` reads the rules topic (a real Kafka): each rule becomes a saved search with its Lucene query."""
    from pipeline.clients.kafka import ensure_topics
    from pipeline.clients.rules_store import put_rule
    from pipeline.settings import Settings
    from schemas.alerts import AlertRule

    monkeypatch.setenv("NEWSWATCH_TOPIC_RULES", env["NEWSWATCH_TOPIC_RULES"])
    s = Settings()
    ensure_topics(s)
    put_rule(s, AlertRule(name="ua-missiles", query="missil*", countries=["UA"]))
    put_rule(s, AlertRule(name="talks", query='"peace talks"', regions=["Europe"]))
    out = tmp_path / "with-rules.ndjson"
    res = CliRunner().invoke(app, ["kibana", "export", "--rules", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "2 of 2 rule(s) as saved searches" in res.output
    objs = {o["id"]: o for o in parse_lines(out.read_text(encoding="utf-8"))}
    source = json.loads(objs["newswatch-rule-ua-missiles"]["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"] == {"query": '((title:missil* OR body:missil*) AND countries:"UA")', "language": "lucene"}
    assert "newswatch-rule-talks" in objs and len(objs) == len(so.build()) + 2


def test_a_space_is_part_of_the_url(kibana: FakeKibana) -> None:
    code, output = _import(kibana.url + "/s/newsroom")
    assert code == 0, output
    assert kibana.requests[0]["path"] == "/s/newsroom/api/saved_objects/_import"
    assert kibana.requests[0]["space"] == "newsroom"

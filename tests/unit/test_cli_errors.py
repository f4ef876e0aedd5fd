"""Input errors reach people as one line naming the field and the reason, never pydantic's dump."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli.common import fail, one_line
from schemas.alerts import AlertRule
from schemas.feeds import Feed


def test_a_validation_error_is_one_line_with_the_field_as_the_user_spells_it() -> None:
    with pytest.raises(ValueError) as info:
        AlertRule(name="r", query="x", webhooks=["file:///etc/passwd"])
    text = one_line(info.value, {"webhooks": "--webhook"})
    assert "\n" not in text
    assert text.startswith("--webhook: ") and "not an http(s) URL" in text
    assert "pydantic" not in text and "validation error" not in text and "input_value" not in text


def test_several_errors_are_named_in_one_line_and_the_rest_counted() -> None:
    with pytest.raises(ValueError) as info:
        Feed.model_validate({"url": 5, "name": ["x"], "interval_s": "soon", "bogus": object()})
    text = one_line(info.value)
    assert "\n" not in text and text.count(":") >= 2
    assert text.startswith("url: ")


def test_a_nested_location_names_the_item() -> None:
    with pytest.raises(ValueError) as info:
        AlertRule.model_validate({"name": "r", "query": "x", "countries": [5]})
    assert one_line(info.value).startswith("countries[0]: ")


def test_a_plain_error_keeps_its_message_on_one_bounded_line() -> None:
    assert one_line(ValueError("first\nsecond  third")) == "first second third"
    assert len(one_line(ValueError("x" * 5000))) == 300


def test_fail_prints_one_redacted_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as info:
        fail("invalid rule", ValueError("token s3cret refused"), redact=lambda t: t.replace("s3cret", "…"))
    assert info.value.exit_code == 2
    err = capsys.readouterr().err
    assert err.strip() == "invalid rule: token … refused"


def test_rules_add_with_a_file_webhook_prints_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The case from the issue: `rules add --webhook file:///…` printed four lines and a link."""
    result = CliRunner().invoke(app, ["rules", "add", "r", "floods", "--webhook", "file:///etc/passwd"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("invalid rule: --webhook: ")
    assert "errors.pydantic.dev" not in result.output and "/etc/passwd" not in result.output


def test_a_bad_setting_names_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_TOPIC_PARTITIONS", "many")
    result = CliRunner().invoke(app, ["rules", "list"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "NEWSWATCH_TOPIC_PARTITIONS" in lines[0] and lines[0].startswith("invalid settings: ")

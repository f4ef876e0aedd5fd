from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local.java import read_java
from deploy.local.stack import new_cluster_id
from pipeline.settings import Settings


def test_env_prefix_and_secret_masking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_KAFKA_BOOTSTRAP", "10.0.0.1:9092")
    monkeypatch.setenv("NEWSWATCH_ES_PASSWORD", "hunter2")
    s = Settings()
    assert s.kafka_bootstrap == "10.0.0.1:9092"
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.public())
    assert s.es_password is not None and s.es_password.get_secret_value() == "hunter2"


def test_toml_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "nw.toml"
    cfg.write_text('es_url = "https://es.example:9200"\nes_username = "elastic"\n')
    monkeypatch.setenv("NEWSWATCH_CONFIG", str(cfg))
    s = Settings()
    assert s.es_url == "https://es.example:9200" and s.es_username == "elastic"
    monkeypatch.setenv("NEWSWATCH_ES_URL", "http://127.0.0.1:9201")
    assert Settings().es_url == "http://127.0.0.1:9201"  # the environment wins over the file


def test_defaults_bind_loopback() -> None:
    s = Settings()
    assert s.kafka_bootstrap.startswith("127.0.0.1") and "127.0.0.1" in s.es_url


def test_read_java_release(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").write_text("")
    (tmp_path / "release").write_text('JAVA_VERSION="25.0.2"\nMODULES="java.base java.se"\n')
    j = read_java(tmp_path)
    assert j is not None and j.major == 25 and "jdk.incubator.vector" not in j.modules


def test_kraft_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xF8... encodes to "-" first in base64url; the storage tool would take such an id for a flag
    draws = iter([b"\xf8" * 16, b"\x00" * 16])
    monkeypatch.setattr("deploy.local.stack.os.urandom", lambda n: next(draws))
    cid = new_cluster_id()
    assert cid == "A" * 21 + "A" and len(cid) == 22


def test_settings_list_the_brokers() -> None:
    assert Settings(kafka_bootstrap="a:9092, b:9092,").kafka_brokers == ["a:9092", "b:9092"]


def test_state_lives_where_the_command_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEWSWATCH_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().state_dir == tmp_path / ".newswatch"
    monkeypatch.setenv("NEWSWATCH_STATE_DIR", "elsewhere/state")
    assert Settings().state_dir == tmp_path / "elsewhere" / "state"  # absolute: every process agrees


def test_benchmarks_find_the_dev_set_beside_the_checkout_or_are_told(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    from pipeline.measure.datasets import NoArticles, default_articles

    checkout = tmp_path / "main"
    (checkout / "seeds").mkdir(parents=True)
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("NEWSWATCH_DEV_SET", raising=False)
    assert default_articles(Settings()) == Path("seeds")
    (tmp_path / "shared" / "eval").mkdir(parents=True)
    (tmp_path / "shared" / "eval" / "geovirus.jsonl").write_text("{}\n")
    assert default_articles(Settings()).resolve() == tmp_path / "shared" / "eval" / "geovirus.jsonl"
    monkeypatch.setenv("NEWSWATCH_DEV_SET", str(tmp_path / "missing.jsonl"))
    with pytest.raises(NoArticles, match="missing.jsonl"):
        default_articles(Settings())


def test_a_hundred_stack_starts_in_a_row_get_a_cluster_id_the_storage_tool_accepts() -> None:
    import argparse

    # the storage tool's own argument shape: `kafka-storage.sh format -t ID -c FILE`
    tool = argparse.ArgumentParser()
    tool.add_argument("command")
    tool.add_argument("--cluster-id", "-t", required=True)
    tool.add_argument("--config", "-c", required=True)
    ids = [new_cluster_id() for _ in range(1000)]
    for cid in ids:
        assert tool.parse_args(["format", "-t", cid, "-c", "server.properties"]).cluster_id == cid
        assert len(cid) == 22
    assert len(set(ids)) == 1000


def test_two_checkouts_never_share_an_elasticsearch_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from deploy.local import stack

    monkeypatch.setattr(stack.os, "geteuid", lambda: 0)  # root: Elasticsearch runs as another user ...
    monkeypatch.setattr(stack, "_world_traversable", lambda p: False)  # ... who cannot reach the checkout
    a = stack.LocalStack(Settings(state_dir=tmp_path / "clone-of-newswatch-a" / ".newswatch"), log=lambda m: None)
    b = stack.LocalStack(Settings(state_dir=tmp_path / "clone-of-newswatch-b" / ".newswatch"), log=lambda m: None)
    assert str(a.es_dir).startswith("/var/tmp/") and a.es_dir != b.es_dir

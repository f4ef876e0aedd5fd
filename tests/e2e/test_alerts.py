"""Alerts end to end: a rule, real Kafka and Elasticsearch, the worker and the deliverer as processes, a
webhook served by the test and a JSON-lines file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from consumers.alerts import signing
from consumers.alerts.targets import redact
from tests.support import SEED, Proc, free_port, newswatch, poll, read_topic, settings_for
from tests.support.webhook import Hook

pytestmark = pytest.mark.e2e
SECRET = "s3cret-for-tests"


@pytest.fixture()
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def _produce(env: dict[str, str], article: dict[str, Any], tmp_path: Path, name: str) -> str:
    f = tmp_path / f"{name}.json"
    f.write_text(json.dumps(article))
    out = newswatch(["produce", str(f), "--json"], env)
    assert out.returncode == 0, out.stderr
    return str(json.loads(out.stdout)["ids"][0])


def test_rule_fires_once_to_webhook_and_file_and_stops_when_removed(
    env: dict[str, str], procs: Callable[..., Proc], hook: Hook, tmp_path: Path
) -> None:
    # one partition and one enrichment actor: articles reach the matcher in the order they were sent,
    # which the marker articles below rely on
    env = {**env, "NEWSWATCH_TOPIC_PARTITIONS": "1", "NEWSWATCH_ENRICH_PROCESSES": "1",
           "NEWSWATCH_WEBHOOK_SECRET": SECRET, "NEWSWATCH_WEBHOOK_RETRIES": "1"}
    alerts_file = Path(env["NEWSWATCH_ALERTS_DIR"]) / "team" / "alerts.jsonl"
    dead = f"http://127.0.0.1:{free_port()}/down?token=SECRETTOKEN"
    add = newswatch(["rules", "add", "kharkiv", "Kharkiv AND missil*", "--country", "UA", "--webhook", dead,
                     "--webhook", hook.url, "--file", "team/alerts.jsonl"], env)
    assert add.returncode == 0, add.stderr
    assert newswatch(["rules", "add", "marker", "title:zebracorn", "--webhook", hook.url], env).returncode == 0
    listed_out = newswatch(["rules", "list", "--json"], env).stdout
    listed = json.loads(listed_out)
    assert sorted(r["name"] for r in listed) == ["kharkiv", "marker"]
    assert "SECRETTOKEN" not in listed_out and "SECRETTOKEN" not in newswatch(["rules", "show", "kharkiv"], env).stdout
    bad = newswatch(["rules", "add", "broken", "Kharkiv AND (missiles"], env)
    assert bad.returncode == 2 and "position" in bad.stderr

    worker = procs(["worker"], env)
    deliverer = procs(["alerts", "run"], env)
    text = SEED.read_text(encoding="utf-8")
    seed = {"title": text.splitlines()[0], "body": text, "source": "seeds"}
    seed_id = _produce(env, seed, tmp_path, "seed")

    def kharkiv_hits() -> list[dict[str, Any]]:
        return [a for a in hook.alerts() if a.get("rule") == "kharkiv"]

    poll(lambda: worker.alive() and deliverer.alive() and len(kharkiv_hits()) == 1, timeout=180,
         what="the alert at the webhook")
    [alert] = kharkiv_hits()
    assert alert["article_id"] == seed_id and {"UA", "RU"} <= set(alert["countries"])
    assert set(alert) >= {"rule", "article_id", "title", "url", "countries", "regions", "matched", "snippet",
                          "ingested_at", "fired_at"}
    assert {"kharkiv", "missiles"} <= set(alert["matched"]) and "<em>" in alert["snippet"]
    headers, body = next((h, b) for h, b in hook.received if json.loads(b).get("rule") == "kharkiv")
    assert signing.verify(SECRET, headers, body) and headers["webhook-id"].startswith("nw_")
    poll(lambda: alerts_file.exists() and len(alerts_file.read_text().splitlines()) == 1, timeout=30,
         what="the alert in the JSON-lines file")
    assert json.loads(alerts_file.read_text())["article_id"] == seed_id
    # the dead endpoint did not hold up the live one, and its failure is on record
    dlq = read_topic(settings_for(env), env["NEWSWATCH_TOPIC_DLQ"], expect=1)
    assert dlq[0]["stage"] == "alert" and redact(dead) in dlq[0]["reason"] and "SECRETTOKEN" not in json.dumps(dlq)
    assert "SECRETTOKEN" not in deliverer.log()

    # The same article again: the worker matches it again, delivery recognises it; a marker sent after it
    # (one partition: in order) proves the duplicate has been through.
    _produce(env, seed, tmp_path, "seed-again")
    _produce(env, {"title": "zebracorn one", "body": "A marker.", "source": "t"}, tmp_path, "m1")
    poll(lambda: deliverer.alive() and any(a.get("rule") == "marker" for a in hook.alerts()), timeout=120,
         what="the first marker alert")
    assert len(kharkiv_hits()) == 1
    assert len(alerts_file.read_text().splitlines()) == 1

    # Remove the rule: the running worker stops firing it (a second marker rule, added after the removal on
    # the same one-partition rules topic, shows the worker has applied it).
    assert newswatch(["rules", "rm", "kharkiv"], env).returncode == 0
    assert newswatch(["rules", "add", "marker2", "title:unicornzebra", "--webhook", hook.url], env).returncode == 0
    new_article = {**seed, "url": "https://example.org/kharkiv-again"}
    _produce(env, {"title": "unicornzebra probe", "body": "Probe.", "source": "t"}, tmp_path, "probe")
    poll(lambda: any(a.get("rule") == "marker2" for a in hook.alerts()), timeout=120,
         what="the worker to apply the rule changes")
    _produce(env, new_article, tmp_path, "after-rm")
    _produce(env, {"title": "unicornzebra two", "body": "Probe two.", "source": "t"}, tmp_path, "probe2")
    poll(lambda: sum(a.get("rule") == "marker2" for a in hook.alerts()) >= 2, timeout=120,
         what="the second probe")
    assert len(kharkiv_hits()) == 1
    assert worker.alive() and deliverer.alive()



def test_frequency_and_spike_rules_fire_from_the_stream_and_survive_a_worker_restart(
    env: dict[str, str], procs: Callable[..., Proc], hook: Hook, tmp_path: Path
) -> None:
    env = {**env, "NEWSWATCH_ENRICH_PROCESSES": "1"}
    assert newswatch(["rules", "add", "often", "title:quokka", "--frequency", "3", "--within", "10m",
                      "--webhook", hook.url], env).returncode == 0
    spike = newswatch(["rules", "add", "burst", "title:wombat", "--spike", "3", "--window", "1h", "--min-count", "3",
                       "--webhook", hook.url], env)
    assert spike.returncode == 0, spike.stderr
    worker = procs(["worker"], env)
    deliverer = procs(["alerts", "run"], env)

    def fired(rule: str) -> list[dict[str, Any]]:
        return [a for a in hook.alerts() if a.get("rule") == rule]

    for i in range(2):
        _produce(env, {"title": f"quokka seen {i}", "body": f"A quokka was seen in Perth, report {i}.",
                       "url": f"https://example.org/quokka/{i}"}, tmp_path, f"q{i}")
    # both matches counted and their offsets committed before the worker is killed: after the restart the
    # count can only come from the table's changelog, not from matches read again
    s = settings_for(env)
    poll(lambda: worker.alive() and _committed(s, s.topic_rule_hits) == 2, timeout=180,
         what="two frequency matches counted and committed")
    worker.kill()
    worker = procs(["worker"], env)
    assert fired("often") == []
    third = _produce(env, {"title": "quokka seen again", "body": "A third quokka in Perth.",
                           "url": "https://example.org/quokka/2"}, tmp_path, "q2")
    poll(lambda: worker.alive() and deliverer.alive() and len(fired("often")) == 1, timeout=240,
         what="the frequency alert on the third match, after the restart")
    [alert] = fired("often")
    assert alert["article_id"] == third and alert["kind"] == "count" and alert["count"] == 3

    for i in range(3):
        _produce(env, {"title": f"wombat crossing {i}", "body": f"Wombats crossed a road in Canberra ({i}).",
                       "url": f"https://example.org/wombat/{i}"}, tmp_path, f"w{i}")
    poll(lambda: len(fired("burst")) == 1, timeout=120, what="the spike alert")
    assert fired("burst")[0]["count"] == 3 and fired("burst")[0]["baseline"] == 0.0
    _produce(env, {"title": "wombat crossing 4", "body": "One more wombat.", "url": "https://example.org/wombat/4"},
             tmp_path, "w4")
    _produce(env, {"title": "quokka marker", "body": "Marker quokka.", "url": "https://example.org/quokka/9"},
             tmp_path, "qm")
    poll(lambda: len(read_topic(s, s.topic_rule_hits, expect=8, timeout=2)) >= 8, timeout=120,
         what="the later matches counted")
    assert len(fired("burst")) == 1  # once per window


def _committed(s: Any, topic: str) -> int:
    """The worker group's committed offsets on `topic`, summed over its partitions."""
    from pipeline.clients.kafka import make_admin

    admin = make_admin(s)
    try:
        offsets = admin.list_group_offsets(s.worker_group).get(s.worker_group, {})
    finally:
        admin.close()
    return sum(o.offset for tp, o in offsets.items() if tp.topic == topic and o.offset > 0)

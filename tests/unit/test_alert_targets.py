"""Channel targets a rule may not use, secrets that never show, and signatures receivers can verify."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from consumers.alerts import channels, signing
from consumers.alerts.targets import UnsafeTarget, check_file, check_webhook, redact
from pipeline.settings import Settings
from schemas.alerts import AlertRule

UNSAFE = [
    "http://0.0.0.0/x", "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/",
    "http://[fd00::1]/", "http://[fe80::1]/", "http://[::1]/", "http://2130706433/", "http://0x7f000001/",
    "http://127.1/", "http://localhost:8080/", "http://[::ffff:127.0.0.1]/", "http://10.1.2.3/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://100.64.0.1/", "ftp://example.org/", "http://example.org:99999/",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_webhooks_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_webhook(url, Settings())


def test_the_allow_list_opens_a_private_target_but_never_our_own_servers() -> None:
    s = Settings(alerts_allow_targets="127.0.0.1, 10.0.0.0/8")
    assert check_webhook("http://127.0.0.1:8080/hook", s).address == "127.0.0.1"
    assert check_webhook("http://10.9.8.7/hook", s).address == "10.9.8.7"
    for own in (s.es_url + "/news-articles/_doc", f"http://{s.kafka_brokers[0]}/"):
        with pytest.raises(UnsafeTarget, match="own Kafka or Elasticsearch"):
            check_webhook(own, s)


def test_files_only_under_the_alerts_folder(tmp_path: Path) -> None:
    s = Settings(alerts_dir=tmp_path / "alerts")
    assert check_file("team/ukraine.jsonl", s) == (tmp_path / "alerts" / "team" / "ukraine.jsonl").resolve()
    for bad in ("/etc/cron.d/newswatch", "/root/.ssh/authorized_keys", "../escape.jsonl", str(tmp_path / "x.jsonl")):
        with pytest.raises(UnsafeTarget, match="outside the alerts folder"):
            check_file(bad, s)


def test_a_symlink_planted_in_the_alerts_folder_is_not_followed(tmp_path: Path) -> None:
    s = Settings(alerts_dir=tmp_path / "alerts")
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "link.jsonl").symlink_to(tmp_path / "victim")
    with pytest.raises(UnsafeTarget):
        check_file("link.jsonl", s)  # resolves outside the folder


def test_secrets_in_webhook_urls_never_show() -> None:
    url = "https://user:pw@hooks.example.com/services/T000/B000/SECRETTOKEN?token=abc"
    shown = redact(url)
    assert "SECRETTOKEN" not in shown and "abc" not in shown and "pw" not in shown
    assert shown.startswith("https://hooks.example.com/…#") and redact("https://e.org/a") != redact("https://e.org/b")
    [ch] = channels.of(AlertRule(name="r", query="x", webhooks=[url]))
    assert "SECRETTOKEN" not in ch.label and "SECRETTOKEN" not in ch.key


def test_standard_webhooks_signature_verifies_and_refuses_replays_and_tampering() -> None:
    body = b'{"rule": "r"}'
    h = signing.headers("s3cret", "nw_abc", body, now=1_700_000_000)
    mac = hmac.new(b"s3cret", b"nw_abc.1700000000." + body, hashlib.sha256).digest()
    assert h == {"webhook-id": "nw_abc", "webhook-timestamp": "1700000000",
                 "webhook-signature": "v1," + base64.b64encode(mac).decode()}
    assert signing.verify("s3cret", h, body, now=1_700_000_100)
    assert not signing.verify("s3cret", h, body, now=1_700_000_000 + signing.TOLERANCE_S + 1)  # a replay, later
    assert not signing.verify("s3cret", h, body + b" ", now=1_700_000_000)
    assert not signing.verify("other", h, body, now=1_700_000_000)
    whsec = "whsec_" + base64.b64encode(b"key bytes").decode()
    assert signing.verify(whsec, signing.headers(whsec, "nw_1", body, now=5), body, now=5)


def test_delivery_ids_are_stable_per_channel_and_alert_set() -> None:
    a, b = channels.Channel("file", "a.jsonl"), channels.Channel("webhook", "https://e.org/h")
    assert channels.delivery_id(a, ["r:1"]) == channels.delivery_id(a, ["r:1"])
    assert channels.delivery_id(a, ["r:1", "r:2"]) == channels.delivery_id(a, ["r:2", "r:1"])
    assert len({channels.delivery_id(a, ["r:1"]), channels.delivery_id(b, ["r:1"]), channels.delivery_id(a, ["r:2"])}) == 3

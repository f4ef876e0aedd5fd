"""The analyst console in a real browser: Debian's headless Chromium driven by Playwright, against the real
stack with the worker, the indexer, the deliverer and the console running as processes. Each page is
screenshotted into the test's output folder."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.support import SEED, Proc, free_port, newswatch, poll, settings_for

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium chromium-driver` (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A browser page that records every dialog and page error (what a script injection would cause)."""

    def __init__(self, browser: Any, base: str, shots: Path) -> None:
        self.base, self.shots = base, shots
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.ctx.new_page()
        self.dialogs: list[str] = []
        self.confirmed: list[str] = []
        self.accept_confirm = False  # a test that means to confirm (the Health page's replay) says so
        self.errors: list[str] = []

        def on_dialog(d: Any) -> None:
            if d.type == "confirm" and self.accept_confirm:
                self.confirmed.append(d.message)
                d.accept()
                return
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.ctx.close()


def _start_console(procs: Callable[..., Proc], env: dict[str, str], port: int) -> Proc:
    console = procs(["console", "--port", str(port)], env)
    poll(lambda: console.alive() and _get(f"http://127.0.0.1:{port}/static/console.css") == 200, timeout=60,
         what="the console to answer")
    return console


def _open_console(procs: Callable[..., Proc], env: dict[str, str], tmp_path: Path, browser: Any) -> tuple[Proc, Page]:
    """A console of the test's own on a free port, and a page on it that screenshots into the test's folder."""
    port = free_port()
    console = _start_console(procs, env, port)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    return console, Page(browser, f"http://127.0.0.1:{port}", shots)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - our own loopback console
            return int(r.status)
    except OSError:
        return 0


def _produce(env: dict[str, str], articles: list[dict[str, Any]], tmp_path: Path, name: str) -> list[str]:
    f = tmp_path / f"{name}.jsonl"
    f.write_text("".join(json.dumps(a) + "\n" for a in articles))
    out = newswatch(["produce", str(f), "--json"], env)
    assert out.returncode == 0, out.stderr
    return [str(i) for i in json.loads(out.stdout)["ids"]]


def _indexed(env: dict[str, str], ids: list[str]) -> bool:
    from elasticsearch import Elasticsearch

    es = Elasticsearch(env.get("NEWSWATCH_ES_URL", "http://127.0.0.1:9200"))
    try:
        resp = es.options(ignore_status=404).search(index=env["NEWSWATCH_ES_ALIAS"], query={"ids": {"values": ids}},
                                                    size=0)
    except Exception:  # noqa: BLE001 - not yet
        return False
    return resp.get("hits", {}).get("total", {}).get("value", 0) == len(ids)


def test_console_search_map_rules_live_and_hostile_text(
    env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path, browser: Any
) -> None:
    env = {**env, "NEWSWATCH_TOPIC_PARTITIONS": "1", "NEWSWATCH_ENRICH_PROCESSES": "1"}
    shots = tmp_path / "screenshots"
    shots.mkdir()
    port = free_port()
    worker = procs(["worker"], env)
    indexer = procs(["index"], env)
    procs(["alerts", "run"], env)
    console = _start_console(procs, env, port)
    text = SEED.read_text(encoding="utf-8")
    seed = {"title": text.splitlines()[0], "body": text, "source": "seeds"}
    other = {"title": "Kharkiv delegation visits Brasília", "source": "wire",
             "body": "A delegation from Kharkiv met officials in Brasília, Brazil, to discuss trade in grain."}
    # (a `javascript:` URL never gets this far: the producer refuses it; the page's own check is a unit test)
    hostile = [{"title": HOSTILE_TITLE, "body": "hostileprobe: an image tag as a title.", "source": "evil",
                "url": "https://evil.example/a?<script>"},
               {"title": "Hostileprobe body script", "source": "evil",
                "body": "Before <script>window.__pwned = 1; alert(2)</script> after, hostileprobe."}]
    ids = _produce(env, [seed, other, *hostile], tmp_path, "articles")
    assert len(ids) == 4
    poll(lambda: worker.alive() and indexer.alive() and _indexed(env, ids), timeout=240, what="the articles indexed")

    p = Page(browser, f"http://127.0.0.1:{port}", shots)
    # --- search: the seed found, the map shaded, a country facet narrows, a reload restores the view ---
    p.go("/search?q=Kharkiv")
    assert p.page.locator(".total").inner_text() == "2"
    assert p.page.locator(f".hit[data-id='{ids[0]}'] h2").inner_text().startswith(seed["title"][:30])
    p.page.wait_for_selector("#map[data-drawn='1']")
    shaded = set(p.page.eval_on_selector_all("#map path.shaded", "ps => ps.map(p => p.dataset.cc)"))
    assert {"JP", "RU", "UA"} <= shaded, shaded
    p.shot("search")
    p.page.click(".facet[data-facet='country'] a.facet-link[data-value='JP']")
    p.page.wait_for_url("**country=JP**")
    assert p.page.locator(".total").inner_text() == "1"
    assert p.page.locator("li.hit").count() == 1 and p.page.locator(f".hit[data-id='{ids[0]}']").count() == 1
    filtered_url = p.page.url
    p.page.reload()
    assert p.page.url == filtered_url
    assert p.page.locator(".total").inner_text() == "1"
    assert p.page.locator(".chip", has_text="country: Japan").count() == 1
    p.page.go_back()
    p.page.wait_for_url("**/search?q=Kharkiv")
    assert p.page.locator(".total").inner_text() == "2"
    # the page holds what it shows: the same view with scripts off
    nojs = browser.new_context(java_script_enabled=False)
    plain = nojs.new_page()
    plain.goto(filtered_url)
    assert plain.locator(".total").inner_text() == "1" and plain.locator("li.hit").count() == 1
    assert plain.locator(".facet[data-facet='country'] a.facet-link").count() >= 3
    assert plain.locator(".hist-panel").count() == 1 and plain.locator("#map[data-drawn]").count() == 0
    nojs.close()
    # a click on the map filters too
    p.page.wait_for_selector("#map[data-drawn='1']")
    p.page.locator("#map path.shaded[data-cc='BR']").dispatch_event("click")
    p.page.wait_for_url("**country=BR**")
    assert p.page.locator(".total").inner_text() == "1"

    # --- the article page: entities marked, countries, its story; and the story page --------------
    p.go(f"/articles/{ids[0]}")
    assert p.page.locator(".article-title").inner_text() == seed["title"]
    assert p.page.locator(".body .ent.place").count() > 0
    assert p.page.locator(".side a.cc", has_text="Ukraine").count() == 1
    p.shot("article")
    p.page.click("text=in this story")
    p.page.wait_for_url("**/stories/**")
    assert p.page.locator("table.story tbody tr").count() >= 1
    p.shot("story")

    # --- hostile text renders as text: no dialog, no script, no javascript: link ---------------------
    p.go("/search?q=hostileprobe+OR+onerror")
    assert p.page.locator(".total").inner_text() == "2"
    assert p.page.locator(".hit h2", has_text=HOSTILE_TITLE).count() == 1
    assert p.page.locator(".hit img").count() == 0
    p.go(f"/articles/{ids[2]}")
    assert p.page.locator(".article-title").inner_text() == HOSTILE_TITLE
    assert p.page.locator("a[href^='javascript']").count() == 0
    p.go(f"/articles/{ids[3]}")
    assert "<script>window.__pwned = 1; alert(2)</script>" in p.page.locator(".body").inner_text()
    assert p.page.evaluate("typeof window.__pwned") == "undefined"
    p.shot("hostile-article")

    # --- a rule added on the Rules page fires; the alert reaches the open Live page without a reload ---
    p.go("/search?q=zebracorn")
    p.page.click("#alert-on-search")
    p.page.wait_for_url("**/rules/new?**")
    assert p.page.locator("textarea[name=query]").input_value() == "(zebracorn)"
    p.page.fill("input[name=name]", "zebra")
    p.page.fill("textarea[name=query]", "title:zebracorn AND (")
    p.page.wait_for_selector("#check .syntax")  # checked as you type
    p.page.fill("textarea[name=query]", "title:zebracorn")
    p.page.wait_for_selector("#check .valid")
    p.shot("rule-form")
    p.page.click("#save-rule")
    p.page.wait_for_url("**/rules?saved=zebra**")
    assert p.page.locator("tr[data-rule='zebra']").count() == 1
    p.shot("rules")
    p.go("/rules/zebra/edit")
    assert p.page.locator("textarea[name=query]").input_value() == "title:zebracorn"
    assert p.page.locator("input[name=original]").input_value() == "zebra"

    live = Page(browser, p.base, shots)
    live.go("/live")
    live.page.wait_for_selector("#live-status[data-status='connected']", timeout=30_000)

    def alert_on_page(title: str) -> bool:
        return live.page.locator("#live-alerts .alert-item", has_text=title).count() > 0

    # the first match waits for the worker to have applied the rule; the second is timed
    _produce(env, [{"title": "zebracorn sighting one", "body": "A zebracorn was seen.", "source": "t"}], tmp_path, "z1")
    poll(lambda: worker.alive() and alert_on_page("zebracorn sighting one"), timeout=120, what="the first alert live")
    reloads = live.page.evaluate("performance.getEntriesByType('navigation').length")
    from pipeline.clients.kafka import make_producer
    from producers.publisher import ArticlePublisher
    from producers.record import SourceRecord

    # timed from the article's send (a `newswatch produce` process would add its own start-up to the figure)
    publisher = ArticlePublisher(settings_for(env), make_producer(settings_for(env)))
    started = time.monotonic()
    publisher.send(SourceRecord("z2", {"title": "zebracorn sighting two", "body": "Another zebracorn.", "source": "t"}))
    assert publisher.flush(timeout=30).sent == 1
    publisher.producer.close()
    poll(lambda: alert_on_page("zebracorn sighting two"), timeout=30, interval=0.1, what="the second alert live")
    delay = time.monotonic() - started
    assert live.page.evaluate("performance.getEntriesByType('navigation').length") == reloads  # no reload
    assert delay < 5.0, f"the alert took {delay:.1f} s from produce to the Live page"
    assert live.page.locator("#live-articles .article-item", has_text="zebracorn sighting two").count() == 1
    # pause holds new items back; resume shows them
    live.page.click("#pause")
    _produce(env, [{"title": "zebracorn sighting three", "body": "A third.", "source": "t"}], tmp_path, "z3")
    poll(lambda: "waiting" in live.page.locator("#held").inner_text(), timeout=60, what="an item held while paused")
    assert not alert_on_page("zebracorn sighting three")
    live.page.click("#pause")
    assert alert_on_page("zebracorn sighting three")
    live.shot("live")

    p.go("/alerts?rule=zebra")
    p.page.wait_for_selector(".grid.alerts tbody tr")
    poll(lambda: p.go("/alerts?rule=zebra") and p.page.locator(".status.delivered").count() >= 1, timeout=60,
         what="the alerts recorded as delivered")
    p.shot("alerts")
    p.go("/health")
    assert p.page.locator("h1", has_text="Health").count() == 1
    p.shot("health")

    assert p.dialogs == [] and live.dialogs == [], (p.dialogs, live.dialogs)
    assert p.errors == [] and live.errors == [], (p.errors, live.errors)
    assert console.alive()
    for name in ("search", "article", "story", "hostile-article", "rule-form", "rules", "live", "alerts", "health"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
    p.close()
    live.close()


class Proxy:
    """A TCP forwarder to Elasticsearch the test can cut and restore: an outage without touching the
    shared server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.conns: list[socket.socket] = []
        self.server: socket.socket | None = None
        self.start()

    def start(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self.server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self.server is not None:
            try:  # wakes the accepting thread (a plain close leaves the socket listening)
                self.server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.server.close()
            self.server = None
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self.conns.clear()


def test_console_syntax_error_and_elasticsearch_outage(
    env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path, browser: Any
) -> None:
    proxy = Proxy(("127.0.0.1", 9200))
    env = {**env, "NEWSWATCH_ES_URL": f"http://127.0.0.1:{proxy.port}", "NEWSWATCH_CONSOLE_ES_TIMEOUT_S": "3"}
    console, p = _open_console(procs, env, tmp_path, browser)
    p.go("/search?q=Kharkiv+AND+(missiles+OR")
    err = p.page.locator(".notice.syntax")
    assert "position" in err.inner_text()
    assert err.get_attribute("data-error-pos") == str(len("Kharkiv AND (missiles OR") + 1)
    assert p.page.locator(".notice.syntax .at").count() == 1
    p.shot("syntax-error")
    p.go("/search?q=Kharkiv")
    assert p.page.locator(".outage").count() == 0
    proxy.cut()
    try:
        p.go("/search?q=Kharkiv")
        assert "not reachable" in p.page.locator(".notice.outage").inner_text()
        p.shot("outage")
        p.go("/alerts")
        assert p.page.locator(".notice.outage").count() == 1
        assert console.alive()
    finally:
        proxy.start()
    poll(lambda: p.go("/search?q=Kharkiv") and p.page.locator(".outage").count() == 0, timeout=30,
         what="the search page to recover")
    assert p.page.locator(".total").count() == 1
    assert p.dialogs == [] and p.errors == []
    p.close()
    proxy.cut()


def test_console_refuses_forged_posts_and_open_binding_without_token(
    env: dict[str, str], procs: Callable[..., Proc]
) -> None:
    import httpx

    port = free_port()
    _start_console(procs, env, port)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base) as c:
        page = c.get("/rules/new")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert page.headers["x-frame-options"] == "DENY"
        form = {"name": "forged", "query": "anything"}
        assert c.post("/rules", data=form).status_code == 403  # the cookie alone is not enough
        assert c.post("/rules", data=form | {"csrf_token": "x" * 43}).status_code == 403
        cross = c.post("/rules", data=form | {"csrf_token": c.cookies["nw_csrf"]}, headers={"origin": "https://evil.example"})
        assert cross.status_code == 403
        assert c.post("/rules/whatever/delete", data={}).status_code == 403
        assert c.post("/health/replay", data={"ref": "0:1"}).status_code == 403
    refused = newswatch(["console", "--host", "0.0.0.0", "--port", str(free_port())], env, timeout=60)
    assert refused.returncode == 2
    assert "NEWSWATCH_CONSOLE_TOKEN" in refused.stderr and "refusing" in refused.stderr
    # with a token it starts, and wants the token
    tport = free_port()
    tokened = procs(["console", "--host", "0.0.0.0", "--port", str(tport)], {**env, "NEWSWATCH_CONSOLE_TOKEN": "t" * 24})
    poll(lambda: tokened.alive() and _get(f"http://127.0.0.1:{tport}/static/console.css") == 200, timeout=60,
         what="the console with a token")
    assert httpx.get(f"http://127.0.0.1:{tport}/search").status_code == 403
    with httpx.Client(base_url=f"http://127.0.0.1:{tport}", follow_redirects=True) as c:
        ok = c.get("/search?token=" + "t" * 24)
        assert ok.status_code == 200 and "token=" not in str(ok.url)
        assert c.get("/rules/new").status_code == 200  # the cookie carries it on


def _raw_records(env: dict[str, str], marker: str) -> list[tuple[bytes | None, dict[str, Any]]]:
    """(key, value) of every record on the test's raw topic whose value holds MARKER."""
    from kafka import TopicPartition

    from pipeline.clients.kafka import make_consumer

    s = settings_for(env)
    consumer = make_consumer(s, group_id=None, consumer_timeout_ms=1000)
    try:
        parts = [TopicPartition(s.topic_raw, p) for p in sorted(consumer.partitions_for_topic(s.topic_raw) or ())]
        if not parts:
            return []
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        found = []
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            polled = consumer.poll(timeout_ms=1000)
            if not polled:
                break
            for records in polled.values():
                found += [(r.key, json.loads(r.value)) for r in records if r.value and marker.encode() in r.value]
        return found
    finally:
        consumer.close()


def test_console_health_replays_a_dead_letter_to_the_raw_topic(
    env: dict[str, str], procs: Callable[..., Proc], tmp_path: Path, browser: Any
) -> None:
    """The Health page lists a dead letter with its reason; choosing it and "Replay chosen" (confirmed)
    puts its article back on the raw topic, as `newswatch dlq replay` does, and the page says so."""
    from pipeline.clients.kafka import ensure_topics, make_producer
    from schemas import DeadLetter

    s = settings_for(env)
    ensure_topics(s)
    article = {"title": "Replayprobe flood report", "body": "Floods in Dhaka, Bangladesh, replayprobe.",
               "source": "wire"}
    letter = DeadLetter(stage="enrich", reason="enrichment failed: replayprobe (a test's dead letter)",
                        payload=json.dumps(article), source=s.topic_raw, topic=s.topic_raw, key="replayprobe-1")
    producer = make_producer(s, client_id="newswatch-test-console")
    producer.send(s.topic_dlq, key="replayprobe-1", value=letter.model_dump(mode="json"))
    producer.flush(timeout=30)
    producer.close()
    assert _raw_records(env, "replayprobe") == []  # not on the raw topic before the replay

    console, p = _open_console(procs, env, tmp_path, browser)
    p.go("/health")
    row = p.page.locator("table.dlq tbody tr", has_text="replayprobe")
    assert row.count() == 1
    assert "enrich" in row.inner_text() and "enrichment failed" in row.locator(".reason").inner_text()
    p.shot("health-dead-letter")
    row.locator("input[name=ref]").check()
    p.accept_confirm = True
    p.page.click("form[action='/health/replay'] button[type=submit]")
    p.page.wait_for_url("**/health?replayed=**", timeout=150_000)  # the replay runs `dlq replay` (a process)
    assert "replayed 1" in p.page.locator(".notice.ok[role=status]").inner_text()
    assert p.confirmed and p.dialogs == [] and p.errors == []
    p.shot("health-replayed")
    records: list[tuple[bytes | None, dict[str, Any]]] = []

    def replayed() -> bool:
        records[:] = _raw_records(env, "replayprobe")
        return bool(records)

    poll(replayed, timeout=30, what="the replayed article on the raw topic")
    assert len(records) == 1 and records[0][0] == b"replayprobe-1"
    assert records[0][1]["title"] == article["title"] and records[0][1]["body"] == article["body"]
    assert console.alive()
    p.close()


def test_screenshots_folder_is_documented() -> None:
    """The README shows the search page (docs/console-search.png, made by the test above) and the
    console's place in the flow."""
    from tests.support import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/console-search.png" in readme and (ROOT / "docs" / "console-search.png").is_file()
    flow = readme.split("```", 2)[1]  # the diagram at the top
    assert "analyst console (pipeline/console" in flow and "replays [articles.dlq]" in flow

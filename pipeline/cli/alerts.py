"""`newswatch alerts run|tail`: deliver alerts, or watch them arrive."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable

import typer

from pipeline.cli.common import out, print_json, safe, settings, stop_on_signals

app = typer.Typer(no_args_is_help=True, help="Alert delivery and a live view of alerts.")


def _show(a: object, as_json: bool) -> None:
    from schemas.alerts import AlertEvent

    assert isinstance(a, AlertEvent)
    if as_json:
        print_json(a.model_dump(mode="json"))
        return
    snippet = safe(a.snippet).replace("<em>", "[bold yellow]").replace("</em>", "[/bold yellow]")
    out.print(f"[bold red]ALERT[/bold red] [bold]{safe(a.rule)}[/bold] {a.fired_at:%H:%M:%S}  "
              f"[cyan]{safe(a.title)}[/cyan]  [dim]{safe(a.article_id)}[/dim]\n"
              f"      {', '.join(a.countries) or '-'}  {safe(a.url or '')}\n      {snippet}")


class Echo:
    """The deliverer's terminal: every alert as JSON lines for scripts; for people at most `per_s` a
    second, the rest counted in one line every `summary_s` (a rule set firing a thousand alerts a second
    would otherwise spend the deliverer's time drawing a screen nobody can read). Every alert is in the
    news-alerts index whatever is shown."""

    def __init__(self, as_json: bool, per_s: float = 10.0, summary_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.as_json, self.per_s, self.summary_s, self.clock = as_json, per_s, summary_s, clock
        self.tokens, self.refilled = per_s, clock()
        self.hidden: Counter[str] = Counter()
        self.since = self.refilled

    def __call__(self, a: object) -> None:
        if self.as_json:
            _show(a, True)
            return
        now = self.clock()
        self.tokens = min(self.per_s, self.tokens + (now - self.refilled) * self.per_s)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            _show(a, False)
        else:
            self.hidden[getattr(a, "rule", "?")] += 1
        if self.hidden and now - self.since >= self.summary_s:
            n = sum(self.hidden.values())
            out.print(f"[dim]… {n:,} more alert(s) from {len(self.hidden):,} rule(s) in the last "
                      f"{now - self.since:.0f} s, recorded but not shown (the console's Alerts page lists them)[/dim]")
            self.hidden.clear()
        if not self.hidden:
            self.since = now


@app.command()
def run(json_: bool = typer.Option(False, "--json", help="echo alerts as JSON lines")) -> None:
    """Deliver alerts to each rule's channels and record them in the news-alerts index."""
    from consumers import sink
    from consumers.alerts.deliverer import AlertDeliverer
    from pipeline.observe import metrics
    from pipeline.clients.elasticsearch import make_es
    from pipeline.clients.kafka import ensure_topics, make_consumer, make_producer
    from pipeline.clients.rules_store import RuleReader

    s = settings()
    ensure_topics(s, timeout=s.kafka_start_retry_s)
    stop = stop_on_signals()
    consumer = make_consumer(s, s.topic_alerts, group_id=s.alerts_group)
    producer = make_producer(s, client_id="newswatch-alerts")
    reader = RuleReader(s)  # re-reads take what changed since the last one, not the topic's history
    deliverer = AlertDeliverer(s, make_es(s), producer, rules=reader.read, echo=Echo(json_))
    metrics.serve(s.metrics_port_alerts, "alerts", s)
    metrics.export_lag(s, s.alerts_group, [s.topic_alerts])
    try:
        sink.run(consumer, deliverer, batch_size=500, window_ms=200, should_stop=stop.is_set)
    finally:
        consumer.close()
        reader.close()
        producer.close()


@app.command()
def tail(
    from_beginning: bool = typer.Option(False, "--from-beginning", help="replay the alerts topic first"),
    json_: bool = typer.Option(False, "--json", help="JSON lines for scripts"),
) -> None:
    """Print alerts as the stream fires them (read-only: delivers nothing)."""
    from pipeline.clients.kafka import make_consumer
    from schemas.alerts import AlertEvent

    s = settings()
    consumer = make_consumer(s, s.topic_alerts, group_id=None, auto_offset_reset="earliest" if from_beginning else "latest")
    try:
        for rec in consumer:
            try:
                _show(AlertEvent.model_validate(json.loads(rec.value)), json_)
            except ValueError:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()

"""`newswatch dlq list|show|stats|replay`: the dead-letter topic, read and acted on."""

from __future__ import annotations

from datetime import datetime, timezone

import typer

from pipeline.cli.common import console, out, print_json, safe, settings

app = typer.Typer(no_args_is_help=True, help="Dead letters: what was rejected, why, and sending it back after a fix.")

STAGE = typer.Option(None, "--stage", help="produce, enrich, index or alert")
SINCE = typer.Option(None, "--since", help="ISO date or time (UTC unless given), or a duration back: 1h, 2d")
REASON = typer.Option(None, "--reason", help="only reasons containing this text")


def _since(value: str | None) -> datetime | None:
    from schemas.alerts import parse_duration

    if not value:
        return None
    try:
        return datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() - parse_duration(value), tz=timezone.utc)
    except ValueError:
        pass
    try:
        d = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is neither a date (2026-11-25T08:00) nor a duration (1h)") from exc
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


@app.command("list")
def list_(stage: str = STAGE, since: str = SINCE, reason: str = REASON,
          limit: int = typer.Option(50, "--limit", min=1), json_: bool = typer.Option(False, "--json")) -> None:
    """Dead letters, oldest first: reference, when, stage, reason, where from."""
    from pipeline.observe import dlq

    items = list(dlq.read(settings(), since=_since(since), stage=stage, reason=reason, limit=limit))
    if json_:
        print_json([dlq.describe(i) for i in items])
        return
    if not items:
        out.print("no dead letters match")
    for i in items:
        if i.letter is None:
            out.print(f"{i.ref:>10}  [red]not a dead letter[/red]")
            continue
        dl = i.letter
        out.print(f"{i.ref:>10}  {dl.failed_at:%Y-%m-%d %H:%M:%S}  {dl.stage:<7}  {safe(dl.reason[:120])}  "
                  f"[dim]{safe((dl.source or '')[:80])}{' (excerpt)' if dl.truncated else ''}[/dim]")


@app.command()
def show(ref: str = typer.Argument(..., help="PARTITION:OFFSET, as `dlq list` shows it"),
         json_: bool = typer.Option(False, "--json")) -> None:
    """One dead letter, whole (its payload too)."""
    from pipeline.observe import dlq

    items = list(dlq.read(settings(), refs={ref}, limit=1))
    if not items:
        console.print(f"[red]no dead letter {safe(ref)}[/red]")
        raise typer.Exit(1)
    data = dlq.describe(items[0])
    if json_:
        print_json(data)
        return
    for k, v in data.items():
        out.print(f"{k:>15}: {safe(str(v))}")


@app.command()
def stats(stage: str = STAGE, since: str = SINCE, reason: str = REASON, json_: bool = typer.Option(False, "--json")) -> None:
    """Counts by stage and by reason class."""
    from pipeline.observe import dlq

    result = dlq.summary(list(dlq.read(settings(), since=_since(since), stage=stage, reason=reason)))
    if json_:
        print_json(result)
        return
    out.print(f"[bold]{result['total']:,}[/bold] dead letter(s)")
    for k, v in sorted(result["by_reason"].items(), key=lambda kv: -kv[1]):
        out.print(f"  {k:<40} {v:>8,}")


@app.command()
def replay(
    stage: str = STAGE, since: str = SINCE, reason: str = REASON,
    ref: list[str] = typer.Option([], "--id", help="PARTITION:OFFSET (repeatable)"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Send dead letters back to the stage they failed at (after fixing the cause). Idempotent: an article
    replayed twice is still one document."""
    from pipeline.clients.kafka import ensure_topics, make_producer
    from pipeline.observe import dlq
    from producers.files import read_json_lines, read_txt
    from producers.publisher import ArticlePublisher
    from schemas import ValidationLimits

    s = settings()
    ensure_topics(s)
    producer = make_producer(s, client_id="newswatch-dlq-replay")
    publisher = ArticlePublisher(s, producer)
    sent: dict[str, int] = {}
    skipped: list[dict[str, str]] = []
    futures = []
    for item in dlq.read(s, since=_since(since), stage=stage, reason=reason, refs=set(ref) or None):
        target = dlq.replay_target(s, item.letter) if item.letter else "not a dead letter"
        if isinstance(target, str):
            skipped.append({"ref": item.ref, "why": target})
            continue
        topic, key, value = target
        if topic == "produce":  # through the publisher: validated again, dead-lettered again if still bad
            assert item.letter is not None
            text = value.decode("utf-8", "replace")
            origin = f"replay of {item.ref} ({item.letter.source or ''})"
            is_text = (item.letter.source or "").lower().endswith(".txt")
            limits = ValidationLimits(s.max_article_bytes)
            records = read_txt(origin, value, None) if is_text else read_json_lines(origin, [text], None, limits)
            for rec in records:
                publisher.send(rec)
        else:
            futures.append(producer.send(topic, key=key, value=value))
        sent[item.letter.stage if item.letter else "?"] = sent.get(item.letter.stage if item.letter else "?", 0) + 1
    summary = publisher.flush()
    failed = summary.failed + sum(1 for f in futures if f.failed())
    producer.close()
    result = {"replayed": sent, "skipped": skipped, "rejected_again": summary.rejected, "failed": failed}
    if json_:
        print_json(result)
    else:
        console.print(f"[green]replayed {sum(sent.values())}[/green] ({', '.join(f'{k} {v}' for k, v in sent.items()) or 'none'})"
                      + (f", [red]{summary.rejected} rejected again[/red]" if summary.rejected else "")
                      + (f", {len(skipped)} skipped" if skipped else ""))
        for sk in skipped[:20]:
            console.print(f"  skipped {safe(sk['ref'])}: {safe(sk['why'])}")
    if failed:
        raise typer.Exit(1)

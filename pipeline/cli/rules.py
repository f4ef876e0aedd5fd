"""`newswatch rules add|list|show|rm|test`: alert rules, stored in the compacted `alert-rules` topic."""

from __future__ import annotations

from typing import Any

import typer

from pipeline.cli.common import console, fail, out, print_json, safe, search_articles, settings

app = typer.Typer(no_args_is_help=True, help="Alert rules: the same query language as `newswatch search`.")


# AlertRule's fields as `rules add` spells them, for one-line errors
RULE_OPTIONS = {"name": "NAME", "query": "QUERY", "countries": "--country", "regions": "--region", "throttle_s": "--throttle",
                "webhooks": "--webhook", "files": "--file", "emails": "--email", "window_s": "--within/--window",
                "spike_factor": "--spike", "baseline_windows": "--baseline", "min_count": "--frequency/--min-count"}


@app.command()
def add(
    name: str = typer.Argument(..., help="letters, digits, . _ -"),
    query: str = typer.Argument(..., help="a query, as for `newswatch search`"),
    country: list[str] = typer.Option([], "--country", help="only articles tagged with this country (repeatable)"),
    region: list[str] = typer.Option([], "--region", help="only articles in this UN M49 region (repeatable)"),
    throttle: str = typer.Option(None, "--throttle", help="at most one notification per DURATION (30s, 5m, 1h); "
                                 "the rest arrive as a digest"),
    webhook: list[str] = typer.Option([], "--webhook", help="POST each alert as JSON here (repeatable); public "
                                      "addresses only, unless NEWSWATCH_ALERTS_ALLOW_TARGETS names the host"),
    file: list[str] = typer.Option([], "--file", help="append each alert as a JSON line to this file under the "
                                   "alerts folder, NEWSWATCH_ALERTS_DIR (repeatable)"),
    email: list[str] = typer.Option([], "--email", help="mail each alert here (repeatable)"),
    frequency: int = typer.Option(None, "--frequency", metavar="N", help="alert when N articles match within "
                                  "--within (instead of on every match)"),
    within: str = typer.Option(None, "--within", help="the frequency window: 30s, 10m, 1h"),
    spike: float = typer.Option(None, "--spike", metavar="FACTOR", help="alert when a --window has FACTOR times "
                                "the mean of the previous --baseline windows (and at least --min-count)"),
    window: str = typer.Option(None, "--window", help="the spike window: 10m, 1h"),
    once_per_story: bool = typer.Option(False, "--once-per-story", help="fire (or count) once per story: "
                                        "near-duplicates of an article already alerted on stay silent"),
    baseline: int = typer.Option(6, "--baseline", help="spike: how many previous windows make the mean"),
    min_count: int = typer.Option(3, "--min-count", help="spike: the least count that can fire"),
) -> None:
    """Add or replace a rule; every worker applies it within seconds, without a restart."""
    from pydantic import ValidationError

    from consumers.alerts.targets import Unresolvable, check_file, check_webhook, redact
    from pipeline.clients.rules_store import put_rule
    from pipeline.query import QuerySyntaxError
    from pipeline.query.rules import compile_rule
    from schemas.alerts import AlertRule, parse_duration

    s = settings()
    try:
        counting: dict[str, Any] = {}
        if frequency is not None:
            counting = {"kind": "frequency", "min_count": frequency, "window_s": parse_duration(within or "")}
        elif spike is not None:
            counting = {"kind": "spike", "spike_factor": spike, "window_s": parse_duration(window or ""),
                        "baseline_windows": baseline, "min_count": min_count}
        rule = AlertRule(name=name, query=query, countries=country, regions=region,
                         throttle_s=parse_duration(throttle) if throttle else None,
                         webhooks=webhook, files=file, emails=email, once_per_story=once_per_story, **counting)
        compile_rule(rule)
        for f in rule.files:
            check_file(f, s)
        for url in rule.webhooks:
            try:
                check_webhook(url, s)
            except Unresolvable as exc:  # checked again at every delivery
                console.print(f"[yellow]warning:[/yellow] {safe(str(exc))}; saved anyway")
    except QuerySyntaxError as exc:
        console.print(f"[red]query error:[/red] {safe(str(exc))}")
        raise typer.Exit(2) from exc
    except (ValidationError, ValueError) as exc:
        fail("invalid rule", exc, field=RULE_OPTIONS, redact=lambda text: _redacted(text, webhook, redact))
    put_rule(s, rule)
    console.print(f"[green]rule {name} saved[/green]: {safe(rule.full_query())}")


def _redacted(text: str, urls: list[str], redact: Any) -> str:
    for u in urls:
        text = text.replace(u, redact(u))
    return text


def _public(rule: Any) -> dict[str, Any]:
    """A rule as commands print it: webhook URLs redacted (their tokens live only in the rule)."""
    from consumers.alerts.targets import redact

    return rule.model_dump(mode="json") | {"webhooks": [redact(u) for u in rule.webhooks]}


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json")) -> None:
    """All rules."""
    from consumers.alerts.targets import redact
    from pipeline.clients.rules_store import load_rules

    bad: dict[str, str] = {}
    rules = load_rules(settings(), bad=bad)
    if json_:
        print_json([_public(r) for r in rules.values()] + [{"name": n, "invalid": why} for n, why in bad.items()])
        return
    if not rules and not bad:
        out.print("no rules")
    for n, why in bad.items():
        out.print(f"[red]{safe(n)}[/red]  not a usable rule: {safe(why)} (remove it with `newswatch rules rm {safe(n)}`)")
    for r in rules.values():
        channels = [*(f"webhook {redact(w)}" for w in r.webhooks), *(f"file {f}" for f in r.files),
                    *(f"email {e}" for e in r.emails)]
        out.print(f"[bold]{safe(r.name)}[/bold]  {safe(r.full_query())}  -> {safe(', '.join(channels) or 'terminal only')}"
                  + (f"  (throttle {r.throttle_s:g}s)" if r.throttle_s else ""))


@app.command()
def show(name: str, json_: bool = typer.Option(False, "--json")) -> None:
    """One rule, whole."""
    from pipeline.clients.rules_store import load_rules

    rule = load_rules(settings()).get(name)
    if rule is None:
        console.print(f"[red]no rule named {name!r}[/red]")
        raise typer.Exit(1)
    if json_:
        print_json(_public(rule))
    else:
        for k, v in _public(rule).items():
            out.print(f"{k:>11}: {safe(str(v))}")


@app.command()
def rm(name: str) -> None:
    """Remove a rule; workers stop firing it within seconds. Always writes the tombstone, so a record that
    is not a usable rule (as `rules list` shows it) can be removed too."""
    from pipeline.clients.rules_store import delete_rule, load_rules

    s = settings()
    bad: dict[str, str] = {}
    known = name in load_rules(s, bad=bad) or name in bad
    delete_rule(s, name)
    console.print(f"[green]rule {safe(name)} removed[/green]" if known else
                  f"[yellow]no rule named {safe(name)!r}[/yellow]; a tombstone was written anyway")


@app.command()
def test(
    name: str,
    limit: int = typer.Option(10, "--limit"),
    explain: bool = typer.Option(False, "--explain", help="for each hit, which terms matched and where"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Run the rule's query against what is already indexed."""
    from pipeline.clients.rules_store import load_rules
    from pipeline.query import QuerySyntaxError
    from pipeline.query.search import build_query, parse_response

    s = settings()
    rule = load_rules(s).get(name)
    if rule is None:
        console.print(f"[red]no rule named {name!r}[/red]")
        raise typer.Exit(1)
    try:
        body = build_query(rule.full_query(), limit=limit)
    except QuerySyntaxError as exc:  # a rule stored before today's limits
        console.print(f"[red]rule {safe(name)} no longer parses:[/red] {safe(str(exc))}")
        raise typer.Exit(2) from exc
    if explain:  # the whole article comes back, so the matcher can say where each term stands
        body["_source"] = True
    resp = search_articles(s, body)
    result = parse_response(resp)
    explained = _explain(rule.full_query(), resp) if explain else {}
    if json_:
        print_json(result.model_dump(mode="json") | ({"explain": explained} if explain else {}))
        return
    out.print(f"rule {safe(name)} would have fired for [bold]{result.total}[/bold] indexed article(s)")
    for h in result.hits:
        out.print(f"  {safe(h.id)}  {safe(h.title)}")
        for line in explained.get(h.id, []):
            where = "; ".join(f"{w['field']} words {w['first']}-{w['last']} ({w['words']})" for w in line["where"])
            out.print(f"      {'  ' * line['depth']}{'yes' if line['matched'] else 'no '}  {safe(line['term'])}"
                      + (f"  — {safe(where)}" if where else ""))


def _explain(query: str, resp: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per hit: every node of the query, whether it matched the article and where (the in-stream matcher's
    view of the same article: the query language means the same on both sides)."""
    from pipeline.query import parse
    from pipeline.query.explain import explain
    from pipeline.query.matcher import Doc

    node = parse(query)
    out: dict[str, list[dict[str, Any]]] = {}
    for h in resp.get("hits", {}).get("hits", []):
        lines = explain(node, Doc.from_article(h.get("_source") or {}))
        out[h["_id"]] = [{"depth": x.depth, "term": x.text, "matched": x.matched,
                          "where": [{"field": f, "first": a, "last": b, "words": w} for f, a, b, w in x.where]}
                         for x in lines]
    return out

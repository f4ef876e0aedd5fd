"""`newswatch rules add|list|show|rm|test`: alert rules, stored in the compacted `alert-rules` topic."""

from __future__ import annotations

import typer

from pipeline.cli.common import console, out, print_json, safe, search_articles, settings

app = typer.Typer(no_args_is_help=True, help="Alert rules: the same query language as `newswatch search`.")


@app.command()
def add(
    name: str = typer.Argument(..., help="letters, digits, . _ -"),
    query: str = typer.Argument(..., help="a query, as for `newswatch search`"),
    country: list[str] = typer.Option([], "--country", help="only articles tagged with this country (repeatable)"),
    region: list[str] = typer.Option([], "--region", help="only articles in this UN M49 region (repeatable)"),
    throttle: str = typer.Option(None, "--throttle", help="at most one notification per DURATION (30s, 5m, 1h); "
                                 "the rest arrive as a digest"),
    webhook: list[str] = typer.Option([], "--webhook", help="POST each alert as JSON here (repeatable)"),
    file: list[str] = typer.Option([], "--file", help="append each alert as a JSON line here (repeatable)"),
    email: list[str] = typer.Option([], "--email", help="mail each alert here (repeatable)"),
) -> None:
    """Add or replace a rule; every worker applies it within seconds, without a restart."""
    from pydantic import ValidationError

    from pipeline.query.rules import compile_rule
    from pipeline.query import QuerySyntaxError
    from pipeline.clients.rules_store import put_rule
    from schemas.alerts import AlertRule, parse_duration

    try:
        rule = AlertRule(name=name, query=query, countries=country, regions=region,
                         throttle_s=parse_duration(throttle) if throttle else None,
                         webhooks=webhook, files=file, emails=email)
        compile_rule(rule)
    except QuerySyntaxError as exc:
        console.print(f"[red]query error:[/red] {safe(str(exc))}")
        raise typer.Exit(2) from exc
    except (ValidationError, ValueError) as exc:
        console.print(f"[red]invalid rule:[/red] {safe(str(exc))}")
        raise typer.Exit(2) from exc
    put_rule(settings(), rule)
    console.print(f"[green]rule {name} saved[/green]: {safe(rule.full_query())}")


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json")) -> None:
    """All rules."""
    from pipeline.clients.rules_store import load_rules

    rules = load_rules(settings())
    if json_:
        print_json([r.model_dump(mode="json") for r in rules.values()])
        return
    if not rules:
        out.print("no rules")
    for r in rules.values():
        channels = [*(f"webhook {w}" for w in r.webhooks), *(f"file {f}" for f in r.files), *(f"email {e}" for e in r.emails)]
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
        print_json(rule.model_dump(mode="json"))
    else:
        for k, v in rule.model_dump(mode="json").items():
            out.print(f"{k:>11}: {safe(str(v))}")


@app.command()
def rm(name: str) -> None:
    """Remove a rule; workers stop firing it within seconds."""
    from pipeline.clients.rules_store import delete_rule, load_rules

    s = settings()
    if name not in load_rules(s):
        console.print(f"[red]no rule named {name!r}[/red]")
        raise typer.Exit(1)
    delete_rule(s, name)
    console.print(f"[green]rule {name} removed[/green]")


@app.command()
def test(
    name: str,
    limit: int = typer.Option(10, "--limit"),
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
    result = parse_response(search_articles(s, body))
    if json_:
        print_json(result.model_dump(mode="json"))
        return
    out.print(f"rule {safe(name)} would have fired for [bold]{result.total}[/bold] indexed article(s)")
    for h in result.hits:
        out.print(f"  {safe(h.id)}  {safe(h.title)}")

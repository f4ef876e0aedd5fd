"""`newswatch kibana export [--rules] [--out FILE]`, `newswatch kibana import [--url URL] [--file FILE] [--rules] [--json]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from pipeline.cli.common import console, out, print_json, safe, settings

app = typer.Typer(no_args_is_help=True, help="Kibana saved objects: data views, saved searches, the News monitor "
                  "dashboard and the places map, generated from the index mapping.")


def _objects(with_rules: bool) -> list[dict[str, Any]]:
    from deploy.kibana.saved_objects import build

    s = settings()
    rules: list[Any] = []
    if with_rules:
        from pipeline.clients.rules_store import load_rules

        bad: dict[str, str] = {}
        rules = list(load_rules(s, bad=bad).values())
        for name, why in bad.items():
            console.print(f"[yellow]rule {safe(name)} left out (not a usable rule):[/yellow] {safe(why)}")
    refused: dict[str, str] = {}
    objects = build(articles=s.es_alias, alerts=s.es_alerts_alias, rules=rules, refused=refused)
    for name, why in refused.items():
        console.print(f"[yellow]rule {safe(name)} left out:[/yellow] {safe(why)}")
    if with_rules:
        console.print(f"{len(rules) - len(refused)} of {len(rules)} rule(s) as saved searches")
    return objects


@app.command()
def export(
    rules: bool = typer.Option(False, "--rules", help="add a saved search per alert rule (reads the rules topic)"),
    out_file: Path = typer.Option(None, "--out", help="write here (default: standard output)"),
) -> None:
    """Write the saved objects as NDJSON, Kibana's import format (Kibana 8.8 to 9.x)."""
    from deploy.kibana.saved_objects import to_ndjson

    objects = _objects(rules)
    text = to_ndjson(objects)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    out_file.write_text(text, encoding="utf-8")
    console.print(f"[green]{len(objects)} saved objects written to {safe(str(out_file))}[/green]")


@app.command("import")
def import_(
    url: str = typer.Option(None, "--url", help="Kibana's base URL, with /s/SPACE for a space (default: "
                            "NEWSWATCH_KIBANA_URL)"),
    file: Path = typer.Option(None, "--file", help="an .ndjson file to send instead of the generated objects"),
    rules: bool = typer.Option(False, "--rules", help="add a saved search per alert rule (reads the rules topic)"),
    json_: bool = typer.Option(False, "--json", help="print JSON for scripts"),
) -> None:
    """Import into Kibana (overwrite=true: importing again replaces the same objects); prints what was created,
    overwritten or refused. Credentials: NEWSWATCH_KIBANA_API_KEY, or _USERNAME and _PASSWORD."""
    from deploy.kibana.saved_objects import to_ndjson
    from pipeline.clients.kibana import MAX_IMPORT_BYTES, KibanaError, describe_import, import_saved_objects

    s = settings()
    if file is not None:
        if file.suffix != ".ndjson":
            console.print("[red]Kibana imports only .ndjson files[/red]")
            raise typer.Exit(2)
        if file.stat().st_size > MAX_IMPORT_BYTES:
            console.print(f"[red]{safe(str(file))} is over Kibana's default import limit of {MAX_IMPORT_BYTES} bytes[/red]")
            raise typer.Exit(2)
        payload, name = file.read_bytes(), file.name
    else:
        payload, name = to_ndjson(_objects(rules)).encode("utf-8"), "newswatch.ndjson"
    try:
        result = describe_import(import_saved_objects(s, payload, url=url, filename=name))
    except KibanaError as exc:
        console.print(f"[red]{safe(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    if json_:
        print_json(result)
    else:
        for label, key in (("created", "created"), ("overwritten", "overwritten")):
            for o in result[key]:
                out.print(f"[green]{label}[/green]  {safe(str(o['type']))} {safe(str(o['id']))}  {safe(str(o['title'] or ''))}")
        for o in result["refused"]:
            out.print(f"[red]refused[/red]  {safe(str(o['type']))} {safe(str(o['id']))}: {safe(o['reason'])}")
        for w in result["warnings"]:
            out.print(f"[yellow]warning[/yellow]  {safe(w)}")
        out.print(f"{len(result['created'])} created, {len(result['overwritten'])} overwritten, "
                  f"{len(result['refused'])} refused")
    if result["refused"] or not result["success"]:
        raise typer.Exit(1)

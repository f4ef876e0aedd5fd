"""`newswatch search QUERY [--country CC] [--region NAME] [--since ISO-DATE] [--limit N] [--collapse] [--json]`."""

from __future__ import annotations

from datetime import datetime

import typer

from pipeline.cli.common import console, out, print_json, safe, search_articles, settings


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from exc


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        query: str = typer.Argument(..., help='words, "phrases", AND/OR/NOT/-term, (), missil*, field:value; * for all'),
        country: str = typer.Option(None, "--country", help="ISO 3166-1 alpha-2 code, e.g. UA"),
        region: str = typer.Option(None, "--region", help='UN M49 region, e.g. "Eastern Europe"'),
        since: str = typer.Option(None, "--since", help="ISO date: published on or after"),
        limit: int = typer.Option(10, "--limit", min=0, max=10_000),
        json_: bool = typer.Option(False, "--json", help="print JSON for scripts"),
        collapse: bool = typer.Option(False, "--collapse", help="one hit per story (near-duplicates folded)"),
    ) -> None:
        """Ranked articles with highlights, and the top countries, regions and organisations."""
        from pipeline.query.search import build_query, parse_response

        from pipeline.query import QuerySyntaxError

        s = settings()
        try:
            body = build_query(query, country=country, region=region, since=_since(since), limit=limit,
                               collapse=collapse)
        except QuerySyntaxError as exc:
            console.print(f"[red]query error:[/red] {safe(str(exc))}")
            raise typer.Exit(2) from exc
        result = parse_response(search_articles(s, body))
        if json_:
            print_json(result.model_dump(mode="json"))
            return
        stories = f" in {result.stories} stor{'y' if result.stories == 1 else 'ies'}" if result.stories is not None else ""
        out.print(f"[bold]{result.total}[/bold] article(s){stories} match {safe(query)!r}")
        for i, h in enumerate(result.hits, 1):
            out.print(f"\n[bold cyan]{i}. {safe(h.title)}[/bold cyan]  [dim]{safe(h.id)} score {h.score or 0:.2f}[/dim]")
            if h.url:
                out.print(f"   [blue]{safe(h.url)}[/blue]")
            if h.published_at:
                out.print(f"   published {h.published_at}")
            if h.story_articles and h.story_articles > 1:
                out.print(f"   and {h.story_articles - 1} more article(s) of this story (search without --collapse)")
            out.print(f"   countries: {', '.join(h.countries) or '-'}   regions: {', '.join(h.regions) or '-'}")
            out.print(f"   organisations: {safe(', '.join(h.organizations[:8])) or '-'}")
            fragments = [f for f in h.highlights if f.replace("<em>", "").replace("</em>", "") != h.title]
            for frag in fragments[:3]:
                text = safe(frag.replace("\n", " ")).replace("<em>", "[bold yellow]").replace("</em>", "[/bold yellow]")
                out.print(f"   … {text} …")
        for name, buckets in result.facets.items():
            if buckets:
                out.print(f"\n[bold]{name}[/bold]: " + ", ".join(f"{safe(str(k))} ({n})" for k, n in buckets))

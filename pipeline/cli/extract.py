"""`newswatch extract`: offline page extraction, JSON lines in, JSON lines out, the poller's own code."""

from __future__ import annotations

import sys

import typer

from pipeline.cli.common import console, print_json, settings


def register(app: typer.Typer) -> None:
    @app.command()
    def extract() -> None:
        """Pages {"id", "html", "url"} (JSON lines) on stdin -> {"id", "text", "title", "published_at",
        "author", "url"} on stdout (url: the page's canonical URL); unreadable lines on stderr."""
        from producers.feeds.extract import extract as extract_page
        from schemas.untrusted import UntrustedJSONError, loads

        max_bytes = settings().feeds_max_decoded_bytes + 65_536  # a page as the poller accepts it, and its JSON
        ok = bad = 0
        for n, line in enumerate(sys.stdin.buffer, 1):
            if not line.strip():
                continue
            try:
                rec = loads(line, max_bytes=max_bytes)
                if not isinstance(rec, dict) or not isinstance(rec.get("html"), str):
                    raise UntrustedJSONError('not an object with an "html" string')
                url = rec["url"] if isinstance(rec.get("url"), str) and rec["url"] else "http://localhost/"
                page = extract_page(rec["html"], url)
            except Exception as exc:  # noqa: BLE001 - one bad line is reported, the rest flow
                console.print(f"[red]rejected[/red] line {n}: {type(exc).__name__}: {str(exc)[:300]}")
                bad += 1
                continue
            print_json({"id": rec.get("id"), "text": page.text, "title": page.title,
                        "published_at": page.published_at.isoformat() if page.published_at else None,
                        "author": page.author, "url": page.url})
            ok += 1
        console.print(f"extracted {ok}, rejected {bad}")
        if bad and not ok:
            raise typer.Exit(1)

"""`newswatch console [--host H] [--port N]`: the analyst console (pipeline/console) in a browser."""

from __future__ import annotations

import typer

from pipeline.cli.common import console, safe, settings


def register(app: typer.Typer) -> None:
    @app.command("console")
    def console_(
        host: str = typer.Option(None, "--host", help="address to listen on (default NEWSWATCH_CONSOLE_HOST, "
                                 "127.0.0.1); any other than loopback needs NEWSWATCH_CONSOLE_TOKEN"),
        port: int = typer.Option(None, "--port", min=0, max=65535, help="default NEWSWATCH_CONSOLE_PORT, 8600"),
    ) -> None:
        """Search, map, stories, the live stream, rules, alerts and health in a browser."""
        import uvicorn

        from pipeline.console.app import create_app
        from pipeline.console.security import ConsoleRefused, check_bind

        s = settings()
        s = s.model_copy(update={k: v for k, v in (("console_host", host), ("console_port", port)) if v is not None})
        try:
            check_bind(s.console_host, s.console_token.get_secret_value() if s.console_token else None)
        except ConsoleRefused as exc:
            console.print(f"[red]console:[/red] {safe(str(exc))}")
            raise typer.Exit(2) from exc
        shown = f"[{s.console_host}]" if ":" in s.console_host else s.console_host
        console.print(f"[green]console[/green] on http://{shown}:{s.console_port}/")
        uvicorn.run(create_app(s), host=s.console_host, port=s.console_port, log_level="warning",
                    access_log=False, proxy_headers=False, server_header=False, timeout_graceful_shutdown=3)

"""The console's application factory: one Starlette app, one module per page, the security middleware
around all of it. Starlette (not FastAPI): the pages are HTML forms and links, not a JSON API, so the
small core with Jinja2 templates and streaming responses (SSE) is all that is needed."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from pipeline.console.backend import Backend
from pipeline.console.security import SecurityMiddleware, csrf_token
from pipeline.settings import Settings

HERE = Path(__file__).parent
log = logging.getLogger("newswatch.console")


@dataclass
class Console:
    """What every page shares: settings, the Elasticsearch backend, the templates, the live hub."""

    s: Settings
    backend: Backend
    templates: Environment
    hub: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def render(self, request: Request, name: str, *, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(
            request=request, csrf=csrf_token(request), path=request.url.path, **values)
        return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})


def safe_url(url: Any) -> str | None:
    """Only http(s) links leave the console: a `javascript:` or `data:` URL from a feed is not a link."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    return u if re.match(r"(?i)^https?://[^\s\"'<>]+$", u) and len(u) <= 4096 else None


_MARK = re.compile(r"<em>(.*?)</em>", re.DOTALL)


def highlight(fragment: Any) -> Markup:
    """An Elasticsearch highlight (raw article text with <em> around matches) as safe HTML: every piece
    escaped, only our own <mark> added."""
    text = str(fragment or "")
    out, last = [], 0
    for m in _MARK.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<mark>") + escape(m.group(1)) + Markup("</mark>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def short_time(value: Any) -> str:
    if not value:
        return ""
    text = str(value)
    return text[:16].replace("T", " ") if len(text) >= 16 else text


def templates() -> Environment:
    # compiled once: the package's templates do not change under a running console (no mtime checks)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False, cache_size=-1)
    env.filters["highlight"] = highlight
    env.filters["safe_url"] = safe_url
    env.filters["short_time"] = short_time
    from pipeline.console.geo import country_name

    env.filters["country_name"] = country_name
    return env


def create_app(s: Settings, *, live: bool = True) -> Starlette:
    from pipeline.console import alerts, health, live as live_page, pages, rules

    ctx = Console(s=s, backend=Backend(s), templates=templates())
    ctx.hub = live_page.LiveHub(s) if live else None
    routes: list[Any] = [
        *pages.routes(ctx), *live_page.routes(ctx), *rules.routes(ctx), *alerts.routes(ctx), *health.routes(ctx),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return ctx.render(request, "error.html", status_code=404, message="There is no such page.")

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("console page failed: %s", request.url.path, exc_info=exc)
        return ctx.render(request, "error.html", status_code=500,
                          message=f"The page failed ({type(exc).__name__}); the console keeps serving. See its log.")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if ctx.hub is not None:
            ctx.hub.start()
        yield
        if ctx.hub is not None:
            await ctx.hub.stop()

    app = Starlette(routes=routes, exception_handlers={404: not_found, 500: server_error, Exception: server_error},
                    lifespan=lifespan)
    app.state.console = ctx
    token = s.console_token.get_secret_value() if s.console_token else None
    return SecurityMiddleware(app, token=token)  # type: ignore[return-value]

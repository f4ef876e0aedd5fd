"""What keeps a page of untrusted internet text safe to open: strict headers (CSP without inline script,
no framing), an anti-forgery token on every POST, and an access token whenever the console listens
beyond the loopback interface."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

CSRF_COOKIE = "nw_csrf"
CSRF_FIELD = "csrf_token"
AUTH_COOKIE = "nw_auth"
MAX_FORM_BYTES = 256 * 1024  # a rule form is a few kilobytes; anything larger is refused before parsing

# No inline script or style anywhere: every script and style sheet is a file under /static.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no-referrer would make the browser send `Origin: null` on our own forms
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class ConsoleRefused(RuntimeError):
    """The console will not start as configured; the message says why and what to set."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Binding beyond 127.0.0.1 serves the pipeline's data and its rule actions to a network: only with a token."""
    if not is_loopback(host) and not token:
        raise ConsoleRefused(
            f"refusing to listen on {host}: beyond the loopback interface the console needs an access token "
            "(set NEWSWATCH_CONSOLE_TOKEN, then open http://HOST:PORT/?token=... once)")
    if token is not None and len(token) < 16:
        raise ConsoleRefused("NEWSWATCH_CONSOLE_TOKEN is too short: use at least 16 random characters")


def csrf_token(request: Request) -> str:
    """The page's anti-forgery token: the cookie's value (set by the middleware on the first visit)."""
    return str(request.scope.get("nw_csrf", ""))


class SecurityMiddleware:
    """Pure ASGI (streaming responses such as the Live page's SSE pass through untouched)."""

    def __init__(self, app: ASGIApp, *, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        set_cookies: list[str] = []
        # access token: ?token= once (then a cookie), or an Authorization: Bearer header
        if self.token is not None and not scope["path"].startswith("/static/"):
            given = request.query_params.get("token") or request.cookies.get(AUTH_COOKIE) or \
                request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _plain(403, "an access token is needed: open the console's address with ?token=...")(scope, receive, send)
                return
            if request.query_params.get("token"):
                set_cookies.append(f"{AUTH_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict")
                # the token leaves the address bar (and the history) at once
                clean = request.url.remove_query_params("token")
                resp: Response = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), status_code=303)
                await _with_headers(resp, set_cookies)(scope, receive, send)
                return
        csrf = request.cookies.get(CSRF_COOKIE) or ""
        if len(csrf) != 43:  # token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            set_cookies.append(f"{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict")
        scope["nw_csrf"] = csrf
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            refusal = await _check_post(scope, receive, request, csrf)
            if refusal is not None:
                await _with_headers(refusal, set_cookies)(scope, receive, send)
                return
            receive = _replay(scope)

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                headers += [(b"set-cookie", c.encode()) for c in set_cookies]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _check_post(scope: Scope, receive: Receive, request: Request, csrf: str) -> Response | None:
    """A mutating request must come from our own page: same origin (when the browser says) and the form's
    token equal to the cookie's (a cross-site form can send the cookie but cannot read it)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            return _plain(403, "refused: a request from another site")
    elif origin == "null":
        return _plain(403, "refused: a request from an opaque origin")
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > MAX_FORM_BYTES:
            return _plain(413, "refused: the form is too large")
    scope["nw_body"] = body
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qs

        sent = (parse_qs(body.decode("utf-8", "replace"), max_num_fields=200).get(CSRF_FIELD) or [""])[0]
    if not sent or not csrf or not hmac.compare_digest(sent.encode(), csrf.encode()):
        return _plain(403, "refused: the anti-forgery token is missing or wrong (reload the page and try again)")
    return None


def _replay(scope: Scope) -> Receive:
    """The body we read for the check, handed to the endpoint again."""
    body = scope.pop("nw_body", b"")
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _plain(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers=HEADERS)


def _with_headers(resp: Response, cookies: list[str]) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    for k, v in HEADERS.items():
        resp.headers[k] = v
    for c in cookies:
        resp.raw_headers.append((b"set-cookie", c.encode()))
    return resp

"""One bounded HTTP GET: the open internet decides what it sends, we decide how much we take.

Every fetch has a total deadline (not a per-read timeout, which a server sending one byte at a time resets
forever), a cap on the bytes on the wire and a cap on the bytes after decompression (1 MB of gzip can
be gigabytes of zeros), and holds its host's slot only while it runs.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

import httpx

from pipeline.settings import Settings


@dataclass(frozen=True)
class FetchLimits:
    per_host: int = 2  # concurrent requests to one host
    deadline_s: float = 15.0  # the whole fetch: connect, headers and body
    max_download_bytes: int = 16 * 1024 * 1024  # on the wire (compressed)
    max_decoded_bytes: int = 32 * 1024 * 1024  # after decompression
    max_items: int = 500  # items taken from one feed document: the newest, in document order
    max_backoff_s: float = 3600.0
    user_agent: str = "newswatch"

    @classmethod
    def from_settings(cls, s: Settings) -> FetchLimits:
        return cls(per_host=s.feeds_per_host, deadline_s=s.feeds_timeout_s, max_download_bytes=s.feeds_max_download_bytes,
                   max_decoded_bytes=s.feeds_max_decoded_bytes, max_items=s.feeds_max_items,
                   max_backoff_s=s.feeds_max_backoff_s, user_agent=s.feeds_user_agent)


class FetchError(Exception):
    """A fetch that produced no usable body; the message is what `feeds status` shows."""


@dataclass(frozen=True)
class Fetched:
    status: int
    url: str
    headers: httpx.Headers
    content: bytes
    charset: str | None

    def text(self) -> str:
        try:
            return self.content.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # a charset name Python does not know
            return self.content.decode("utf-8", errors="replace")


class Fetcher:
    def __init__(self, client: httpx.AsyncClient, limits: FetchLimits) -> None:
        self.client = client
        self.limits = limits
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(limits.per_host))

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """The response (a 304 has an empty body); FetchError for HTTP errors, timeouts and oversize bodies."""
        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, ValueError) as exc:
            raise FetchError(f"invalid URL: {exc}") from exc
        async with self._hosts[host]:
            try:
                async with asyncio.timeout(self.limits.deadline_s):
                    return await self._get(url, headers or {})
            except TimeoutError as exc:
                raise FetchError(f"timeout (no complete response within {self.limits.deadline_s:g}s)") from exc
            except httpx.HTTPError as exc:
                raise FetchError(describe(exc)) from exc
            except ValueError as exc:  # httpx refuses some URLs (a port out of range) only when it sends
                raise FetchError(f"invalid URL: {exc}") from exc

    async def _get(self, url: str, headers: dict[str, str]) -> Fetched:
        lim = self.limits
        async with self.client.stream("GET", url, headers=headers) as resp:
            if resp.status_code >= 400:
                raise FetchError(f"HTTP {resp.status_code}")
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > lim.max_download_bytes:
                raise FetchError(f"response too large: {int(declared)} bytes declared, limit {lim.max_download_bytes}")
            body = bytearray()
            async for chunk in resp.aiter_bytes():
                body += chunk
                if resp.num_bytes_downloaded > lim.max_download_bytes:
                    raise FetchError(f"response too large: over {lim.max_download_bytes} bytes on the wire")
                if len(body) > lim.max_decoded_bytes:
                    raise FetchError(f"response too large: over {lim.max_decoded_bytes} bytes once decompressed")
            return Fetched(resp.status_code, str(resp.url), resp.headers, bytes(body), resp.charset_encoding)


def describe(exc: BaseException) -> str:
    if isinstance(exc, FetchError):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"

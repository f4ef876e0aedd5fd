"""A local news site for feed tests and benchmarks: feeds in every dialect, article pages with navigation around
the text, and the misbehaviours a poller meets (redirects, 304, 404, 500, a page that never answers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NAV = "Home | World | Business | Sport | Subscribe now for unlimited access"
CITIES = ["Nairobi", "Lima", "Hanoi", "Oslo", "Accra", "Quito", "Dhaka", "Riga", "Tunis", "Manila"]


def page_text(n: int) -> str:
    city = CITIES[n % len(CITIES)]
    return (f"Officials in {city} announced plan number {n} on Tuesday, saying the measures would take effect "
            f"next month after a long consultation with residents and businesses. "
            f"The ministry said story {n} marked the largest investment in public transport in a decade, "
            f"with new bus lanes, a renewed rail link and lower fares for students and pensioners. "
            f"Critics argued that the timetable for project {n} was too ambitious and warned about rising costs, "
            f"while supporters said the city could not afford to wait any longer.")


def page_html(n: int, host: str, canonical: bool = True) -> str:
    link = f'<link rel="canonical" href="http://{host}/news/{n}">' if canonical else ""
    paras = "".join(f"<p>{s.strip()}.</p>" for s in page_text(n).split(". ") if s.strip())
    return (f"<html><head><title>Story {n}</title>{link}</head><body><header><nav>{NAV}</nav></header>"
            f"<main><article><h1>Story {n}</h1>{paras}</article></main>"
            f"<aside>Most read: celebrity gossip, weather, horoscopes</aside><footer>© Example News</footer></body></html>")


PAYWALL = "Subscribe to continue reading. Already a subscriber? Sign in."
COOKIES = ("We value your privacy. We and our partners use cookies and similar technologies to store and access "
           "information on your device. Accept all cookies or manage your privacy preferences. Accept all. "
           "Manage options.")
PUBLISHED = "2024-03-05T08:30:00+00:00"
AUTHOR = "Ada Reporter"


def paywall_html(n: int, host: str) -> str:
    """A paywalled article: the headline, a teaser sentence, the wall (and schema.org's paywall markup)."""
    teaser = page_text(n).split(". ")[0] + "."
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false, '
          f'"headline": "Story {n}"}}</script>')
    return (f"<html><head><title>Story {n}</title>{ld}</head><body><header><nav>{NAV}</nav></header>"
            f"<main><article><h1>Story {n}</h1><p>{teaser}</p><div class=\"paywall\"><p>{PAYWALL}</p></div>"
            f"</article></main><footer>© Example News</footer></body></html>")


def cookiewall_html(n: int, host: str) -> str:
    """A consent wall in place of the article (what a poller without cookies gets from many sites)."""
    return (f"<html><head><title>Before you continue</title></head><body><div class=\"consent\"><h2>Before you "
            f"continue</h2><p>{COOKIES}</p><button>Accept all</button><button>Reject all</button></div></body></html>")


def dated_html(n: int, host: str) -> str:
    """The article page with its publication time and author in the page's metadata."""
    meta = (f'<meta property="article:published_time" content="{PUBLISHED}">'
            f'<meta name="author" content="{AUTHOR}">')
    return page_html(n, host).replace("</title>", f"</title>{meta}", 1)


def rss2(items: list[int], host: str, tracking: bool = True) -> str:
    entries = "".join(
        f"<item><title>Story {n}</title><link>http://{host}/pages/{n}{'?utm_source=rss&amp;utm_medium=feed' if tracking else ''}"
        f"</link><guid isPermaLink=\"false\">story-{n}</guid><description>Teaser {n}</description>"
        f"<pubDate>{formatdate(1_700_000_000 + n * 60, usegmt=True)}</pubDate></item>" for n in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>{entries}</channel></rss>'


def atom(items: list[int], host: str) -> str:
    entries = "".join(
        f"<entry><title>Story {n}</title><link href=\"http://{host}/pages/{n}\"/><id>urn:story:{n}</id>"
        f"<updated>2024-01-0{1 + n % 9}T10:00:00Z</updated><summary>Teaser {n}</summary></entry>" for n in items)
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{entries}</feed>'


def rss1(items: list[int], host: str) -> str:
    entries = "".join(
        f'<item rdf:about="http://{host}/pages/{n}"><title>Story {n}</title><link>http://{host}/pages/{n}</link>'
        f"<description>Teaser {n}</description></item>" for n in items)
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>R</title></channel>{entries}</rdf:RDF>')


def undated(items: list[int], host: str) -> str:
    """RSS 2.0 whose items carry no dates (the page's own date must do)."""
    import re

    return re.sub(r"<pubDate>[^<]*</pubDate>", "", rss2(items, host, tracking=False))


def broken(items: list[int], host: str) -> str:
    # an unescaped ampersand and an unclosed channel: not XML, still a feed to feedparser
    return rss2(items, host, tracking=False).replace("<title>Example</title>", "<title>Fish & Chips</title>").replace(
        "</channel></rss>", "")


def hostile_rss(host: str, bad: str, good: int) -> str:
    """A feed of two items: one hostile (`bad`: "port", "huge"), one good."""
    if bad == "port":
        item = f"<item><title>Bad port</title><link>http://{host.split(':')[0]}:99999/x</link></item>"
    else:
        item = f"<item><title>Huge</title><link>http://{host}/missing/huge</link><description>{'word ' * HUGE_WORDS}</description></item>"
    return rss2([good], host, tracking=False).replace("<channel><title>Example</title>", f"<channel><title>H</title>{item}")


HUGE_WORDS = 1_200_000  # 6 MB: over the default article limit, under the feed response limits


def gzip_bomb(decoded_bytes: int = 256 * 1024 * 1024) -> bytes:
    """A feed that is a few hundred KB on the wire and `decoded_bytes` once decompressed."""
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    parts = [z.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')]
    block = b" " * (1 << 20)
    parts += [z.compress(block) for _ in range(decoded_bytes >> 20)]
    parts.append(z.flush())
    return b"".join(parts)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up (a poller's deadline, a size limit) are the point of the hostile paths


class FeedSite:
    """Paths: the feeds in `feeds`, /pages/N, the misbehaviours above, and the hostile ones: /hostile/port.xml
    and /hostile/huge.xml (one bad item beside a good one), /hostile/bomb.xml (a gzip bomb) and
    /hostile/trickle.xml (one byte every 0.1 s, forever)."""

    def __init__(self) -> None:
        self.feeds: dict[str, tuple[str, list[int]]] = {}  # path -> (kind, item numbers)
        self.hits: dict[str, int] = {}
        self.slow: set[str] = set()  # paths that never answer within a test's timeout
        self.pages: dict[int, str] = {}  # item number -> "paywall", "cookiewall" or "dated" (else a plain page)
        self._bomb: bytes | None = None
        self._closed = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                site.hits[path] = site.hits.get(path, 0) + 1
                if path in site.slow:
                    time.sleep(5)
                if path == "/redirect.xml":
                    return self._send(301, b"", {"Location": "/rss2.xml"})
                if path == "/missing.xml":
                    return self._send(404, b"not found")
                if path == "/error.xml":
                    return self._send(500, b"boom")
                if path in ("/hostile/port.xml", "/hostile/huge.xml"):
                    body = hostile_rss(site.host, path[9:-4], 901 if "port" in path else 902).encode()
                    return self._send(200, body, {"Content-Type": "application/xml"})
                if path == "/hostile/bomb.xml":
                    site._bomb = site._bomb or gzip_bomb()
                    return self._send(200, site._bomb, {"Content-Type": "application/xml", "Content-Encoding": "gzip"})
                if path == "/hostile/trickle.xml":
                    return self._trickle()
                if path.startswith("/pages/"):
                    n = int(path.rsplit("/", 1)[1])
                    make = {"paywall": paywall_html, "cookiewall": cookiewall_html, "dated": dated_html}.get(
                        site.pages.get(n, ""), page_html)
                    return self._send(200, make(n, site.host).encode(), {"Content-Type": "text/html; charset=utf-8"})
                if path in site.feeds:
                    kind, items = site.feeds[path]
                    render: dict[str, Callable[..., str]] = {"rss2": rss2, "atom": atom, "rss1": rss1, "broken": broken,
                                                                  "undated": undated}
                    body = render[kind](items, site.host).encode()
                    etag = f'"{hash((kind, tuple(items))) & 0xFFFFFFFF:x}"'
                    if self.headers.get("If-None-Match") == etag:
                        return self._send(304, b"", {"ETag": etag})
                    return self._send(200, body, {"Content-Type": "application/xml", "ETag": etag})
                return self._send(404, b"no such page")

            def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _trickle(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                try:
                    while not site._closed.wait(0.1):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:  # the client gave up: what it should do
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def close(self) -> None:
        self._closed.set()
        self.server.shutdown()

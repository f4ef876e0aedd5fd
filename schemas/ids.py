"""Stable article ids: the same article sent twice must become the same Elasticsearch document."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that identify a click, not a document.
_TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_hsenc|_hsmi|"
    r"mkt_tok|ref|ref_src|cmpid|ocid|smid|sr_share|at_medium|at_campaign|ncid|taid|cid)$",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters, sort the rest."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k))
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def article_id(*, url: str | None, source: str | None, title: str, body: str) -> str:
    """16 hex digits: from the canonical URL when there is one, else from source, title and body."""
    if url:
        key = "url\x1f" + canonical_url(url)
    else:
        def norm(s: str) -> str:
            return _WS.sub(" ", s).strip().casefold()

        key = "text\x1f" + "\x1f".join((norm(source or ""), norm(title), norm(body)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

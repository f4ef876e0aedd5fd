"""Where an alert may go: a rule is written by a person, but it makes this host send requests and write
files, so every target is checked when the rule is added and again when an alert is sent.

- Webhooks go to public addresses only: loopback, private, link-local (cloud metadata at
  169.254.169.254), unique-local, shared, reserved and unspecified addresses are refused, however the
  host is written (a name, a decimal or IPv4-mapped address), unless `NEWSWATCH_ALERTS_ALLOW_TARGETS`
  names the host or its network. Our own Kafka and Elasticsearch are refused even then. The address is
  resolved and checked at send time, and the request goes to the address that was checked (no second
  lookup for a rebinding name to change), with no redirects.
- Files are written only under the alerts folder (`NEWSWATCH_ALERTS_DIR`).
- A webhook URL often holds a token (in its path, query or user part): it is shown and stored only as
  `redact(url)`; the real URL lives in the rule alone.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_NAMES = {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}


class UnsafeTarget(ValueError):
    """A channel target this host must not send to or write."""


class Unresolvable(UnsafeTarget):
    """The host does not resolve (now): at send time a failed delivery, at `rules add` a warning."""


@dataclass(frozen=True)
class Resolved:
    """A webhook URL checked for sending: connect to `address`, present `host` (Host header, TLS SNI)."""

    url: str
    host: str
    address: str
    port: int


def redact(url: str) -> str:
    """scheme://host[:port]/… plus a short hash that tells two URLs apart without revealing either."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        host = f"[{host}]" if ":" in host else host
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"<invalid URL #{_short_hash(url)}>"
    hidden = bool(parts.path not in ("", "/") or parts.query or parts.username or parts.password or parts.fragment)
    return f"{parts.scheme}://{host}{port}/" + (f"…#{_short_hash(url)}" if hidden else "")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def check_webhook(url: str, s: Settings, *, resolve: bool = True) -> Resolved:
    """The URL, checked; raises UnsafeTarget with a reason a person can act on."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget(f"webhook {redact(url)} is not a valid URL: {exc}") from exc
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeTarget(f"webhook {redact(url)} is not an absolute http(s) URL")
    allowed = _allowed(host, s)
    if host in METADATA_NAMES and not allowed:
        raise UnsafeTarget(f"webhook {redact(url)}: {host} is a cloud metadata service")
    addresses = _addresses(host, port) if resolve else []
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        ip = ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip
        if (str(ip), port) in _own_servers(s):
            raise UnsafeTarget(f"webhook {redact(url)} points at newswatch's own Kafka or Elasticsearch")
        if not ip.is_global and not (allowed or _allowed(str(ip), s, ip)):
            raise UnsafeTarget(f"webhook {redact(url)} resolves to {ip}, a {_kind(ip)} address; allow it with "
                               "NEWSWATCH_ALERTS_ALLOW_TARGETS if it is meant")
    return Resolved(url, host, addresses[0] if addresses else host, port)


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"webhook host {host!r} does not resolve: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _kind(ip: IPAddress) -> str:
    for name in ("unspecified", "loopback", "link_local", "private", "multicast", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    return "non-public"


def _allowed(host: str, s: Settings, ip: IPAddress | None = None) -> bool:
    for entry in s.alerts_allowed_targets:
        if entry.lower() == host:
            return True
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _own_servers(s: Settings) -> set[tuple[str, int]]:
    """(address, port) of the Kafka brokers and Elasticsearch this process is configured with."""
    out: set[tuple[str, int]] = set()
    targets = [s.es_url, *(f"kafka://{b}" for b in s.kafka_brokers)]
    for t in targets:
        try:
            parts = urlsplit(t)
            host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 9200)
        except ValueError:
            continue
        if host:
            try:
                out |= {(str(ipaddress.ip_address(a.split("%")[0])), port) for a in _addresses(host, port)}
            except Unresolvable:
                continue
    return out


def check_file(path: str, s: Settings) -> Path:
    """The file, inside the alerts folder (a relative path is taken from there); raises UnsafeTarget."""
    root = s.alerts_folder.resolve()
    p = Path(path).expanduser()
    resolved = (p if p.is_absolute() else root / p).resolve()
    if resolved != root and root not in resolved.parents:
        raise UnsafeTarget(f"file {path!r} is outside the alerts folder {root} (NEWSWATCH_ALERTS_DIR)")
    if resolved == root:
        raise UnsafeTarget(f"file {path!r} is the alerts folder itself")
    return resolved

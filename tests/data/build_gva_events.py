"""Build a second event clustering set, of one kind of event only: local news of gun violence in the
United States, each article filed under the Gun Violence Archive incident it reports.

Run from the checkout with the source's git directory fetched (as the search tool's fetch leaves it):
`python tests/data/build_gva_events.py /path/to/cltl+LongTailQATask/repo > .newswatch/events-gva.jsonl`
then `newswatch eval .newswatch/events-gva.jsonl`. The file is not committed: the repository carries no
licence for the texts, which stay their publishers'.

Why this set: `events-newscluster.jsonl` holds events of many kinds (an election, a missile test, a
merger), so few wrong links are tempting. Here every article is a shooting, written in the same words
("shot", "police", "wounded", "suspect"), often in the same city and on the same day, and only who, where
and when tell two incidents apart: the hardest case for event clustering, as in held-out sets that pair
each event with another of its kind.

Source: the documents of SemEval-2018 Task 5 ("Counting Events and Participants in the Long Tail",
Postma, Ilievski & Vossen, SemEval 2018), GitHub `cltl/LongTailQATask`, folder
`EventRegistries/GunViolenceArchive/the_violent_corpus/<incident>/<md5>.json`: each file a pickled
`NewsItem` (title, content, dct: the publication date, uri: the archive.org copy). Read with an
unpickler that builds only that class and dates (a pickle can run any code; nothing else loads), one
blob at a time and at most 1 MB each.

Derived: `id` = `gva-` + the file's md5 name; `title`; `body` = the content without its title line (and
the "× " some crawls put before it), cut to its first 1,500 characters at a sentence end, as the other
set; `url` = the original address inside the archive's; `source` = its host; `published_at` = the date
at noon UTC; `language` = `en`; `gold_event` = the incident number; incidents with two articles or
more only (a lone article scores right whatever is done with it); `split` by a SHA-1 of the incident
(even: `dev`).
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CORPUS = "EventRegistries/GunViolenceArchive/the_violent_corpus/"
MAX_BLOB = 1 << 20
BODY_CHARS = 1500


class NewsItem:
    """The source's record class, rebuilt attribute by attribute (its `__dict__` from the pickle)."""

    title: str = ""
    content: str = ""
    dct: Any = None
    id: str | None = None
    uri: str = ""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("classes", "NewsItem"):
            return NewsItem
        if (module, name) in (("datetime", "date"), ("datetime", "datetime")):
            return date if name == "date" else datetime
        raise pickle.UnpicklingError(f"refused: {module}.{name}")


def _blobs(repo: Path) -> list[tuple[str, str, bytes]]:
    """(incident, md5, pickled bytes) for every file of the corpus, through one `git cat-file --batch`."""
    listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-l", "HEAD", CORPUS],  # noqa: S607 - a dev-time builder
                             check=True, capture_output=True, text=True).stdout
    entries = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        _mode, _kind, sha, size = meta.split()
        parts = path[len(CORPUS):].split("/")
        if len(parts) == 2 and parts[1].endswith(".json") and size.isdigit() and int(size) <= MAX_BLOB:
            entries.append((parts[0], parts[1][:-5], sha))
    proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE,  # noqa: S607
                            stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    out = []
    for incident, md5, sha in entries:
        proc.stdin.write(sha.encode() + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        n = int(header[2])
        data = proc.stdout.read(n)
        proc.stdout.read(1)  # the newline after each object
        out.append((incident, md5, data))
    proc.stdin.close()
    proc.wait()
    return out


def _original(uri: str) -> str:
    """The address the archive copied ("http://web.archive.org/web/2015.../http://q13fox.com/...")."""
    m = re.match(r"^https?://web\.archive\.org/web/[^/]+/(.+)$", uri)
    return m.group(1) if m else uri


def _cut(text: str, limit: int = BODY_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind(".\n"), head.rfind("? "), head.rfind("! "))
    return head[: end + 1] if end > limit // 3 else head


def records(repo: Path) -> list[dict[str, Any]]:
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for incident, md5, data in _blobs(repo):
        try:
            item = _Unpickler(io.BytesIO(data)).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            continue
        if not isinstance(item, NewsItem) or not isinstance(item.content, str) or not isinstance(item.dct, date):
            continue
        title = (item.title or "").strip()
        lines = [ln.strip() for ln in item.content.replace("\r", "").split("\n")]
        while lines and (not lines[0] or lines[0].lstrip("× ").strip() == title):
            lines.pop(0)
        body = _cut("\n".join(lines).strip())
        if not title or len(body.split()) < 20:
            continue
        url = _original(item.uri)
        day = item.dct if not isinstance(item.dct, datetime) else item.dct.date()
        by_incident.setdefault(incident, []).append({
            "id": f"gva-{md5}", "title": title, "body": body, "url": url,
            "source": (urlsplit(url).hostname or "").removeprefix("www."),
            "published_at": f"{day.isoformat()}T12:00:00Z", "language": "en", "gold_event": incident,
            "split": "dev" if int(hashlib.sha1(incident.encode(), usedforsecurity=False).hexdigest(), 16) % 2 == 0 else "test"})
    seen: set[str] = set()
    out = []
    for incident in sorted(by_incident, key=lambda i: (len(i), i)):
        docs = [r for r in by_incident[incident] if r["id"] not in seen]  # one page filed twice: its first
        if len(docs) >= 2:
            seen.update(r["id"] for r in docs)
            out += docs
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for r in records(Path(sys.argv[1])):
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

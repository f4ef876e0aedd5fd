"""The hostile-input corpus: records a news pipeline meets on the open internet and on topics anyone can
write. Each case is the bytes of one record, generated (the large ones are built here, not stored).

Classes: broken or hostile JSON structure; wrong types and missing fields; hostile text (control
characters, terminal escapes, bidirectional overrides, zero-width and invisible characters, scripts and
emoji); hostile URLs and dates; sizes at and over the limits; valid articles that are expensive to
enrich; markup and injection attempts. Valid ones must be indexed; the rest dead-lettered with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

GOOD_BODY = "Officials in Nairobi said on Monday that heavy rain had flooded parts of the city."


def _article(**fields: Any) -> bytes:
    return json.dumps({"title": "Hostile case", "body": GOOD_BODY, **fields}, ensure_ascii=False).encode("utf-8")


def _structure() -> dict[str, bytes]:
    deep = b"[" * 100_000 + b"]" * 100_000
    return {
        "empty record": b"",
        "whitespace only": b" \n\t ",
        "null": b"null",
        "a number": b"42",
        "a string": b'"title"',
        "a list of articles": b"[" + _article() + b"]",
        "truncated JSON": _article()[:-5],
        "trailing garbage": _article() + b"garbage",
        "two objects": _article() + _article(),
        "deep arrays": deep,
        "deep objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "deep nesting in a field": _article()[:-1] + b', "x": ' + deep + b"}",
        "nesting at the limit in a field": _article()[:-1] + b', "x": ' + b"[" * 30 + b"]" * 30 + b"}",
        "5,000-digit integer": _article()[:-1] + b', "n": ' + b"9" * 5000 + b"}",
        "huge exponent": _article()[:-1] + b', "n": 1e999999999}',
        "NaN literal": _article()[:-1] + b', "n": NaN}',
        "Infinity literal": _article()[:-1] + b', "n": -Infinity}',
        "duplicate keys": b'{"title": "A", "title": "B", "body": "' + GOOD_BODY.encode() + b'"}',
        "100,000 keys": b"{" + b",".join(b'"k%d": %d' % (i, i) for i in range(100_000)) + b', "title": "t", "body": "b"}',
        "invalid UTF-8": b'{"title": "t\xff\xfe", "body": "b"}',
        "overlong UTF-8 slash": b'{"title": "t\xc0\xaf", "body": "b"}',
        "UTF-8 encoded surrogate": b'{"title": "t\xed\xa0\x80", "body": "b"}',
        "lone surrogate escape": b'{"title": "t\\ud800", "body": "' + GOOD_BODY.encode() + b'"}',
        "UTF-16 with BOM": b"\xff\xfe" + _article().decode().encode("utf-16-le"),
        "UTF-8 BOM": b"\xef\xbb\xbf" + _article(),
        "NUL bytes around JSON": b"\x00" + _article() + b"\x00",
        "binary noise": bytes(range(256)) * 64,
        "gzip bytes": b"\x1f\x8b\x08\x00" + b"\x00" * 64,
        "JSON in a JSON string": json.dumps(_article().decode()).encode(),
        "single quotes": b"{'title': 't', 'body': 'b'}",
        "comments": b'{"title": "t", /* x */ "body": "b"}',
    }


def _types() -> dict[str, bytes]:
    out: dict[str, bytes] = {"missing title": json.dumps({"body": GOOD_BODY}).encode(),
                             "missing body": json.dumps({"title": "t"}).encode(), "empty object": b"{}"}
    values: dict[str, Any] = {"null": None, "number": 7, "boolean": True, "list": ["a", "b"], "object": {"a": 1},
                              "empty string": "", "huge number": 10**60}
    for field in ("title", "body", "url", "source", "published_at", "language", "id"):
        for vname, v in values.items():
            out[f"{field} is {vname}"] = _article(**{field: v})
    return out


def _text() -> dict[str, bytes]:
    c0 = "".join(chr(i) for i in range(32) if chr(i) not in "\n\t")
    cases: dict[str, dict[str, Any]] = {
        "terminal escapes in title": {"title": "\x1b[2J\x1b[31mCLEARED\x1b]0;owned\x07 Nairobi"},
        "OSC 52 clipboard write in title": {"title": "\x1b]52;c;cm0gLXJmIH4=\x07 Floods"},
        "bidi override in title": {"title": "Floods \u202egnp.exe\u202c in Nairobi"},
        "bidi isolates in body": {"body": GOOD_BODY + " \u2066abc\u2069 \u2067def\u2069"},
        "C0 controls in body": {"body": GOOD_BODY + c0},
        "C1 controls in body": {"body": GOOD_BODY + "".join(chr(i) for i in range(0x80, 0xA0))},
        "NUL characters in body": {"body": GOOD_BODY + "\x00" * 1000},
        "1 MB of NUL characters": {"body": "a" + "\x00" * 1_000_000},
        "zero-width only body": {"body": "\u200b\u200c\u200d\ufeff" * 100},
        "whitespace only body": {"body": " \n\t\u00a0\u3000" * 100},
        "punctuation only body": {"body": "!?.,;:-" * 100},
        "one letter body": {"body": "a"},
        "invisible title": {"title": "\u200b\u2060\u200b"},
        "combining mark pile": {"body": "Nairobi" + "\u0301" * 10_000},
        "zalgo text": {"body": "".join(ch + "\u0336\u0337\u0338" * 5 for ch in GOOD_BODY)},
        "homoglyph country": {"body": "Officials in Ukrаine (Cyrillic а) and Кyiv met on Monday."},
        "right-to-left article": {"title": "فيضانات في نيروبي", "body": "قال مسؤولون في نيروبي إن الأمطار أغرقت المدينة."},
        "Chinese article": {"title": "北京暴雨", "body": "北京市政府周一表示，暴雨导致城市部分地区被淹。"},
        "Japanese article": {"title": "東京タワー", "body": "東京都は月曜日、大雨で市内の一部が浸水したと発表した。"},
        "Thai article": {"title": "น้ำท่วม", "body": "เจ้าหน้าที่ในกรุงเทพฯ กล่าวว่าฝนตกหนักทำให้น้ำท่วม"},
        "emoji only body": {"body": "🔥🌊🇰🇪👨‍👩‍👧" * 200},
        "emoji skin tones and flags": {"body": GOOD_BODY + " 👍🏽 🇺🇦🇷🇺 🏳️‍🌈"},
        "Turkish dotted capitals": {"title": "İSTANBUL'DA SEL", "body": "İstanbul ve İzmir'de sel. " + GOOD_BODY},
        "final sigma capitals": {"body": "ΟΔΥΣΣΕΥΣ ΣΤΗΝ ΑΘΗΝΑ. " + GOOD_BODY},
        "decomposed accents": {"body": "Cafe\u0301 owners in Montre\u0301al and Bogota\u0301 said. " + GOOD_BODY},
        "private use characters": {"body": GOOD_BODY + "\ue000\uf8ff" * 100},
        "noncharacters": {"body": GOOD_BODY + "\ufffe\uffff\U0010ffff"},
        "replacement characters": {"body": GOOD_BODY + "\ufffd" * 500},
        "astral math letters": {"body": "𝐍𝐚𝐢𝐫𝐨𝐛𝐢 𝐟𝐥𝐨𝐨𝐝𝐬. " + GOOD_BODY},
        "fullwidth latin": {"body": "ＮＡＩＲＯＢＩ ＦＬＯＯＤＳ. " + GOOD_BODY},
        "CRLF and lone CR": {"body": GOOD_BODY.replace(" ", "\r\n", 3) + "\rmore\r"},
        "line and paragraph separators": {"body": GOOD_BODY + "\u2028\u2029" * 50},
        "tabs everywhere": {"body": "\t".join(GOOD_BODY.split())},
        "10,000 blank lines": {"body": GOOD_BODY + "\n" * 10_000 + GOOD_BODY},
        "long title at the limit": {"title": "Nairobi " * 120},
        "title over the limit": {"title": "x" * 100_000},
        "source over the limit": {"source": "s" * 10_000},
        "language garbage": {"language": "\x1b[31m" + "x" * 100},
        "id over the limit": {"id": "i" * 1000},
        "id with slashes and dots": {"id": "../../_bulk?refresh"},
        "id with control characters": {"id": "a\x00b\x1bc"},
        "id that is only spaces": {"id": "   "},
    }
    return {name: _article(**fields) for name, fields in cases.items()}


def _urls_and_dates() -> dict[str, bytes]:
    urls = {
        "javascript URL": "javascript:alert(1)", "data URL": "data:text/html,<script>x</script>",
        "file URL": "file:///etc/passwd", "port out of range": "http://example.org:99999/a",
        "port not a number": "http://example.org:abc/a", "broken IPv6 host": "http://[::1/a",
        "no host": "http:///path", "spaces in URL": "http://example.org/a b",
        "userinfo in URL": "http://user:secret@example.org/a", "URL over the limit": "http://e.org/" + "a" * 20_000,
        "unicode host": "http://ñandú.example/ruta", "only tracking parameters": "https://e.org/?utm_source=x&fbclid=y",
        "CRLF injection in URL": "http://e.org/a\r\nSet-Cookie: x=y", "relative URL": "/news/1",
    }
    dates = {
        "year 0": "0000-01-01T00:00:00Z", "year 99999": "99999-01-01", "February 30": "2024-02-30",
        "offset +99:00": "2024-01-01T00:00:00+99:00", "epoch seconds": 1_700_000_000, "negative epoch": -10**15,
        "free text date": "last Tuesday", "date with NUL": "2024-01-01\x00", "far future": "9999-12-31T23:59:59Z",
        "leap second": "2016-12-31T23:59:60Z",
    }
    out = {f"url: {k}": _article(url=v) for k, v in urls.items()}
    out |= {f"published_at: {k}": _article(published_at=v) for k, v in dates.items()}
    return out


def _expensive() -> dict[str, bytes]:
    seed_like = ("TOKYO (Reuters) - Japan's Ministry of Defense said Russia's forces in Ukraine were regrouping "
                 "near Kharkiv, while NATO ministers met in Brussels and officials in Washington and Beijing "
                 "watched. ")
    gens: dict[str, Callable[[], str]] = {
        "1,000 hyphenated Title-Case words": lambda: " ".join(["Up-To-Date Well-Being"] * 500),
        "10,000 capitalised words": lambda: " ".join(["Alpha Beta Gamma Delta"] * 2_500),
        "all caps body": lambda: (GOOD_BODY.upper() + " ") * 200,
        "one 1 MB word": lambda: "Ab" * 500_000,
        "place names on every line": lambda: "Tokyo Moscow Kyiv Paris Nairobi Lima\n" * 5_000,
        "entity-dense 1.5 MB": lambda: seed_like * (1_500_000 // len(seed_like)),
        "same sentence 20,000 times": lambda: "Kenya. " * 20_000,
        "nested parentheses text": lambda: "(" * 5_000 + "Nairobi" + ")" * 5_000,
        "HTML markup": lambda: "<html><script>alert(1)</script><p>" + GOOD_BODY + "</p><!-- x -->" * 100,
        "highlight tags in text": lambda: "<em>Nairobi</em> </em><em> " + GOOD_BODY,
        "rich markup in text": lambda: "[red]Nairobi[/red] [link=http://x]y[/link] " + GOOD_BODY,
        "query syntax in text": lambda: 'title:"x" AND (y OR -z) missil* ' + GOOD_BODY,
        "Elasticsearch script-like text": lambda: '{"script": "ctx._source.x = 1"} ' + GOOD_BODY,
        "very long sentence": lambda: ("and the rain fell on Nairobi " * 20_000).strip(),
        "dateline only": lambda: "NAIROBI, Kenya (AP) — ",
        "repeated dateline": lambda: "NAIROBI, Kenya (AP) — " * 5_000,
        "numbers only": lambda: " ".join(str(i) for i in range(100_000)),
        "CJK 600,000 characters": lambda: "北京東京" * 150_000,
    }
    out = {k: _article(title=k, body=g()) for k, g in gens.items()}
    out["body just over the limit"] = _article(body="a" * 2_000_001)
    out["record over the message limit"] = _article(body="a" * 1_000_000, extra="b" * 4_000_000)
    return out


def cases() -> dict[str, bytes]:
    """Every case, by name."""
    return _structure() | _types() | _text() | _urls_and_dates() | _expensive()

"""The text NER reads, and the conventions of news copy read straight from it: the title's end, the
dateline, diseases named after places, demonyms that name a state's own people, personal titles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas import RawArticle

# "TOKYO, March 3 (Reuters) -", "KYIV (AP) —", "PORTLAND, Ore., Feb 26 -", "Scarborough, Ontario -"
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Za-z.'\- ]{1,40}?)(?:,\s*([A-Z][A-Za-z\u00c0-\u00ff.' ]{0,30}?))?"
    r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:[-\u2013\u2014:])\s"
)
_MONTH = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?(?:\s+\d{1,2})?$")
# "Reston ebolavirus", "Marburg virus", "Spanish flu": a disease named after a place is not a mention of it.
_DISEASE_AFTER = re.compile(
    r"^[\s-]*(?:ebola)?(?:virus|viruses|ebolavirus|fever|flu|influenza|strain|disease|encephalitis|variant)\b",
    re.IGNORECASE,
)


# "Iranian and American negotiators", "Chinese military officials": a demonym before one of these speaks
# for its state, so its country is in the story ("a Canadian doctor" or "French wine" is not).
STATE_ACTORS = frozenset("""
official officials negotiator negotiators diplomat diplomats delegation delegations envoy envoys ambassador
ambassadors embassy embassies troops forces soldiers army armies navy military militaries government
governments authorities president presidents premier minister ministers ministry ministries leader leaders
leadership counterpart counterparts regime lawmakers parliament legislators police commander commanders
officers warplanes warships jets spokesman spokeswoman spokesperson regulators prosecutors intelligence
state-media side sides coastguard coast
""".split())
_ACTOR_SKIP = frozenset("and or , senior top high-ranking high-level foreign defence defense prime".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|,")


# "Mr Osborne", "Mrs. Clinton", "Herr Jordan", "Sr. Jordán", "pan Jordan", "г-н Грузинов": a name after a
# personal title is a person's, whatever the NER or a gazetteer makes of it. Case-sensitive: "DR Congo" is a state.
_PERSONAL_TITLE = re.compile(
    r"(?:^|[\s(\"'\u201c\u201e\u00ab])(?:Mr|Mrs|Ms|Mx|Miss|Dr|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|"
    r"pan|pani|pana|paní|пан|пані|пана|г-н|г-жа|господин|госпожа)\.?\s+$"
)


def after_personal_title(text: str, start: int) -> bool:
    """Whether the name starting at `start` follows a personal title ("Mr Jordan" is no state)."""
    return bool(_PERSONAL_TITLE.search(text, max(0, start - 12), start))


def names_state_actor(text: str, end: int) -> bool:
    """Whether the demonym ending at `end` qualifies a state's people ("Iranian and American negotiators")."""
    for n, m in enumerate(_WORD.finditer(text, end, min(len(text), end + 80))):
        word = m.group(0)
        low = word.lower()
        if low in STATE_ACTORS:
            return True
        if n >= 5 or not (low in _ACTOR_SKIP or word[0].isupper()):
            return False
    return False


# Entities and places come from the first 200,000 characters (some 35,000 words: longer than any news
# story); the whole body is still indexed and searchable. This bounds what one article can cost.
MAX_ANALYSED_CHARS = 200_000


@dataclass(frozen=True)
class Dateline:
    """"PORTLAND, Ore., Feb 26 -": the city, where it sits in the composed text, and what qualifies it."""

    city: str
    start: int
    end: int
    qualifier: str | None = None
    qualifier_start: int = -1
    qualifier_end: int = -1


def compose(raw: RawArticle) -> tuple[str, int]:
    """The text NER reads (title first, once; at most MAX_ANALYSED_CHARS, cut at a space) and where the
    title ends in it. A title without closing punctuation gets a full stop, so NER does not read its last
    words and the body's first as one name ("Missiles over Kyiv" + "Ukraine reported ...")."""
    body = raw.body.lstrip()
    if body[: len(raw.title) + 5].replace("\n", " ").startswith(raw.title[:200]):
        first_line = body.split("\n", 1)[0]
        return _bounded(body), min(len(first_line), MAX_ANALYSED_CHARS)
    title = raw.title.rstrip()
    stop = "" if not title or title[-1] in ".!?:;\u2026\"'\u201d)" else "."
    return _bounded(f"{title}{stop}\n\n{body}"), min(len(title), MAX_ANALYSED_CHARS)


def _bounded(text: str) -> str:
    if len(text) <= MAX_ANALYSED_CHARS:
        return text
    cut = text.rfind(" ", MAX_ANALYSED_CHARS - 200, MAX_ANALYSED_CHARS)
    return text[: cut if cut > 0 else MAX_ANALYSED_CHARS]


def find_dateline(text: str, title_end: int) -> Dateline | None:
    """The dateline opening the body, if any: a city in capitals or title case, then perhaps a state,
    province or country, a date and an agency, then a dash."""
    rest = text[title_end:]
    lead = len(rest) - len(rest.lstrip(".\n\r\t "))
    head = rest[lead : lead + 120]
    m = _DATELINE.match(head)
    if not m:
        return None
    name = m.group(1).strip()
    if not (name.isupper() or name.istitle()):
        return None
    qualifier = (m.group(2) or "").strip().rstrip(",") or None
    if qualifier and _MONTH.match(qualifier):
        qualifier = None  # "TOKYO, March 3 -": a date, not a place
    start = title_end + lead + m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
    if not qualifier:
        return Dateline(name, start, start + len(name))
    q_start = title_end + lead + m.start(2)
    return Dateline(name, start, start + len(name), qualifier, q_start, q_start + len(qualifier))


def disease_name(text: str, end: int) -> bool:
    """Whether the name ending at `end` is the first half of a disease's name."""
    return bool(_DISEASE_AFTER.match(text[end : end + 24]))

"""An article page -> its main text, title, publication date and author. Pure: HTML in, data out; the
feed poller and `newswatch extract` run this very code.

Three extractors, one vote. trafilatura (favor_precision) gives the body; its weakness is recall: a
paragraph it judges boilerplate is lost. Readability (readability-lxml)
and Resiliparse's main-content extraction read the page differently, so a paragraph readability keeps
that trafilatura dropped is added back when Resiliparse keeps it too (two of three agree). When both
trafilatura and readability return (next to) nothing of what Resiliparse sees -- a teaser, or a page
layout they misread -- trafilatura's default settings read the page again and their paragraphs that
Resiliparse confirms are taken, or taken alone where Resiliparse sees too little to confirm them. Short
furniture lines (copyright, "Post a comment", link rows, in the news' languages) go. A body
that is a cookie or consent wall, or a paywall's teaser, is no body: the caller falls back to the feed's
text. The title, byline and date come from the page's markup (meta tags, JSON-LD, <title>, <time>).
Measured with `newswatch bench extract` (4-gram F1 of the article-extraction benchmarks).
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from producers.feeds.parse import page_canonical

log = logging.getLogger("newswatch.feeds")

MAX_AUTHOR_CHARS = 256
MAX_TITLE_CHARS = 1_000
_HEAD_CHARS = 512_000  # publication-date markup lives in <head> or the article's header
_VOTE_NGRAM = 2
_VOTE_COVER = 0.5
# a paragraph counts as kept by an extractor when half its word pairs are in that one's text;
# a shorter line Resiliparse keeps (a caption, a link) is no reason to ask readability
_CANDIDATE_WORDS = 12
# readability is asked when Resiliparse holds at least this many words of such lines the primary text lacks:
# fewer seldom were body (the same F1 on the development splits; readability runs on half the pages, not 80%)
_MISSING_WORDS = 60
# a body under this share of Resiliparse's words is a teaser (or nothing): trafilatura's defaults are asked
_TEASER_SHARE = 0.2
# a body under this many words is (next to) nothing: trafilatura's defaults are asked, and where Resiliparse
# cannot confirm them (it sees less than half of what they see) and they hold _FALLBACK_WORDS words and
# _FALLBACK_RATIO times the body, taken alone
_FEW_WORDS = 50
_FALLBACK_WORDS = 100
_FALLBACK_RATIO = 4
_ANCHOR_OPEN = re.compile(r"<a\b[^<>]{0,2000}>", re.IGNORECASE)
_ANCHOR_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)
_ANCHOR_CHARS = 600  # a link's text is short; a longer "link" is a page that never closes its <a>
_TAG = re.compile(r"<[^<>]{0,2000}>")
_SCRIPT = re.compile(r"<(script|style|svg)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE_LINES = 3  # the headline is at the top of the body when an extractor keeps it
_TITLE_META = re.compile(
    r"""<meta\b[^<>]{0,400}?\b(?:property|name)=["']?(?:og:title|twitter:title)["']?[\s/>][^<>]{0,1200}>?""",
    re.IGNORECASE,
)
_TITLE_OPEN = re.compile(r"<title\b[^<>]{0,200}>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title", re.IGNORECASE)
_TITLE_TAG = re.compile(r"<title\b[^<>]{0,200}>([^<]{1,2000})</title", re.IGNORECASE)
_TITLE_SITE = re.compile(r"\s+[-|\u2013\u2014:]\s+[^-|\u2013\u2014:]{1,60}$")  # "Headline - Example News"
# page furniture an extractor keeps: short lines (at most _BOILER_WORDS words) that say what they are
_BOILER_WORDS = 10
_BOILER_LINE = re.compile(
    r"^\W*(©|\(c\)\s|copyright\b|all rights reserved|post (a|your) comment|leave a (reply|comment)|"
    r"add (a )?comment|\d+ comments?\b|comments?\W*$|tweet\W*$|share( this)?\W*$|"
    r"e-?mail( this)?( to a friend| article| story)?\W*$|print( this)?( article| story| page)?\W*$|"
    r"click (here )?to enlarge|view larger image|read more\b|about the author\W*$|"
    r"related( articles| stories| posts| content| links)?\W*:?\s*$|advertisement\W*$|contact us\W*$|"
    r"(photo|image|picture)s?\s*:|follow us\b|sign up for\b|more from\b|see also\W*$|on the net\W*:?\s*$|"
    r"(the )?associated press\W*$|posted (in|by)\s*:)",
    re.IGNORECASE,
)
# the same furniture as other languages' news sites write it: "read also" and "more on this" links, "you may
# also like", photo credits, the author box, comment counts, share and print buttons, the table of contents
_BOILER_LINE_INTL = re.compile(
    r"^\W*("
    # German
    r"(lesen sie|lies) (auch|mehr|hier)\b|mehr (zum thema|dazu|lesen|artikel|beiträge)\b|"
    r"(das|dies) (könnte|dürfte) (sie|dich) (auch )?interessieren|auch interessant\b|"
    r"weitere (artikel|beiträge|themen|meldungen|nachrichten|infos|tipps|tourentipps)\b|"
    r"(keine |\d+ )?kommentare?\W*$|(kommentar )?schreiben\W*$|teilen\W*$|drucken\W*$|"
    r"(foto|fotos|bild|bilder|titelbild|beitragsbild|quelle)\s*:|über (den|die) (autor|autorin)\W*$|"
    r"inhaltsverzeichnis\W*$|zum (artikel|thema)\W*$|"
    # French
    r"(à )?lire (aussi|également|la suite)\b|voir aussi\b|(sur le même sujet|dans la même rubrique)\b|"
    r"(vous )?(aimerez|pourriez aimer) aussi\b|crédits? (photos?|image)\s*:|(photo|image) (illustrative|d'illustration)\b|"
    r"(aucun |\d+ )?commentaires?\W*$|partager\W*$|imprimer\W*$|à propos de l'auteur\W*$|"
    # Spanish, Portuguese, Italian, Dutch
    r"(lea|lee|leer) (también|más)\b|(le )?puede interesar\b|te puede interesar\b|(también|tambien) te puede\b|"
    r"s[ií]guenos (en|por)\b|(fotograf[ií]a|imagen|foto)\s*:|sobre (el|la) (autor|autora)\W*$|compartir\W*$|"
    r"(leia|veja) (também|mais)\b|(leggi|vedi) anche\b|potrebbe interessarti\b|condividi\W*$|"
    r"lees (ook|meer)\b|"
    # Slavic and others the pipeline reads
    r"czytaj (też|także|również|więcej)\b|zobacz (też|także|również)\b|přečtěte si (také|též)\b|"
    r"čtěte (také|též)\b|(pročitajte|preberite|pogledajte) (još|tudi|i)\b|"
    r"читайте (также|також|още|ещё|еще)\b|(смотрите|дивіться) (также|також)\b|"
    r"підписуйтесь\b|подписывайтесь\b)",
    re.IGNORECASE,
)
# "LE PUEDE INTERESAR: <another article's headline>": a label and a colon, then a link of any length
_LABEL_WORDS = 30
_READ_ALSO_LABEL = re.compile(
    r"^\W*(read (more|also)|see also|related|lesen sie (auch|mehr)|mehr zum thema|(à )?lire aussi|voir aussi|"
    r"(le|te) puede interesar|(lea|lee) (también|más)|(leia|veja) (também|mais)|leggi anche|lees ook|"
    r"czytaj (też|także|również|więcej)|zobacz (też|także|również)|přečtěte si (také|též)|"
    r"читайте (также|також|още|ещё|еще))\s*:",
    re.IGNORECASE,
)
_BOILER_ANYWHERE = re.compile(r"all rights reserved|©\s*(copyright\s*)?\d{4}", re.IGNORECASE)
# A wall's text is short and says what it wants: consent to cookies, a subscription, a login.
_WALL_WORDS = 160
# what a paywall and a consent wall ask for in the other languages the pipeline reads: calls only (imperatives,
# "already a subscriber?", "for subscribers only"), never the nouns the news uses too ("Abonnenten", "abbonati")
_PAYWALL_CALL_INTL = (
    r"(jetzt|gleich|hier) abonnieren|abonnieren sie|abo abschlie(ß|ss)en|(bereits|schon) abonnent(in)?\b|"
    r"mit [\w+]+ weiterlesen|weiterlesen mit|(nur|exklusiv) f(ü|ue)r abonnenten|jetzt (registrieren|anmelden) "
    r"und weiterlesen|"
    r"abonnez-vous|d(é|e)j(à|a) abonn(é|e) ?\?|r(é|e)serv(é|e)e? aux abonn(é|e)s|la suite est r(é|e)serv(é|e)e|"
    r"il vous reste \d+ ?% de cet article|"
    r"suscr(í|i)bete|ya eres suscriptor|(contenido )?exclusivo para (suscriptores|socios|miembros)|"
    r"hazte (miembro|socio|suscriptor)|"
    r"assine (j(á|a)|agora)|j(á|a) (é|e) assinante|exclusivo para assinantes|"
    r"abbonati (ora|subito)|sei gi(à|a) abbonato|riservato agli abbonati|"
    r"word abonnee|al abonnee\?|log in om verder te lezen|"
    r"wykup (dost(ę|e)p|subskrypcj(ę|e)|prenumerat(ę|e))|tylko dla (subskrybent(ó|o)w|prenumerator(ó|o)w)|"
    r"p(ř|r)edpla(ť|t)te si|"
    r"подпишитесь|оформите подписку|только для подписчиков|підпишіться|оформіть передплату"
)
# the buttons of consent walls, never words a sentence says ("wir müssen alle akzeptieren", "принять все меры")
_CONSENT_CALL_INTL = (
    r"(alle )?cookies akzeptieren|akzeptieren und weiter|zustimmen und weiter|"
    r"accepter (et (fermer|continuer)|les cookies)|continuer sans accepter|"
    r"aceptar (las )?cookies|aceitar (os )?cookies|accett(a|o) i cookie|(alle )?cookies accepteren|"
    r"accepteer (alle )?cookies|akceptuj(ę|e) (wszystkie )?pliki cookie|p(ř|r)ijmout v(š|s)echny cookies|"
    r"принять (все )?(cookie|куки)|прийняти (всі )?(cookie|куки)"
)
_WALL = re.compile(
    rf"\b({_PAYWALL_CALL_INTL}|{_CONSENT_CALL_INTL}|"
    r"cookies?|consent|privacy (settings|preferences)|accept all|manage (options|preferences)|"
    r"subscribe|subscription|subscribers?|sign in|sign up|newsletters?|log in|login|register|paywall|"
    r"continue reading|keep reading|read the full (article|story)|unlock (this|the) (article|story)|"
    r"premium (content|article)|already a (member|subscriber)|free trial|ad ?blocker)\b",
    re.IGNORECASE,
)
_WALL_PARAGRAPH_WORDS = 40  # a notice ("Subscribe to continue reading") is a short paragraph
# what only a wall asks of its reader; news about a service's subscribers says none of it
_WALL_CALL = re.compile(
    rf"\b({_PAYWALL_CALL_INTL}|{_CONSENT_CALL_INTL}|"
    r"subscribe|sign in|sign up|log ?in|accept (all|cookies)|manage (options|preferences|cookies|settings)|"
    r"privacy (settings|preferences)|continue reading|keep reading|read the full (article|story)|"
    r"unlock (this|the) (article|story)|premium (content|article)|already a (member|subscriber)|free trial|"
    r"ad ?blocker|paywall|(we|this (web)?site) uses? cookies|cookie (policy|settings|preferences|consent)|"
    r"consent to|by (continuing|using) (to (use|browse) )?(this|our) (site|website))\b",
    re.IGNORECASE,
)
# wall words the news reports too ("Netflix added 8 million subscribers", "voters must register"): alone, in
# a paragraph of a dozen words or more, or in a short article, they make no notice and no wall
_NEWS_WALL_WORDS = frozenset({"subscriber", "subscribers", "subscription", "register", "consent", "login", "log in"})
_NEWS_PARAGRAPH_WORDS = 12
_WALL_DENSITY = 20  # a wall of several lines names what it wants at least once every 20 words
_TEASER_WORDS = 250  # on a paywalled page, less than this is the teaser, not the article
_PAYWALL_SCAN_CHARS = 2_000_000
# schema.org's paywall markup (isAccessibleForFree: false) and the class names paywalls go by, as whole class
# names: "non-paywall" is the free part, and "subscriber-only-tag" marks another article's teaser card
_PAYWALL_PAGE = re.compile(
    r"""["']?isAccessibleForFree["']?\s*:\s*["']?(false|False)|class=["'](?:[^"'<>]{0,200}\s)?(paywall|"""
    r"""subscriber-only|premium-content|piano-offer|meteredContent)(?=["'\s])""",
)
# what only a paywall says (a newsletter's "subscribe" line is stripped, but does not make a teaser)
_PAYWALL_NOTICE = re.compile(
    rf"\b({_PAYWALL_CALL_INTL}|"
    r"continue reading|keep reading|read the (full|whole|rest of the) (article|story)|unlock (this|the|full)|"
    r"already a (member|subscriber)|subscribe (now )?to (read|continue|unlock|access|keep)|subscribers? only|"
    r"for subscribers|exclusive to (members|subscribers)|paywall|premium (content|article)|"
    r"(this|the) (article|story|content) is (only )?(available|reserved) (to|for))\b",
    re.IGNORECASE,
)
_DATE_META = re.compile(
    r"""<meta\b[^<>]{0,400}?\b(?:property|name|itemprop)=["']?(?:article:published_time|og:published_time|"""
    r"""datePublished|pubdate|publishdate|publish-date|dc\.date\.issued|date)["']?[^<>]{0,400}?>""",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"""\bcontent=["']([^"'<>]{6,64})["']""", re.IGNORECASE)
_JSONLD_DATE = re.compile(r""""datePublished"\s*:\s*"([^"]{6,64})\"""")
_TIME_TAG = re.compile(r"""<time\b[^<>]{0,300}?\bdatetime=["']([^"'<>]{6,64})["']""", re.IGNORECASE)
# the byline a page declares: <meta name=author>, article:author, parsely/sailthru/Dublin Core creators, and
# JSON-LD `"author": {"name": ...}` or `"author": "..."` (a list's first); a URL (article:author often is
# one) is no name
_AUTHOR_META = re.compile(
    r"""<meta\b[^<>]{0,400}?\b(?:property|name|itemprop)=["']?(?:author|article:author|parsely-author|"""
    r"""sailthru\.author|dc\.creator|dcterms\.creator|byl)["']?[\s/>][^<>]{0,400}>?""",
    re.IGNORECASE,
)
_META_CONTENT = re.compile(r"""\bcontent=(?:"([^"<>]{1,300})"|'([^'<>]{1,300})')""", re.IGNORECASE)
_JSONLD_AUTHOR = re.compile(
    r""""author"\s*:\s*(?:\[\s*)?(?:"([^"]{1,300})"|\{[^{}]{0,600}?"name"\s*:\s*"([^"]{1,300})")""")
_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)


@dataclass(frozen=True)
class PageArticle:
    url: str  # the page's canonical URL (rel=canonical, tracking parameters dropped)
    text: str | None  # None: no article text here (nothing found, or a wall)
    title: str | None
    published_at: datetime | None
    author: str | None


def extract(page_html: str, page_url: str) -> PageArticle:
    """The article on a page; CPU work (some 0.2 s for a large page), for a thread."""
    page_html = close_title(page_html)
    text, title = _trafilatura(page_html, page_url), page_title(page_html)
    third = _resiliparse(page_html)
    body = [*_paragraphs(text or ""), *_confirmed_paragraphs(page_html, text or "", title or "", third)]
    words = len(" ".join(p for p in body if not _is_notice(p)).split())  # a paywall's offer is no body
    if words < _TEASER_SHARE * len(third.split()) or words < _FEW_WORDS:
        # favor_precision and readability both kept (next to) nothing of what Resiliparse sees: the
        # teaser case; trafilatura's default settings read the page again, Resiliparse confirming
        default = _trafilatura_default(page_html, page_url)
        body += _confirmed(default, "\n".join(body), title or "", third)
        body += _unconfirmed_fallback(default, body, third)
    text = "\n".join(p for p in _without_title(body, title or "") if not is_boilerplate_line(p)
                     and not is_date_line(p) and not is_promo_line(p)) or None
    if text is not None:
        text = strip_walls(text, page_html)
    if text is not None:
        # pages mix composed and decomposed letters ("য়" both ways on one Bengali page, "é" as e + accent);
        # a rule or a search typed in the usual composed form must find either
        text = unicodedata.normalize("NFC", text)
    return PageArticle(page_canonical(page_html, page_url), text, title, published_date(page_html),
                       page_author(page_html))


def close_title(page_html: str) -> str:
    """The page with its <title> closed at the end of its line (or the next tag) when the page never closes
    it: an HTML parser reads everything after an unclosed <title> as the title, so every extractor saw an
    empty page (a truncated head, as crawls keep them)."""
    m = _TITLE_OPEN.search(page_html, 0, _HEAD_CHARS)
    if m is None or _TITLE_CLOSE.search(page_html, m.end()) is not None:
        return page_html
    ends = [i for i in (page_html.find("\n", m.end()), page_html.find("<", m.end())) if i >= 0]
    end = min(ends, default=len(page_html))
    return f"{page_html[:end]}</title>{page_html[end:]}"


def _unconfirmed_fallback(default: str, body: list[str], third: str) -> list[str]:
    """trafilatura's defaults alone, when every other extractor found (next to) nothing: a page whose
    article Resiliparse cannot see either (a layout only the defaults read) is no reason to lose it."""
    words, default_words = len(" ".join(body).split()), len(default.split())
    if (words >= _FEW_WORDS or default_words < _FALLBACK_WORDS or default_words < _FALLBACK_RATIO * max(words, 1)
            or len(third.split()) * 2 >= default_words):
        return []
    have = _pairs("\n".join(body))
    return [p for p in _paragraphs(default) if not _covered(p, have)]


def _without_title(paragraphs: list[str], title: str) -> list[str]:
    """The body without the headline an extractor kept at its top: the title is the article's own field."""
    heads = {_norm(title), _norm(_TITLE_SITE.sub("", title))} - {""}
    if not heads:
        return paragraphs
    return [p for i, p in enumerate(paragraphs) if i >= _TITLE_LINES or _norm(p) not in heads]


def page_title(page_html: str) -> str | None:
    """The headline the page declares: og:title / twitter:title, else <title>."""
    head = page_html[:_HEAD_CHARS]
    for tag in _TITLE_META.finditer(head):
        m = _META_CONTENT.search(tag.group())
        if m and (title := " ".join(html_lib.unescape(m.group(1) or m.group(2)).split())):
            return unicodedata.normalize("NFC", title[:MAX_TITLE_CHARS])
    m = _TITLE_TAG.search(head)
    title = " ".join(html_lib.unescape(m.group(1)).split()) if m else ""
    return unicodedata.normalize("NFC", title[:MAX_TITLE_CHARS]) or None


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


_DATE_WORDS = frozenset("""
january february march april may june july august september october november december jan feb mar apr jun jul
aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat
sun am pm a m p m on at of the published updated posted last modified date time by edt est cst cdt pst pdt gmt bst
utc cet cest ist aest st nd rd th
januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonntag
um uhr am veröffentlicht aktualisiert stand
janvier février mars avril juin juillet août septembre octobre novembre décembre lundi mardi mercredi jeudi
vendredi samedi dimanche le à h publié mis jour
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre lunes martes miércoles
jueves viernes sábado domingo el de del las hs actualizado publicado
""".split())


_DATE_TOKEN = re.compile(r"\d+(st|nd|rd|th|am|pm|h\d*)")  # "1st", "2pm", "14h05"


def is_date_line(paragraph: str) -> bool:
    """A line that is only a date or time stamp ("10:02 AM CST on Friday, December 28, 2007", "Published:
    16.01.2008 um 12:50 Uhr"): the article's date, a field of its own, not its text."""
    tokens = re.findall(r"\w+", paragraph.casefold())
    if not 0 < len(tokens) <= 14 or not any(t.isdigit() for t in tokens):
        return False
    return all(t.isdigit() or t in _DATE_WORDS or _DATE_TOKEN.fullmatch(t) for t in tokens)


_PROMO_WORDS = 40
# what a site says of itself under every article: follow us, get our app, the reprint terms, send us a tip
_PROMO = re.compile(
    r"^\W*(follow|like) (us|[\w@.]+( [\w@.]+){0,3}) on (twitter|facebook|instagram|x|linkedin|tiktok|youtube)\b|"
    r"\b(download|get|install) our [\w ]{0,40}apps?\b|\bdownload the [\w ]{0,40}apps? for (ios|android)\b|"
    r"^\W*(download|get|install) the [\w ]{0,30}app\b|"
    r"\bjoin (us|our [\w ]{0,20}(channel|group|community)) on (whatsapp|telegram|facebook)\b|"
    r"\bcopyrighted (property|material) of\b|\b(written )?permission [\w ]{0,40}(reprint|republish|reproduc)|"
    r"\b(this|the) (article|material|content|story) may not be (published|reproduced|republished|rewritten|"
    r"redistributed)\b|\bsubmit your letter\b|\bsend us (your|a) (news|tip|story|letter)\b|"
    r"\b(have|got) a (news )?tip\?|\bcontact us at [\w.-]+@",
    re.IGNORECASE,
)


def is_promo_line(paragraph: str) -> bool:
    """A short paragraph in which the site speaks of itself: "Follow The Gleaner on Twitter", "Download the
    Nationnews apps", "This article is the copyrighted property of ...", "may not be republished"."""
    return len(paragraph.split()) <= _PROMO_WORDS and _PROMO.search(paragraph) is not None


def is_boilerplate_line(paragraph: str) -> bool:
    """A short line that is the page's furniture, not the article: a copyright notice, "Post a comment",
    "Share", "Click to enlarge", "Related stories:", a navigation row of links split by bars."""
    words = len(paragraph.split())
    if words <= _LABEL_WORDS and _READ_ALSO_LABEL.match(paragraph):
        return True
    if words > _BOILER_WORDS:
        return False
    if _BOILER_LINE.search(paragraph) or _BOILER_LINE_INTL.search(paragraph) or _BOILER_ANYWHERE.search(paragraph):
        return True
    bars = paragraph.count("|")
    return bars >= 2 and words <= 3 * (bars + 1)


def is_wall(text: str) -> bool:
    """A cookie/consent wall or a paywall's notice rather than an article: short, and about the wall."""
    words = text.split()
    if len(words) >= _WALL_WORDS:
        return False
    found = [m.group().casefold() for m in _WALL.finditer(text)]
    if len(found) >= 2 and len(found) * _WALL_DENSITY >= len(words):
        return True
    return len(words) < 60 and bool(found) and not set(found) <= _NEWS_WALL_WORDS


def _is_notice(paragraph: str) -> bool:
    """A wall's notice within a body: a short paragraph with a wall's words, unless they are words the news
    reports too and nothing in it asks the reader for anything."""
    words = len(paragraph.split())
    found = {m.group().casefold() for m in _WALL.finditer(paragraph)}
    if words > _WALL_PARAGRAPH_WORDS or not found:
        return False
    if _PAYWALL_NOTICE.search(paragraph) or _WALL_CALL.search(paragraph):
        return True
    return not (found <= _NEWS_WALL_WORDS and words >= _NEWS_PARAGRAPH_WORDS)


def strip_walls(text: str, page_html: str) -> str | None:
    """The body without wall notices; None when what is left is a wall, or the teaser a paywall shows
    (the page says it is not free, or had a notice, and little text is left)."""
    kept, walls, paywall_notice = [], 0, False
    for para in _paragraphs(text):
        if _is_notice(para):
            walls += 1
            paywall_notice = paywall_notice or _PAYWALL_NOTICE.search(para) is not None
        else:
            kept.append(para)
    body = "\n".join(kept)
    if not body or is_wall(body):
        return None
    paywalled = paywall_notice or _PAYWALL_PAGE.search(page_html[:_PAYWALL_SCAN_CHARS]) is not None
    if paywalled and len(body.split()) < _TEASER_WORDS:
        return None
    return body if walls else text


def _trafilatura(page_html: str, url: str) -> str | None:
    import trafilatura

    # deduplicate=False: trafilatura's deduplication remembers paragraphs across calls (a process-wide
    # cache), so a paragraph two outlets share would vanish from the second page; copies are the
    # pipeline's stories to find, not the extractor's to drop
    # fast=True: no fallback extractors inside trafilatura; the vote below is the fallback (better, and
    # faster than trafilatura's own: `newswatch bench extract`)
    # with_metadata=False: trafilatura's metadata pass (htmldate's search of the whole text for a date, the
    # byline heuristics, categories and tags) cost as much as the extraction itself; the title, byline and
    # date are read from the page's markup here (`page_title`, `page_author`, `published_date`), and the
    # feed has its own
    doc = trafilatura.bare_extraction(page_html, url=url, with_metadata=False, include_comments=False,
                                      include_tables=False, favor_precision=True, deduplicate=False, fast=True)
    if doc is None or isinstance(doc, dict):  # a Document with fast=True; a dict only with as_dict=True
        return None
    return (doc.text or "").strip() or None


def _trafilatura_default(page_html: str, url: str) -> str:
    import trafilatura

    # fast=False: this pass runs only where the vote found (next to) nothing, and there trafilatura's own
    # fallbacks (its baseline, jusText, readability) still find a slideshow's captions or a layout the
    # other extractors miss (trafilatura dev +0.002, L3S dev +0.001, Dragnet training +0.002)
    doc = trafilatura.bare_extraction(page_html, url=url, with_metadata=False, include_comments=False,
                                      include_tables=False, deduplicate=False, fast=False)
    return "" if doc is None or isinstance(doc, dict) else (doc.text or "")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _pairs(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text)
    return {tuple(tokens[i:i + _VOTE_NGRAM]) for i in range(max(0, len(tokens) - _VOTE_NGRAM + 1))}


def _covered(paragraph: str, pairs: set[tuple[str, ...]]) -> bool:
    own = _pairs(paragraph)
    return bool(own) and sum(p in pairs for p in own) / len(own) >= _VOTE_COVER


def _confirmed_paragraphs(page_html: str, primary: str, title: str, third: str) -> list[str]:
    """Readability's paragraphs that the primary text (and the title: it is not body) lacks and
    Resiliparse (`third`) confirms (two of three). Resiliparse is cheap and asked first: when (nearly)
    every paragraph of its own that could be body is in the primary text already, readability (the costly
    one) is not run."""
    if not third:
        return []
    have = _pairs(primary) | _pairs(title)
    missing = sum(len(p.split()) for p in _paragraphs(third) if len(p.split()) >= _CANDIDATE_WORDS
                  and not _covered(p, have))
    if missing < _MISSING_WORDS:
        return []
    links = _link_pairs(page_html)
    return [p for p in _confirmed(_readability(page_html), primary, title, third) if not _covered(p, links)]


def _link_pairs(page_html: str) -> set[tuple[str, ...]]:
    """The word pairs of the page's link texts: a paragraph made of them is a list of other stories, a
    comment's author line or a menu, which readability and Resiliparse both keep on some layouts."""
    pairs: set[tuple[str, ...]] = set()
    for m in _ANCHOR_OPEN.finditer(page_html, 0, _PAYWALL_SCAN_CHARS):
        close = _ANCHOR_CLOSE.search(page_html, m.end(), m.end() + _ANCHOR_CHARS)  # bounded, no backtracking
        if close is not None:
            pairs |= _pairs(html_lib.unescape(_TAG.sub(" ", page_html[m.end():close.start()])))
    return pairs


def _confirmed(candidate: str, primary: str, title: str, third: str) -> list[str]:
    """The candidate's paragraphs the primary text and the title lack and Resiliparse's text has."""
    if not candidate or not third:
        return []
    have, confirm = _pairs(primary) | _pairs(title), _pairs(third)
    return [p for p in _paragraphs(candidate) if not _covered(p, have) and _covered(p, confirm)]


def _readability(page_html: str) -> str:
    try:
        from lxml import html as lxml_html
        from readability import Document

        # readability drops scripts and styles after parsing them; a modern page's inline scripts are
        # often most of its bytes, so they go before the parse
        return str(lxml_html.fromstring(Document(_SCRIPT.sub("", page_html)).summary()).text_content())
    except Exception as exc:  # noqa: BLE001 - a page readability cannot read leaves the primary text alone
        log.debug("readability: %s: %s", type(exc).__name__, exc)
        return ""


def _resiliparse(page_html: str) -> str:
    try:
        from resiliparse.extract.html2text import extract_plain_text

        return str(extract_plain_text(page_html, main_content=True, alt_texts=False, links=False,
                                      form_fields=False, noscript=False, list_bullets=False) or "")
    except Exception as exc:  # noqa: BLE001 - as above
        log.debug("resiliparse: %s: %s", type(exc).__name__, exc)
        return ""


def page_author(page_html: str) -> str | None:
    """The byline the page's metadata declares (meta tags, then JSON-LD), for when trafilatura finds none."""
    head = page_html[:_HEAD_CHARS]
    for tag in _AUTHOR_META.finditer(head):
        m = _META_CONTENT.search(tag.group())
        if m and (name := _clean_author(html_lib.unescape(m.group(1) or m.group(2)))):
            return name
    for m in _JSONLD_AUTHOR.finditer(head):
        if name := _clean_author(m.group(1) or m.group(2)):
            return name
    return None


def _clean_author(value: str) -> str | None:
    name = _BY.sub("", " ".join(value.split()))
    if not name or "://" in name or name.startswith("www.") or not any(c.isalpha() for c in name):
        return None
    return unicodedata.normalize("NFC", name[:MAX_AUTHOR_CHARS])


def published_date(page_html: str) -> datetime | None:
    """The publication instant the page declares (article:published_time, JSON-LD datePublished, a
    <time datetime>), when it parses and is plausible."""
    head = page_html[:_HEAD_CHARS]
    candidates = [m.group(1) for tag in _DATE_META.finditer(head) if (m := _CONTENT.search(tag.group()))]
    candidates += _JSONLD_DATE.findall(head) + _TIME_TAG.findall(head)
    for value in candidates:
        when = _parse_date(value)
        if when is not None:
            return when
    return None


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    if not (datetime(1990, 1, 1, tzinfo=timezone.utc) <= when <= now + timedelta(days=1)):
        return None
    return when

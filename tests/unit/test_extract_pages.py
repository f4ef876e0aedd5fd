"""Page extraction on local pages (no network): walls are no bodies, the byline and the date come from the
page's metadata, furniture lines go, and the byline travels with the article."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

from producers.feeds.extract import (
    _covered,
    _is_notice,
    _link_pairs,
    _unconfirmed_fallback,
    close_title,
    extract,
    is_boilerplate_line,
    is_date_line,
    is_promo_line,
    is_wall,
    page_author,
)
from producers.feeds.parse import parse_feed
from schemas.article import RawArticle

URL = "http://news.example/2024/03/05/harbour"
PARAS = [
    "The harbour authority approved a plan on Tuesday to deepen the main channel, a project that port "
    "officials say will let the largest container ships call at the city for the first time since 2019.",
    "Work is due to start in the spring and last two years, with dredging limited to the winter months to "
    "protect the spawning grounds that fishermen and conservation groups had campaigned to keep.",
    "The regional government will pay two thirds of the cost, the authority said, while the rest will come "
    "from a levy on cargo that shipping lines agreed to after months of negotiation with the port.",
    "Residents near the docks have asked for limits on night work, and the council said it would publish "
    "a schedule of the noisiest stages before the first dredger arrives at the entrance of the harbour.",
]


def _page(head: str = "", article: str = "", after: str = "") -> str:
    body = article or "".join(f"<p>{p}</p>" for p in PARAS)
    return (f"<html><head><title>Harbour channel to be deepened</title>{head}</head><body>"
            "<header><nav><a href='/'>Home</a> | <a href='/world'>World</a> | <a href='/sport'>Sport</a></nav>"
            f"</header><main><article><h1>Harbour channel to be deepened</h1>{body}</article>{after}</main>"
            "<footer><p>© 2024 Example News. All rights reserved.</p></footer></body></html>")


def test_a_paywall_teaser_is_not_a_body() -> None:
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
          '"isAccessibleForFree": false, "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": false, '
          '"cssSelector": ".paywall"}}</script>')
    teaser = (f"<p>{PARAS[0]}</p><div class='paywall'><h3>This article is for subscribers only</h3>"
              "<p>Subscribe now to read the full story. Already a subscriber? Sign in.</p>"
              "<a href='/subscribe'>Start your free trial</a></div>")
    assert extract(_page(ld, teaser), URL).text is None
    # the same notice without schema.org's markup: the notice alone tells it is a teaser
    assert extract(_page("", teaser), URL).text is None
    # the whole article with a newsletter box under it is an article
    full = extract(_page("", "", "<div class='promo'><p>Sign up for our newsletter</p></div>"), URL).text
    assert full is not None and "spawning grounds" in full and "newsletter" not in full


def test_a_cookie_wall_is_not_a_body() -> None:
    wall = ("<html><head><title>Before you continue</title></head><body><div id='consent' class='cmp'>"
            "<h2>We value your privacy</h2><p>We and our 842 partners store and access information on your device, "
            "such as cookies, and process personal data for personalised ads and content, measurement and "
            "product development.</p><p>You can accept all, or manage your preferences, including your right to "
            "object where legitimate interest is used.</p><button>Accept all</button><button>Manage options"
            "</button></div></body></html>")
    assert extract(wall, URL).text is None


def test_byline_and_date_from_json_ld() -> None:
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
          '"headline": "Harbour channel to be deepened", "datePublished": "2024-03-05T08:30:00+01:00", '
          '"author": [{"@type": "Person", "name": "Ada Reporter", "url": "https://news.example/ada"}]}'
          '</script>')
    page = extract(_page(ld), URL)
    assert page.author == "Ada Reporter"
    assert page.published_at == datetime(2024, 3, 5, 7, 30, tzinfo=timezone.utc)
    assert page.text is not None and "Harbour channel to be deepened" not in page.text  # the title is not body


def test_byline_and_date_from_meta_tags() -> None:
    head = ('<meta property="article:author" content="https://www.facebook.com/examplenews">'
            '<meta name="author" content="By Bo Writer &amp; Cy Editor">'
            '<meta property="article:published_time" content="2024-03-05T08:30:00Z">')
    page = extract(_page(head), URL)
    # "By" dropped, the profile URL is no name (trafilatura joins two names with "; ")
    assert page.author is not None and page.author.startswith("Bo Writer") and page.author.endswith("Cy Editor")
    assert page.published_at == datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert page_author(_page()) is None  # no byline anywhere: none made up


def test_furniture_lines_are_not_body() -> None:
    for line in ("© 2024 Example News. All rights reserved.", "Post a comment", "Share this", "12 comments",
                 "Click to enlarge", "Related stories:", "Home | World | Business | Sport"):
        assert is_boilerplate_line(line), line
    for line in (PARAS[0], "The ship was 400 metres long.", "Related talks are planned for May."):
        assert not is_boilerplate_line(line), line
    text = extract(_page(), URL).text or ""
    assert all(p.split()[0] in text for p in PARAS) and "All rights reserved" not in text


def test_the_byline_travels_from_feed_and_page_into_the_article() -> None:
    rss = ("<?xml version='1.0'?><rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'><channel>"
           "<title>x</title><item><title>Harbour</title><link>http://news.example/1</link>"
           "<dc:creator>Ada Reporter</dc:creator></item><item><title>Other</title>"
           "<link>http://news.example/2</link></item></channel></rss>")
    items = parse_feed(rss.encode(), "http://news.example/feed")
    assert [i.author for i in items] == ["Ada Reporter", None]
    raw = RawArticle.from_payload({"title": "Harbour", "body": "Text.", "author": "  Ada   Reporter "})
    assert raw.author == "Ada Reporter"
    assert RawArticle.from_payload({"title": "Harbour", "body": "Text.", "author": " "}).author is None


def test_other_languages_furniture_lines_are_not_body() -> None:
    for line in ("Lesen Sie auch: Hafen wird ausgebaut", "Das könnte Sie auch interessieren!", "Keine Kommentare",
                 "Foto: dpa", "Über den Autor", "À lire aussi : le port s'agrandit", "Crédits photos : AFP",
                 "Lea también: El puerto", "Síguenos en Telegram, Instagram y Twitter", "Leggi anche",
                 "Czytaj też: Port w Gdańsku", "Читайте также: Порт расширят", "Inhaltsverzeichnis"):
        assert is_boilerplate_line(line), line
    for line in ("Lesen ist für Kinder wichtig.", "Der Hafen wird ausgebaut, sagte der Bürgermeister.",
                 "Das Foto zeigt den Hafen.", "Les commentaires du ministre ont surpris.",
                 "Читайте газеты каждый день."):
        assert not is_boilerplate_line(line), line


def test_text_is_composed_unicode_whatever_the_page_wrote() -> None:
    decomposed = [unicodedata.normalize("NFD", p.replace("harbour", "café harbour")) for p in PARAS]
    page = extract(_page("", "".join(f"<p>{p}</p>" for p in decomposed)), URL)
    assert page.text is not None and "café" in page.text
    assert page.text == unicodedata.normalize("NFC", page.text)


def test_a_free_article_on_a_site_with_paywalled_others_is_a_body() -> None:
    # the class names of a paywall, but on the free part ("non-paywall") and on other articles' teaser cards
    card = ("<aside><div class='card'><h3 class='subscriber-only-tag'>SUBSCRIBER ONLY</h3>"
            "<a href='/other'>Another story</a></div></aside>")
    short = "".join(f"<p>{p}</p>" for p in PARAS[:2])  # under the teaser length a paywalled page may show
    page = extract(_page("", f"<section class='row non-paywall'>{short}</section>", card), URL)
    assert page.text is not None and "spawning grounds" in page.text
    # a real paywall's class on the same short text still makes it a teaser
    assert extract(_page("", f"{short}<div class='paywall'><p>Register to read on.</p></div>"), URL).text is None


def test_trafilatura_defaults_alone_when_every_other_extractor_found_nothing() -> None:
    article = "\n".join(PARAS)
    assert _unconfirmed_fallback(article, [], "") == PARAS
    assert _unconfirmed_fallback(article, ["A short line."], "") == PARAS
    assert _unconfirmed_fallback(article, [], article) == []  # Resiliparse sees it too: confirmation decides
    assert _unconfirmed_fallback(article, PARAS[:2], "") == []  # the body is no teaser
    assert _unconfirmed_fallback("A caption only.", [], "") == []  # the defaults found no article either


def test_a_page_that_never_closes_its_title_still_has_its_article() -> None:
    page = _page().replace("</title>", "", 1)  # a truncated head: the parser would read the rest as the title
    assert close_title(page).count("</title>") == 1 and close_title(_page()) == _page()
    got = extract(page, URL)
    assert got.text is not None and all(p.split()[0] in got.text for p in PARAS)


def test_news_about_subscribers_is_no_wall() -> None:
    report = ("The streaming service said it added 8.8 million subscribers in the quarter, beating forecasts, and "
              "that a cheaper subscription with advertising now makes up a third of new sign-ups in its markets.")
    brief = extract(_page("", f"<p>{report}</p><p>{PARAS[0]}</p>"), URL).text
    assert brief is not None and "8.8 million subscribers" in brief
    assert not is_wall("Netflix added 8.8 million subscribers in the quarter, it said on Tuesday.")
    # a notice asks the reader for something: it goes, and alone it is a wall
    notice = extract(_page("", f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p><p>Sign up for our newsletter to get the "
                           "morning's news.</p>"), URL).text
    assert notice is not None and "newsletter" not in notice
    assert is_wall("Subscribe now to keep reading. Already a subscriber? Sign in.")


DE_PARAS = [
    "Der Hafenbetreiber hat am Dienstag beschlossen, die Fahrrinne zu vertiefen. Damit sollen erstmals seit "
    "2019 wieder die größten Containerschiffe die Stadt anlaufen können, sagten Vertreter des Hafens.",
    "Die Arbeiten sollen im Frühjahr beginnen und zwei Jahre dauern. Gebaggert wird nur im Winter, um die "
    "Laichgründe zu schützen, für die Fischer und Umweltverbände lange gekämpft hatten.",
]


def test_other_languages_walls_are_not_bodies() -> None:
    # a German paywall's offer under the lead, without schema.org's markup: the offer says it is a teaser
    teaser = (f"<p>{DE_PARAS[0]}</p><div class='offer'><p>Mit Plus weiterlesen</p><p>Alle Artikel, alle "
              "Hintergründe, jederzeit kündbar.</p><p>Bereits Abonnent? Hier anmelden.</p>"
              "<p>Jetzt abonnieren</p></div>")
    assert extract(_page("", teaser), URL).text is None
    assert is_wall("Mit Plus weiterlesen. Jetzt abonnieren und alle Artikel lesen.")
    # French, Spanish and Polish consent walls
    for wall in ("Nous utilisons des traceurs pour mesurer l'audience. Accepter et fermer. Continuer sans accepter.",
                 "Usamos cookies propias y de terceros para fines analíticos. Aceptar cookies. Configurar.",
                 "Korzystamy z plików cookie. Akceptuję wszystkie pliki cookie. Ustawienia zaawansowane."):
        assert is_wall(wall), wall
    # the news reports subscribers in every language: no call, no wall
    news = "".join(f"<p>{p}</p>" for p in DE_PARAS) + (
        "<p>Der Streamingdienst gewann im Quartal 8,8 Millionen Abonnenten hinzu, mehr als erwartet.</p>")
    text = extract(_page("", news), URL).text
    assert text is not None and "Abonnenten" in text and "Laichgründe" in text
    for said in ("Mehr als 2000 Wähler sind bereits registriert, sagte der Sprecher.",
                 "Kunden können den Dienst ab Mai abonnieren, teilte das Unternehmen mit.",
                 "«Мы должны принять все меры», сказал министр.", "Il ne faut pas tout accepter, dit-elle."):
        assert not _is_notice(said), said


def test_a_list_of_links_is_not_restored_as_body() -> None:
    page = ("<p>The council met on Tuesday.</p><ul><li><A href='/a'>Inquest report urges more help for "
            "exploited teens</A></li><li><a href='/b' class='x'><b>Insurer urged to consider</b> pay-as-you-drive "
            "cover</a ></li></ul><a href='/c'>never closed " + "x " * 400)
    links = _link_pairs(page)
    assert _covered("Inquest report urges more help for exploited teens", links)
    assert _covered("Insurer urged to consider pay-as-you-drive cover", links)
    assert not _covered("The council met on Tuesday.", links)
    assert not _covered("never closed x x x", links)  # an <a> not closed within a link's length is no link


def test_a_date_stamp_line_is_not_body() -> None:
    for line in ("10:02 AM CST on Friday, December 28, 2007", "2:18pm Tuesday 1st January 2008", "29 Dec, 2007",
                 "Published: Wednesday 16 January 2008", "Veröffentlicht am 16.08.2019 um 12:50 Uhr",
                 "Publié le 3 mars 2024 à 14h05", "Actualizado el 5 de mayo de 2023"):
        assert is_date_line(line), line
    for line in ("On Tuesday 16 January 2008 the council voted 7 to 2.", "Tuesday", "Published by AP",
                 "In 2007, 12 of the 14 mines closed."):
        assert not is_date_line(line), line
    got = extract(_page("", f"<p>12:50 PM EST, Tuesday March 5, 2024</p>{''.join(f'<p>{p}</p>' for p in PARAS)}"), URL)
    assert got.text is not None and "12:50" not in got.text and "spawning grounds" in got.text


def test_the_site_speaking_of_itself_is_not_body() -> None:
    for line in ("Follow The Gleaner on Twitter and Instagram @JamaicaGleaner and on Facebook @GleanerJamaica.",
                 "For the latest stories and breaking news updates download the Nationnews apps for iOS and Android.",
                 "This article is the copyrighted property of Breaking Belize News.",
                 "Written permission must be obtained before reprint in online or print media.",
                 "Submit your letter to the editor via this form", "Got a news tip? Contact us at desk@example.com"):
        assert is_promo_line(line), line
    # the news reports the same words of others
    for line in ("More than 2 million people follow Musk on Twitter.", "Users can download the app from Tuesday.",
                 "The names may not be published under the court order, the judge said."):
        assert not is_promo_line(line), line
    page = _page("", "".join(f"<p>{p}</p>" for p in PARAS) + "<p>Follow Example News on Facebook and X.</p>")
    got = extract(page, URL)
    assert got.text is not None and "Follow Example News" not in got.text and "spawning grounds" in got.text


def test_a_read_also_label_with_a_long_headline_is_furniture() -> None:
    for line in ("LE PUEDE INTERESAR: La ficha de Juan Orlando Hernández en el MDC de Nueva York",
                 "Read more: Looted colonial art returns to Nigeria after a century in European museums",
                 "Lesen Sie auch: Warum die Bahn im Winter so oft zu spät kommt und was sich ändern soll"):
        assert is_boilerplate_line(line), line
    # a sentence that only starts like one is the article's
    assert not is_boilerplate_line("Read more than 200 pages of the report and you find the same warning again.")

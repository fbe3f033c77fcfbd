"""Feeds and agency formats, detected by content: RSS/Atom, NewsML-G2, NITF, NewsML 1.2, ninjs.

Fixtures in tests/fixtures/wire (see its README): several languages and encodings, ill-formed ones, and
files of kinds newsdigest does not read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.formats import DumpError, ParsedDump, parse_bytes, parse_dump
from summarizer.models import Article

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"


def parse(name: str, *, as_name: str | None = None) -> ParsedDump:
    return parse_bytes((WIRE / name).read_bytes(), name=as_name or name)


def titles(parsed: ParsedDump) -> list[str]:
    return [a.title for a in parsed.articles]


def skips(parsed: ParsedDump) -> list[tuple[str | None, str]]:
    return [(e.item, e.reason) for e in parsed.errors if e.kind == "skipped"]


def test_rss2_content_encoded_is_read_as_html_with_scripts_figures_and_trailers_dropped() -> None:
    parsed = parse("rss20-wordpress.xml")
    bridge = parsed.articles[0]
    assert bridge.title == "Harbour bridge reopens after three-week repair"  # <em> in the title is gone
    assert bridge.paragraphs == (
        "The harbour bridge reopened to traffic on Friday morning after three weeks of repairs to its steel deck, "
        "the city transport department said.",
        "Engineers found corrosion in two expansion joints during a routine inspection in early January & closed "
        "the crossing the same day.",
        "“We are grateful for the patience of everyone who had to take the long way round,” said the city’s "
        "transport director, Alan Reyes.",
        "Buses will return to their usual routes on Monday.",
    )
    assert bridge.guid == "https://courier.example.org/?p=10231"
    assert bridge.url == "https://courier.example.org/2026/01/30/harbour-bridge-reopens/"
    assert bridge.published_at == datetime(2026, 1, 30, 14, 15, tzinfo=UTC)  # -0500 to UTC
    assert bridge.credit_line == "Maria Lopez" and bridge.credits == ("Harbour City Courier",)
    assert bridge.language == "en" and bridge.source == "rss20-wordpress.xml"


def test_two_items_with_different_guids_are_two_stories_even_with_the_same_title_and_body() -> None:
    parsed = parse("rss20-wordpress.xml")
    council = [a for a in parsed.articles if a.title.startswith("Council meeting")]
    assert [a.guid for a in council] == ["https://courier.example.org/?p=10232", "https://courier.example.org/?p=10233"]


def test_a_headline_without_text_is_skipped_with_the_reason_and_a_bad_date_is_reported_not_fatal() -> None:
    parsed = parse("rss20-wordpress.xml")
    assert skips(parsed) == [("https://courier.example.org/?p=10234", "no text")]
    ferry = next(a for a in parsed.articles if a.title.startswith("Ferry"))
    assert ferry.published_at is None and len(ferry.paragraphs) == 2
    (warning,) = [e for e in parsed.errors if e.kind == "warning"]
    assert warning.item == ferry.guid and "unparseable date 'sometime on Friday'" in warning.reason


def test_rss091_with_a_netscape_doctype_and_latin1() -> None:
    parsed = parse("rss091-netscape.xml")
    assert titles(parsed) == ["Village fête raises record sum for school roof", "Café owners oppose parking charges"]
    assert "three cafés" in parsed.articles[1].body
    assert parsed.articles[0].guid == "http://gazette.example.net/news/fete-record.html"  # the link, lacking a guid


def test_rss10_rdf_in_german_with_dublin_core_dates() -> None:
    parsed = parse("rss10-rdf-de.xml")
    assert titles(parsed) == ["Stadtrat beschließt neuen Radweg an der Ukraine-Straße",
                              "Hallenbad öffnet nach Sanierung wieder"]
    assert parsed.articles[0].published_at == datetime(2026, 1, 29, 17, 30, tzinfo=UTC)
    assert {a.language for a in parsed.articles} == {"de"}
    assert parsed.articles[0].credit_line == "Julia Becker"


def test_atom_with_xhtml_content_and_an_html_title() -> None:
    parsed = parse("atom-pt.xml")
    bus, festival = parsed.articles
    assert bus.title == "Prefeitura anuncia novo horário para ônibus do litoral"
    assert len(bus.paragraphs) == 3 and not any("Foto" in p for p in bus.paragraphs)
    assert bus.guid == "tag:jornal.example.com.br,2026:noticia-5521" and bus.language == "pt"
    assert bus.published_at == datetime(2026, 1, 30, 13, 20, tzinfo=UTC)
    assert festival.published_at == datetime(2026, 1, 30, 15, 45, tzinfo=UTC)  # only <updated>
    assert festival.paragraphs[0].startswith("O festival de música")


@pytest.mark.parametrize("name", ["rss20-windows1251-declared.xml", "rss20-windows1251-undeclared.xml"])
def test_windows_1251_feeds_declared_or_not_are_read_without_mojibake(name: str) -> None:
    parsed = parse(name)
    assert titles(parsed) == ["Украина и Россия обменялись пленными", "В Самаре открылся новый мост через Волгу"]
    assert parsed.articles[0].paragraphs[0].startswith("Украина и Россия в пятницу провели")
    assert {a.language for a in parsed.articles} == {"ru"}


def test_the_http_charset_outranks_a_wrong_xml_declaration() -> None:
    data = (WIRE / "rss20-windows1251-declared.xml").read_bytes().replace(b'encoding="windows-1251"',
                                                                          b'encoding="iso-8859-1"')
    wrong = parse_bytes(data, name="feed")
    assert wrong.articles[0].title != "Украина и Россия обменялись пленными"  # the declaration is believed
    right = parse_bytes(data, name="feed", content_type="application/rss+xml; charset=windows-1251")
    assert right.articles[0].title == "Украина и Россия обменялись пленными"


def test_an_ill_formed_feed_is_still_read() -> None:
    parsed = parse("rss20-illformed-it.xml")  # bare &, &nbsp;, unescaped <br> and <p> in descriptions
    assert titles(parsed) == ["Il porto avrà una nuova banchina entro l'estate", "Sciopero dei trasporti lunedì"]
    assert parsed.articles[0].paragraphs == (
        "L'autorità portuale ha approvato venerdì il progetto per una nuova banchina per le navi da crociera. "
        "I lavori dovrebbero concludersi entro l'estate, secondo il presidente dell'autorità.",
        "Il costo previsto è di dodici milioni di euro.",
    )
    assert parsed.articles[1].paragraphs[1] == "Metro garantita nelle fasce protette."


def test_newsml_g2_message_text_items_are_stories_pictures_and_packages_are_skipped() -> None:
    parsed = parse("newsml-g2-message.xml")
    energy, budget = parsed.articles
    assert energy.title == "EU ministers agree gas storage targets for next winter"
    assert energy.guid == "urn:newsml:wire.example.com:20260130:eu-energy"
    assert energy.published_at == datetime(2026, 1, 30, 12, 55, 12, tzinfo=UTC)  # versionCreated
    assert energy.url == "https://wire.example.com/stories/eu-energy"
    assert energy.language == "en" and "Example Wire" in energy.credits
    assert [b.kind for b in energy.blocks] == ["paragraph", "paragraph", "subheading", "paragraph"]
    assert not any("Ministers arrive" in p for p in energy.paragraphs)  # the NITF media caption
    assert energy.caption == "Ministers arrive for the meeting in Brussels, January 30, 2026."
    assert budget.language == "cs" and budget.paragraphs[1].startswith("Návrh nyní posoudí poslanci")
    assert skips(parsed) == [
        ("urn:newsml:wire.example.com:20260130:eu-energy-photo", "picture item, not a story"),
        ("urn:newsml:wire.example.com:20260130:top-stories", "package item (a list of other items), not a story"),
    ]


def test_newsml_g2_item_with_plain_text_inline_data() -> None:
    (article,) = parse("newsml-g2-item-sv.xml").articles
    assert article.title == "Hamnen i Göteborg slår rekord i containertrafik"
    assert len(article.paragraphs) == 2 and article.language == "sv"
    assert article.credit_line == "Erik Lindqvist" and article.credits == ("Exempelbyrån",)


def test_nitf_with_a_doctype_latin1_media_captions_and_blocks() -> None:
    (article,) = parse("nitf-3.6-no.xml").articles
    assert article.title == "Ny tunnel under fjorden åpner i mars"
    assert article.paragraphs == (
        "Den nye tunnelen under fjorden åpner for trafikk i midten av mars, opplyste Statens vegvesen torsdag.",
        "Tunnelen er elleve kilometer lang og har vært under bygging i seks år.",
        "Reisetiden mellom byene blir kortet ned med nesten en time.",
    )
    assert article.guid == "NTB-EX-20260130-0042" and article.language == "nb"
    assert article.published_at == datetime(2026, 1, 30, 9, 15, tzinfo=UTC)
    assert article.url == "https://byraa.example.no/nyheter/tunnel-0042"
    assert article.credits == ("Eksempelbyrået",)


def test_newsml_1_2_text_item_with_nitf_and_a_photo_item_skipped() -> None:
    parsed = parse("newsml-1.2-pt.xml")
    (article,) = parsed.articles
    assert article.title == "Lisboa vai plantar dez mil árvores até 2028"
    assert article.guid == "urn:newsml:agencia.example.pt:20260130:PT-0931:1"
    assert article.published_at == datetime(2026, 1, 30, 12, 5, tzinfo=UTC)
    assert article.language == "pt" and len(article.paragraphs) == 2
    assert article.caption == "Árvores num jardim de Lisboa."
    assert skips(parsed) == [("urn:newsml:agencia.example.pt:20260130:PT-0932:1", "photo item, not a story")]


def test_ninjs_1_headline_body_text_byline() -> None:
    (article,) = parse("ninjs-1.x-en.json").articles
    assert article.title == "City libraries extend weekend opening hours"
    assert len(article.paragraphs) == 2 and article.credit_line == "By Sam Carter"
    assert article.guid == article.url == "http://newsroom.example.org/stories/2026/01/30/library-hours"
    assert article.published_at == datetime(2026, 1, 30, 14, 40, tzinfo=UTC)


def test_ninjs_2_headlines_bodies_with_scripts_pictures_and_headline_only_items() -> None:
    parsed = parse("ninjs-2.x-mixed.json")
    (article,) = parsed.articles
    assert article.title == "Ny ferjerute mellom øyene fra sommeren" and article.language == "nb"
    assert article.paragraphs[1] == "Ruten skal betjenes av en elektrisk ferje med plass til førti biler."
    assert not any("trackView" in p or "color" in p for p in article.paragraphs)
    assert skips(parsed) == [("urn:ninjs:byraa.example.no:2026:photo-77", "picture item, not a story"),
                             ("urn:ninjs:byraa.example.no:2026:flash-12", "no text")]


def test_ninjs_3_camel_case_keys() -> None:
    (article,) = parse("ninjs-3.x-de.json").articles
    assert article.title == "Stadtwerke erhöhen Preise für Fernwärme"
    assert article.published_at == datetime(2026, 1, 30, 15, 2, 28, tzinfo=UTC)
    assert article.credits == ("Beispielagentur",) and article.language == "de"
    assert len(article.paragraphs) == 2 and not any("Heizkraftwerk" in p for p in article.paragraphs)


def test_html_in_json_exports_loses_scripts_and_styles_and_rfc2822_dates_are_kept() -> None:
    parsed = parse("export-cms-html.json")
    museum, snow = parsed.articles
    assert museum.title == "Museum reopens & unveils new wing"
    assert museum.paragraphs == (
        "The city museum reopened on Thursday after a two-year renovation and unveiled a new wing for modern art.",
        "Admission will be free for residents during the first month, the museum director said.",
    )
    assert museum.published_at == datetime(2026, 1, 29, 16, 45, tzinfo=UTC)
    assert snow.published_at is None
    assert [(e.kind, e.line) for e in parsed.errors] == [("warning", 9)]


@pytest.mark.parametrize(("name", "reason"), [
    ("not-ours-kml.xml", "XML with root <kml>: not a feed or a news format newsdigest reads"),
    ("not-ours-sitemap.xml", "XML with root <urlset>: not a feed or a news format newsdigest reads"),
    ("not-ours-page.html", "HTML page (<html>): not a feed or a news format newsdigest reads"),
    ("not-ours-geo.json", "JSON object with keys features, type: not an article export or ninjs"),
])
def test_markup_and_json_of_other_kinds_are_rejected_naming_what_they_look_like(name: str, reason: str) -> None:
    with pytest.raises(DumpError) as caught:
        parse(name)
    assert reason in caught.value.reason


def test_formats_are_detected_by_content_not_by_file_name(tmp_path: Path) -> None:
    for source, disguise in (("rss20-wordpress.xml", "feed.txt"), ("nitf-3.6-no.xml", "story.json"),
                             ("newsml-g2-item-sv.xml", "noextension")):
        path = tmp_path / disguise
        path.write_bytes((WIRE / source).read_bytes())
        assert parse_dump(path).articles, source


def _all_fixture_articles() -> list[tuple[str, Article]]:
    roots = [WIRE, WIRE.parent / "dumps", Path(__file__).resolve().parents[2] / "bot" / "samples"]
    found: list[tuple[str, Article]] = []
    for root in roots:
        for path in sorted(p for p in root.iterdir() if p.is_file() and p.suffix != ".md"):
            try:
                found.extend((path.name, a) for a in parse_dump(path).articles)
            except DumpError:
                continue  # the not-ours files: rejected, which another test checks
    return found


MARKUP = ("<p", "</", "<br", "<div", "<script", "<img", "<figure", "/>", "&lt;", "&gt;", "&amp;", "&#", "&nbsp;",
          "]]>", "<![CDATA[", "<catalogRef", "<category", "<?xml")


def test_no_markup_ever_becomes_a_title_or_a_sentence() -> None:
    articles = _all_fixture_articles()
    assert len(articles) >= 25
    for name, article in articles:
        for text in (article.title, *(b.text for b in article.blocks), article.caption or ""):
            assert not any(mark in text for mark in MARKUP), (name, text)
            assert "\ufffd" not in text and "Ð" not in text and "â€" not in text, (name, text)  # no mojibake

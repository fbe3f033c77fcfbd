"""Breakage found by running real public feeds and agency files through the parsers (see
tests/fixtures/wire/PUBLIC-SAMPLES.md): each test rebuilds the shape that broke, in text written here.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.formats import DumpError, ParsedDump, parse_bytes
from bot.ingest.service import ingest_paths

TAG = re.compile(r"</?[A-Za-z][\w:.-]*[^<>]*>")
LEAD = "The harbour bridge reopened to traffic on Friday morning after three weeks of repairs to its steel deck."
SECOND = "Engineers found corrosion in two expansion joints during a routine inspection in early January."


def texts(parsed: ParsedDump) -> list[str]:
    return [t for a in parsed.articles for t in (a.title, *a.paragraphs)]


def assert_clean(parsed: ParsedDump) -> None:
    assert parsed.articles
    for text in texts(parsed):
        assert not TAG.search(text) and "&lt;" not in text and "Ã" not in text, text


def nitf(declared: str, headline: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<?xml version="1.0" encoding="{declared}"?><nitf><head><docdata><doc-id id-string="x-1"/></docdata>'
            f"</head><body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head>"
            f"<body.content>{body}</body.content></body></nitf>")


def test_utf8_bytes_under_an_iso_8859_1_declaration_are_read_as_utf8() -> None:
    # AFP and NTB NITF/NewsML files written by UTF-8 systems keep the old Latin-1 declaration.
    data = nitf("iso-8859-1", "Décès de l'opératrice: condamnée", "Le tribunal a confirmé la peine à Strasbourg.")
    (article,) = parse_bytes(data.encode("utf-8"), name="afp.xml").articles
    assert article.title == "Décès de l'opératrice: condamnée"
    assert article.paragraphs == ("Le tribunal a confirmé la peine à Strasbourg.",)
    latin = nitf("iso-8859-1", "Ærlig talt på Østlandet", "Været på Østlandet blir kaldt i helgen, sier meteorologen.")
    assert parse_bytes(latin.encode("latin-1"), name="ntb.xml").articles[0].title == "Ærlig talt på Østlandet"


def test_escaped_markup_inside_nitf_paragraphs_never_becomes_text() -> None:
    embed = ('&lt;div class="factcheck-embed" data-id="a0G"&gt;&lt;/div&gt;'
             '&lt;script async src="https://factcheck.example.no/embed.js"&gt;&lt;/script&gt;')
    data = nitf("utf-8", "Nei, dokumentet beskriver ikke planen", "Dokumentet er fra 1992 og handler om miljø.", embed,
                "Zoo tar imot 800&lt;endash&gt;-&lt;/endash&gt;1000 dyr i året.")
    parsed = parse_bytes(data.encode(), name="ntb.xml")
    assert_clean(parsed)
    assert parsed.articles[0].paragraphs == ("Dokumentet er fra 1992 og handler om miljø.",
                                             "Zoo tar imot 800-1000 dyr i året.")


def test_plain_text_inline_data_that_carries_html_is_parsed_as_html() -> None:
    # ANSA's NewsML-G2 sends <p> markup in inlineData labelled text/plain.
    data = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:ansa:1"><itemMeta>'
            '<itemClass qcode="ninat:text"/></itemMeta><contentMeta><headline>Bridge reopens</headline>'
            '</contentMeta><contentSet><inlineData contenttype="text/plain"><![CDATA[<p>\n (ANSA) - '
            f"{LEAD}\n</p><p>{SECOND}</p>]]></inlineData></contentSet></newsItem>")
    parsed = parse_bytes(data.encode(), name="ansa.xml")
    assert_clean(parsed)
    assert parsed.articles[0].paragraphs == (f"(ANSA) - {LEAD}", SECOND)


def test_a_results_table_is_a_story_not_a_photo_caption() -> None:
    # "(1815/1815)" ends many lines of a fixtures list; a slash between digits is no photo credit.
    body = ("Jan 3 (OPTA) - Results and fixtures for the Primeira Liga on Wednesday Aves (0) 1 Moreirense (2) 2 "
            "Thursday, January 4 fixtures (WET/GMT) Setubal v Estoril (1815/1815)")
    data = nitf("utf-8", "Primeira Liga Results", body)
    assert parse_bytes(data.encode(), name="results.xml").articles[0].paragraphs == (body,)


def test_an_atom_entry_document_and_a_feed_pasted_into_an_html_page_are_read_as_feeds() -> None:
    entry = (f'<?xml version="1.0"?><entry xmlns="http://www.w3.org/2005/Atom"><title>Bridge reopens</title>'
             f"<id>urn:uuid:1</id><updated>2026-01-30T09:00:00Z</updated><content>{LEAD}</content></entry>")
    assert [a.title for a in parse_bytes(entry.encode(), name="entry.xml").articles] == ["Bridge reopens"]
    page = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><entry><title>Bridge reopens</title>'
            f"<id>urn:uuid:2</id><updated>2026-01-30T09:00:00Z</updated><content>{LEAD}</content></entry>"
            "</feed></body></html>")
    assert [a.guid for a in parse_bytes(page.encode(), name="page.xml").articles] == ["urn:uuid:2"]
    with pytest.raises(DumpError, match="HTML page"):  # an ordinary page is still refused
        parse_bytes(b"<html><body><p>Hello</p></body></html>", name="page.html")


def test_a_gzipped_feed_file_is_read_and_a_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    feed = (f'<rss version="2.0"><channel><title>Courier</title><item><title>Bridge reopens</title>'
            f"<guid>g-1</guid><description>{LEAD}</description></item></channel></rss>")
    assert parse_bytes(gzip.compress(feed.encode()), name="feed.xml").articles[0].title == "Bridge reopens"
    monkeypatch.setattr("bot.ingest.formats.MAX_GUNZIPPED", 64 * 1024)
    with pytest.raises(DumpError, match="expands beyond"):
        parse_bytes(gzip.compress(feed.encode() + b" " * 200_000), name="bomb.xml")


def test_ninjs_search_results_are_read_item_by_item() -> None:
    data = {"total": 2, "limit": 20, "offset": 0, "item": [
        {"uri": "urn:x:1", "type": "text", "headline": "Bridge reopens", "body_html": f"<p>{LEAD}</p>"},
        {"uri": "urn:x:2", "type": "picture", "headline": "The bridge at dawn"}]}
    parsed = parse_bytes(json.dumps(data).encode(), name="search.json")
    assert [a.title for a in parsed.articles] == ["Bridge reopens"]
    assert [(e.item, e.reason) for e in parsed.errors if e.kind == "skipped"] == [
        ("urn:x:2", "picture item, not a story")]


@pytest.fixture
def app(tmp_path: Path) -> App:
    return bootstrap(load_settings(), database_url=f"sqlite:///{tmp_path / 'nd.db'}")


def test_a_file_of_non_stories_only_is_read_fine_not_rejected(app: App, tmp_path: Path) -> None:
    # An IPTC planning item, a picture-only item: nothing to store, and nothing wrong with the file.
    (tmp_path / "planning.xml").write_text(
        '<planningItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:plan:1"><itemMeta>'
        '<itemClass qcode="plinat:newscoverage"/></itemMeta></planningItem>')
    try:
        (result,) = ingest_paths(app, [tmp_path / "planning.xml"]).results
    finally:
        app.close()
    assert (result.status, result.new) == ("ok", 0)
    assert result.reason == "no stories: 1 skipped (planning item (news coverage planning), not a story)"


def g2_message(count: int, *, broken: bool = False) -> bytes:
    """A newsMessage of ``count`` text items and one picture item, as agencies send a day's file."""
    items = "".join(
        f'<newsItem guid="urn:msg:{n}"><itemMeta><itemClass qcode="ninat:text"/></itemMeta><contentMeta>'
        f"<headline>Harbour report number {n}</headline></contentMeta><contentSet><inlineXML>"
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{LEAD} Report {n}.</p><p>{SECOND}</p></body></html>'
        f"</inlineXML></contentSet></newsItem>" for n in range(count))
    picture = ('<newsItem guid="urn:msg:photo"><itemMeta><itemClass qcode="ninat:picture"/></itemMeta>'
               "</newsItem>")
    tail = "</itemSet>" if broken else "</itemSet></newsMessage>"  # broken: the message is cut off
    return (f'<?xml version="1.0" encoding="utf-8"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
            f"<header><sent>2026-01-30T09:00:00Z</sent></header><itemSet>{items}{picture}{tail}").encode()


def test_a_newsml_g2_message_is_read_one_item_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.ingest.newsml_g2 as g2

    held: list[int] = []
    real = g2.news_item

    def counting(element: object) -> object:
        held.append(len(element.getparent()))  # type: ignore[attr-defined]  # items still in the tree
        return real(element)  # type: ignore[arg-type]

    monkeypatch.setattr(g2, "news_item", counting)
    parsed = parse_bytes(g2_message(1200), name="day.xml")
    assert [a.title for a in parsed.articles] == [f"Harbour report number {n}" for n in range(1200)]
    assert [e.reason for e in parsed.errors] == ["picture item, not a story"]
    # Each item is freed once read: the tree holds only what the parser has read ahead (one buffer, some
    # 60 of these items), never the message's 1,201.
    assert len(held) == 1201 and max(held) < 200


def test_an_ill_formed_message_is_still_read_leniently_as_a_whole() -> None:
    parsed = parse_bytes(g2_message(3, broken=True), name="cut.xml")
    assert [a.title for a in parsed.articles] == [f"Harbour report number {n}" for n in range(3)]
    assert any(e.kind == "warning" and "not well-formed" in e.reason for e in parsed.errors)

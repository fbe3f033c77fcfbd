"""Real public feeds and agency files through the real ingest service (when a copy is on this machine).

The files are other people's (IPTC's examples, feed libraries' and newsroom tools' test suites); they are
not committed here. tests/fixtures/wire/PUBLIC-SAMPLES.md lists each one (repository, path, commit,
licence) and where the test looks for them: ``$NEWSDIGEST_PUBLIC_WIRE_SAMPLES``, else
``../shared/samples/wire-public`` next to the checkout. Without them the test skips.

For every file: it is read (never rejected, except the few listed in REFUSED, which are formats newsdigest
does not read and must say so); every item is either stored or skipped with a reason (stored + skipped ==
the items an independent reading of the file counts); every stored title is exactly an item's headline as
the file gives it; no title or paragraph holds markup, an entity or mojibake.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.service import ingest_paths
from bot.store.articles import ArticleRepository

ROOT = Path(__file__).resolve().parents[2]


def _samples() -> Path | None:
    shared = ROOT.parent / "shared" / "samples" / "wire-public"
    for candidate in (os.environ.get("NEWSDIGEST_PUBLIC_WIRE_SAMPLES"), shared):
        if candidate and (Path(candidate) / "MANIFEST.tsv").is_file():
            return Path(candidate)
    return None


SAMPLES = _samples()
pytestmark = pytest.mark.skipif(SAMPLES is None, reason="no copy of the public wire samples on this machine "
                                "(see tests/fixtures/wire/PUBLIC-SAMPLES.md)")

# Files that are not a format newsdigest reads (or not a whole document): refused, naming what they are.
REFUSED = {
    "iptc-LISTING_25_": "XML with root <contentSet>",  # fragments printed in the NewsML-G2 guidelines
    "iptc-LISTING_28_": "XML with root <contentMeta>",
    "iptc-LISTING_7_": "XML with root <groupSet>",
    "iptc-LISTING_8_": "XML with root <groupSet>",
    "iptc-LISTING_9_": "XML with root <groupSet>",
    "superdesk-ap_media_text_feed": "JSON object with keys api_mode",  # AP Media API JSON, not ninjs
    "superdesk-ap_media_text_item": "JSON object with keys api_mode",
    "superdesk-ritzau_": "XML with root <",  # Ritzau's own XML
}
TAG = re.compile(r"</?[A-Za-z][\w:.-]*(\s[^<>]*)?/?>|<!\[CDATA\[|&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});")
MOJIBAKE = re.compile(r"Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]|â€|Ð[\u0080-\u00bf]|\ufffd")


def _files() -> list[str]:
    if SAMPLES is None:
        return []
    rows = (line.split("\t") for line in (SAMPLES / "MANIFEST.tsv").read_text().splitlines() if line.strip())
    return [row[0] for row in rows]


def _clean(value: str | None) -> str:
    text = html.unescape(re.sub(r"<[^<>]*>", " ", value or ""))
    return " ".join(text.split())


def _local(element: etree._Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _first_text(element: etree._Element, *names: str) -> str:
    for name in names:
        for found in element.iter():
            if _local(found) == name and _clean(" ".join(found.itertext())):
                return _clean(" ".join(found.itertext()))
    return ""


def _xml_headlines(data: bytes) -> list[str]:
    """Headlines of the story-like items of an agency file, read independently of bot.ingest."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:  # AFP/NTB files declare iso-8859-1 and are written in UTF-8: what the bytes are wins
        root = etree.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", data.decode("utf-8")), parser)
    except UnicodeDecodeError:
        root = etree.fromstring(data, parser)
    kind = _local(root)
    if kind == "nitf":
        return [_first_text(root, "hl1", "title")]
    if kind in ("NewsML", "NewsItem"):
        items = [root] if kind == "NewsItem" else [e for e in root.iter() if _local(e) == "NewsItem"]
        return [_first_text(item, "HeadLine", "hl1") for item in items]
    items = [root] if kind != "newsMessage" else [
        e for s in root if _local(s) == "itemSet" for e in s if isinstance(e.tag, str)]
    return [_first_text(item, "headline", "hl1", "title") for item in items]


def _json_headlines(data: bytes) -> list[str]:
    value = json.loads(data)
    records = value if isinstance(value, list) else next(
        (value[k] for k in ("articles", "items", "item", "_items") if isinstance(value.get(k), list)), [value])
    out = []
    for record in records:
        headlines = record.get("headlines") or [{}]
        out.append(_clean(record.get("headline") or record.get("title") or headlines[0].get("value")))
    return out


def _feed_headlines(data: bytes) -> list[str]:
    import feedparser

    return [_clean(e.get("title")) for e in feedparser.parse(io.BytesIO(data)).entries]


def headlines(path: Path) -> list[str]:
    import gzip

    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        return _json_headlines(data)
    head = data[:4000].decode("latin-1")
    if re.search(r"<(\w+:)?(rss|feed|RDF|entry)\b", head):
        return _feed_headlines(data)
    return _xml_headlines(data)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=f"sqlite:///{tmp_path_factory.mktemp('public')}/nd.db")
    yield application
    application.close()


@pytest.mark.parametrize("name", _files())
def test_a_real_public_file_is_stored_under_its_headlines_without_markup_or_mojibake(app: App, name: str) -> None:
    assert SAMPLES is not None
    path = SAMPLES / name
    (result,) = ingest_paths(app, [path]).results
    refused = next((reason for prefix, reason in REFUSED.items() if name.startswith(prefix)), None)
    if refused:
        assert result.status == "rejected" and refused in (result.reason or ""), result.to_dict()
        return
    assert result.status == "ok", result.to_dict()
    assert all(e.kind != "rejected" for e in result.record_errors), result.to_dict()
    skipped = [e for e in result.record_errors if e.kind == "skipped"]
    with app.sessions() as session:
        stored = ArticleRepository(session).get_many(result.article_ids)
    expected = headlines(path)
    assert len(result.article_ids) + len(skipped) == len(expected), (expected, result.to_dict())
    # Compared without spaces: the reading here cannot tell inline tags ("ft<sup>2</sup>") from block ones.
    unspaced = {"".join(e.split()) for e in expected}
    for article in stored:
        assert "".join(article.title.split()) in unspaced, (article.title, expected)
        for text in (article.title, *article.paragraphs):
            assert not TAG.search(text), (article.title, text)
            assert not MOJIBAKE.search(text), (article.title, text)

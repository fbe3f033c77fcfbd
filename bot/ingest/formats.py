"""Dump formats, detected by content: plain-text dumps, JSON/JSONL exports and ninjs, RSS/Atom feeds,
IPTC NewsML-G2, NITF and NewsML 1.2. The file name only breaks ties between text and JSON.

Public API: :func:`iter_dump` (stream a file's articles), :func:`parse_dump` / :func:`parse_bytes` (all at
once, for small inputs; ``parse_bytes`` takes a fetched feed's HTTP Content-Type), :func:`read_markup`,
:data:`PARSERS`, :class:`DumpSource`, :class:`ParsedDump`, :class:`RecordError`, :class:`DumpError`. A new
format is a generator ``(DumpSource) -> Iterator[Article | RecordError]`` registered in :data:`PARSERS`,
and a rule in :func:`sniff_format` that picks it. Markup of a kind newsdigest does not read (KML, an
HTML page, a sitemap...) is rejected with a reason naming what it looks like; it never becomes stories.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from lxml import etree

from bot.ingest.feeds import parse_feed
from bot.ingest.items import WireItem, articles_of
from bot.ingest.json_export import iter_json, iter_jsonl
from bot.ingest.json_records import loads
from bot.ingest.language import detect_language
from bot.ingest.newsml1 import parse_newsml1
from bot.ingest.newsml_g2 import ITEM_KINDS, parse_g2, stream_g2_message
from bot.ingest.nitf import parse_nitf
from bot.ingest.parsed import DumpError, DumpSource, ParsedDump, ParseItem, Parser, RecordError, collect
from bot.ingest.text_dump import iter_text
from bot.ingest.xmlsafe import decode_markup, parse_xml, prolog_and_root, refuse_entities, without_declaration
from summarizer.models import Article

__all__ = [
    "PARSERS", "DumpError", "DumpSource", "ParseItem", "ParsedDump", "RecordError", "iter_dump", "iter_source",
    "parse_bytes", "parse_dump", "read_markup", "sniff_format",
]

TEXT_SUFFIXES = frozenset({".txt", ".text"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
FEED_ROOTS = frozenset({"rss", "RDF", "feed", "channel", "entry"})  # "entry": an Atom Entry Document
# A feed pasted inside an HTML page (saved from a browser, served by a misconfigured CMS).
_FEED_INSIDE = re.compile(r"<(?:\w+:)?feed\b[^>]*\bxmlns(?::\w+)?=[\"']http://www\.w3\.org/2005/Atom|<rss\b[^>]*\bversion=")
GZIP_MAGIC = b"\x1f\x8b"
MAX_GUNZIPPED = 256 * 1024 * 1024  # a gzipped feed file may expand to this much, no more (a gzip bomb stops)
_TreeParser = Callable[[etree._Element], Iterable[WireItem | RecordError]]
# Root element (local name) -> parser of the parsed tree.
XML_FORMATS: dict[str, _TreeParser] = {
    **{kind: parse_g2 for kind in (*ITEM_KINDS, "newsMessage")},
    "nitf": parse_nitf,
    "NewsML": parse_newsml1,
    "NewsItem": parse_newsml1,
}


def _starts_with_markup(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n").startswith("<")
    return head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")


def _not_ours(root: str) -> str:
    if root.split(":")[-1].lower() == "html":
        return "HTML page (<html>): not a feed or a news format newsdigest reads"
    return f"XML with root <{root}>: not a feed or a news format newsdigest reads"


def read_markup(text: str, *, name: str) -> Iterator[ParseItem]:
    """Stories (and per-item skips and warnings) of a decoded XML document, by its root element."""
    refuse_entities(text)  # first: a hostile file is named as such, whatever its root
    _, root_name = prolog_and_root(text)
    if root_name is None:
        raise DumpError("markup without a root element: not a feed or a news format newsdigest reads")
    local = root_name.split(":")[-1]
    if local in FEED_ROOTS or (local.lower() == "html" and _FEED_INSIDE.search(text)):
        yield from _require_items(articles_of(parse_feed(without_declaration(text)), name=name))
        return
    if local not in XML_FORMATS:
        raise DumpError(_not_ours(root_name))
    if local == "newsMessage":
        try:
            streamed = stream_g2_message(text)
        except etree.XMLSyntaxError:
            pass  # ill-formed: read leniently as a whole below (with the note saying so)
        else:
            yield from _require_items(articles_of(streamed, name=name))
            return
    root, note = parse_xml(text)
    if note:
        yield RecordError(0, note, "warning")
    yield from _require_items(articles_of(XML_FORMATS[local](root), name=name))


def _require_items(items: Iterator[ParseItem]) -> Iterator[ParseItem]:
    """A markup file with no story and a broken item is unusable; one of non-stories only is read fine."""
    found = False
    first_rejected: RecordError | None = None
    for item in items:
        found = found or isinstance(item, Article) or item.kind == "skipped"
        if isinstance(item, RecordError) and item.kind == "rejected" and first_rejected is None:
            first_rejected = item
        yield item
    if not found:
        raise DumpError(f"no article found ({first_rejected.reason})" if first_rejected else "no items found")


def iter_markup(source: DumpSource) -> Iterator[ParseItem]:
    """Feeds and wire formats: read whole (a feed or an agency file is small) and parsed as XML."""
    with source.open() as stream:
        data = stream.read()
    yield from read_markup(decode_markup(data, content_type=source.content_type), name=source.name)


def _with_language(items: Iterator[ParseItem]) -> Iterator[ParseItem]:
    """Plain-text dumps say nothing about language: detect it for each story."""
    for item in items:
        if isinstance(item, Article) and not item.language:
            item = dataclasses.replace(item, language=detect_language(item.title, item.paragraphs))
        yield item


PARSERS: dict[str, Parser] = {"text": iter_text, "json": iter_json, "jsonl": iter_jsonl, "markup": iter_markup}


def _looks_like_jsonl(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return len(lines) > 1 and sum(line.startswith("{") for line in lines) * 2 > len(lines)


def sniff_format(head: str, *, name: str, complete: bool = True) -> str:
    """Format name ("markup", "text", "json" or "jsonl"): markup by content, then extension, then content.

    ``head`` is the start of the decoded file (all of it when ``complete``).
    """
    if head.lstrip()[:1] == "<":
        return "markup"
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    start = head.lstrip()[:1]
    if suffix in JSON_SUFFIXES or start in ("[", "{"):
        # One object per line in a ".json" file is common enough to accept.
        if complete:
            lines = start == "{" and _looks_like_jsonl(head) and not _is_one_json(head)
        else:  # a long file: its first line must be a whole record by itself
            whole = head[: head.rfind("\n") + 1]
            lines = start == "{" and _looks_like_jsonl(whole) and _is_one_json(whole.lstrip().split("\n")[0])
        return "jsonl" if lines else "json"
    return "text"


def _is_one_json(text: str) -> bool:
    try:
        loads(text)  # tolerant of huge integers, like the parser itself
    except (ValueError, RecursionError):
        return False
    return True


def _head(source: DumpSource) -> tuple[str, bool]:
    """The first decoded chunk of ``source`` and whether it is the whole file."""
    chunks = source.text_chunks()
    try:
        head = next(chunks, "")
        return head, next(chunks, None) is None
    finally:
        chunks.close()  # type: ignore[attr-defined]


def iter_source(source: DumpSource) -> Iterator[ParseItem]:
    """Stream one dump's articles and record errors in file order (see :mod:`bot.ingest.parsed`)."""
    with source.open() as stream:
        first = stream.read(1024)
    if first.startswith(GZIP_MAGIC):  # a feed saved as served with Content-Encoding: gzip
        yield from iter_source(DumpSource.from_bytes(_gunzip(source), name=source.name,
                                                     content_type=source.content_type))
        return
    if _starts_with_markup(first):
        yield from iter_markup(source)
        return
    head, complete = _head(source)
    kind = sniff_format(head, name=source.name, complete=complete)
    yield from _with_language(PARSERS[kind](source))


def _gunzip(source: DumpSource) -> bytes:
    """The decompressed bytes of a gzip file, refused past MAX_GUNZIPPED (bounded memory, whatever the ratio)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    try:
        with source.open() as stream:
            while block := stream.read(1 << 16):
                out += inflater.decompress(block, MAX_GUNZIPPED + 1 - len(out))
                if len(out) > MAX_GUNZIPPED or inflater.unconsumed_tail:
                    raise DumpError(f"gzip file expands beyond {MAX_GUNZIPPED // (1024 * 1024)} MB: not read")
        out += inflater.flush()
    except zlib.error as exc:
        raise DumpError(f"broken gzip file ({exc})") from exc
    if out.startswith(GZIP_MAGIC):
        raise DumpError("gzip inside gzip: not read")
    return bytes(out)


def iter_dump(path: Path) -> Iterator[ParseItem]:
    """Stream one dump file; raises DumpError when it is unreadable or unusable."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise DumpError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return iter_source(DumpSource.from_path(path))


def parse_bytes(data: bytes, *, name: str, content_type: str | None = None) -> ParsedDump:
    """Parse a dump's or a fetched feed's raw bytes; ``name`` becomes ``source``.

    ``content_type``: the HTTP Content-Type of a fetched document; its charset outranks the document's
    own declaration. Raises DumpError when the whole file is unusable (with the reason).
    """
    return collect(iter_source(DumpSource.from_bytes(data, name=name, content_type=content_type)))


def parse_dump(path: Path) -> ParsedDump:
    """Read and parse one dump file at once; raises DumpError when it is unreadable or unusable."""
    return collect(iter_dump(path))

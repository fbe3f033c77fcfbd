"""RSS 0.9x / 1.0 (RDF) / 2.0 and Atom feeds, read with feedparser (which copes with ill-formed feeds).

Field map (see docs/dump-formats.md): title <- ``title``; body <- ``content:encoded`` / Atom ``content``,
else ``description`` / ``summary``; url <- ``link``; published <- ``pubDate`` / ``published`` /
``dc:date`` / ``updated``; byline <- ``author`` / ``dc:creator``; credit <- the feed's title; language
<- the entry's ``xml:lang``, else the channel's ``language``; guid <- ``guid`` / Atom ``id``.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bot.ingest.items import WireItem
from bot.ingest.parsed import DumpError, RecordError

_PLAIN_TYPES = ("text/plain",)


def _when(entry: Any) -> str | datetime | None:
    """Published time: feedparser's parsed UTC value, else the raw string (reported if unparseable).

    Plain ``dict.get``: FeedParserDict maps a missing "updated" to "published" with a deprecation warning.
    """
    for key in ("published", "updated", "created"):
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    for key in ("published", "updated", "created"):
        raw = dict.get(entry, key)
        if raw:
            return str(raw)
    return None


def _body(entry: Any) -> tuple[str | None, str | None]:
    """(HTML body, plain-text body) from the entry's content, the richest first."""
    contents = [c for c in entry.get("content") or () if (c.get("value") or "").strip()]
    contents.sort(key=lambda c: len(c.get("value") or ""), reverse=True)
    for content in contents:
        if content.get("type") in _PLAIN_TYPES:
            return None, content["value"]
        return content["value"], None
    return None, None


def _language(entry: Any, default: str | None) -> str | None:
    for content in entry.get("content") or ():
        if content.get("language"):
            return str(content["language"])
    detail = entry.get("title_detail") or {}
    return str(detail.get("language") or entry.get("language") or default or "") or None


def _summary(entry: Any) -> str | None:
    detail = entry.get("summary_detail") or {}
    value = entry.get("summary")
    if not value:
        return None
    # A plain-text description keeps its line breaks; HTML ones are parsed as HTML later.
    return str(value) if detail.get("type") not in _PLAIN_TYPES else str(value).replace("\n", "\n\n")


def parse_feed(text: str) -> Iterator[WireItem | RecordError]:
    """Items of an RSS/Atom feed given as decoded text; DumpError when feedparser finds no feed at all."""
    import feedparser  # imported when a feed arrives: no import-time cost for dump-only users

    # A stream, never a string: feedparser takes a string that looks like a URL or a path as one to open.
    data = text.encode("utf-8")
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-type": "application/xml; charset=utf-8"},
                              resolve_relative_uris=False, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise DumpError(f"not a readable RSS or Atom feed{f': {problem}' if problem else ''}")
    channel = parsed.get("feed") or {}
    credit = str(channel.get("title") or "").strip() or None
    default_language = channel.get("language")
    if not parsed.entries:
        raise DumpError("feed has no items")
    for entry in parsed.entries:
        html, plain = _body(entry)
        source = entry.get("source") or {}
        yield WireItem(
            title=entry.get("title"),
            html=html,
            text=plain,
            summary=_summary(entry),
            url=entry.get("link"),
            published=_when(entry),
            credit=str(source.get("title") or "") or credit,
            byline=entry.get("author"),
            language=_language(entry, default_language),
            guid=entry.get("id") or entry.get("link"),
        )

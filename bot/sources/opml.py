"""OPML 1.0/2.0 subscription lists: what feed readers import and export.

Reading uses defusedxml: an OPML file comes from elsewhere, and entity expansion or external entities
in it are refused rather than followed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.app.errors import UserError
from bot.sources.config import format_duration, parse_every

EVERY_CATEGORY = "/newsdigest/every/"


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None = None
    every: int | None = None  # from our own export's category hint


def _every(category: str | None) -> int | None:
    for part in (category or "").split(","):
        if part.strip().startswith(EVERY_CATEGORY):
            try:
                return parse_every(part.strip()[len(EVERY_CATEGORY):])
            except UserError:
                return None
    return None


def read_opml(data: bytes, *, name: str = "OPML file") -> list[OpmlFeed]:
    """Every outline with an ``xmlUrl`` (at any depth: categories nest), in file order, without repeats."""
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise UserError(f"{name}: refused: {type(exc).__name__} (entities are not allowed in OPML)") from exc
    except ET.ParseError as exc:
        raise UserError(f"{name}: not well-formed XML: {exc}") from exc
    if root.tag.lower() != "opml":
        raise UserError(f"{name}: not OPML (root element <{root.tag}>)")
    feeds: dict[str, OpmlFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and url not in feeds:
            title = (outline.get("title") or outline.get("text") or "").strip() or None
            feeds[url] = OpmlFeed(url, title, _every(outline.get("category")))
    return list(feeds.values())


def write_opml(feeds: Sequence[tuple[str, str | None, int]], *, now: datetime | None = None) -> bytes:
    """OPML 2.0 for (url, title, every seconds) rows; the interval rides along as a category hint."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = "newsdigest sources"
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(opml, "body")
    for url, title, every in feeds:
        ET.SubElement(body, "outline", type="rss", text=title or url, title=title or url, xmlUrl=url,
                      category=f"{EVERY_CATEGORY}{format_duration(every)}")
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"

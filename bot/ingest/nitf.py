"""NITF 3.x (News Industry Text Format), alone or inside NewsML-G2 / NewsML 1.2.

Field map: title <- ``body.head/hedline/hl1`` (else ``head/title``); body <- ``body.content`` (``p``,
``hl2``, ``block``; ``media`` and captions dropped), else ``abstract``; byline <- ``byline``; credit <-
``distributor``, else ``doc.copyright/@holder``; published <- ``date.issue/@norm`` / ``date.release``
/ ``story.date/@norm``; guid <- ``doc-id/@id-string``; url <- ``pubdata/@ex-ref``; language <- ``xml:lang``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from bot.ingest.items import WireItem
from bot.ingest.parsed import RecordError
from bot.ingest.xmltree import attr, block_text, child, descendants, first, lang, local, text


def _credit(nitf: etree._Element) -> str | None:
    distributor = text(first(nitf, "distributor"))
    if distributor:
        return distributor
    return attr(first(nitf, "doc.copyright"), "holder") or attr(first(nitf, "pubdata"), "name")


def _published(nitf: etree._Element) -> str | None:
    for name in ("date.issue", "date.release"):
        value = attr(first(nitf, name), "norm")
        if value:
            return value
    story_date = first(nitf, "story.date")
    return attr(story_date, "norm") or text(story_date) or attr(first(nitf, "pubdata"), "date.publication")


def _captions(nitf: etree._Element) -> tuple[str, ...]:
    return tuple(c for c in (text(m) for m in descendants(nitf, "media-caption")) if c)


def nitf_item(nitf: etree._Element) -> WireItem:
    """The fields of one ``<nitf>`` element."""
    head, body = child(nitf, "head"), child(nitf, "body")
    body_head = child(body, "body.head")
    hedline = child(body_head, "hedline")
    headline = text(child(hedline, "hl1")) or text(child(head, "title"))
    url = attr(first(head, "pubdata"), "ex-ref")
    byline_element = first(body_head, "byline")
    return WireItem(
        title=headline,
        text=block_text(child(body, "body.content")),
        summary=text(first(body_head, "abstract")),
        url=url if url and url.startswith(("http://", "https://")) else None,
        published=_published(nitf),
        credit=_credit(nitf),
        byline=text(byline_element),
        language=lang(nitf, head, body),
        guid=attr(first(head, "doc-id"), "id-string"),
        captions=_captions(nitf),
        line=nitf.sourceline or 0,
    )


def parse_nitf(root: etree._Element) -> Iterator[WireItem | RecordError]:
    """A NITF document: one story."""
    if local(root) != "nitf":  # pragma: no cover - the sniffer routes only <nitf> here
        return
    yield nitf_item(root)

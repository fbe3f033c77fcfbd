"""IPTC NewsML 1.2: ``NewsML`` documents holding ``NewsItem``s made of nested ``NewsComponent``s.

A NewsItem is a story when one of its components carries text (``MediaType`` Text, with NITF, XHTML
or plain text in ``DataContent``). Items with only photos, references to other items, or a withdrawn
status are skipped with the reason.

Field map: guid <- ``Identification/NewsIdentifier/PublicIdentifier``; title <- ``NewsLines/HeadLine``;
body <- the text ``ContentItem``; byline <- ``ByLine``; credit <- ``CreditLine``, else the
``Provider``'s Party; published <- ``NewsManagement/ThisRevisionCreated``, else ``FirstCreated``;
language <- ``DescriptiveMetadata/Language/@FormalName``; captions <- components with the Caption role.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from bot.ingest.items import WireItem
from bot.ingest.nitf import nitf_item
from bot.ingest.parsed import RecordError
from bot.ingest.xmltree import attr, block_text, child, children, descendants, first, local, text

_WITHDRAWN = frozenset({"canceled", "cancelled", "withheld", "withdrawn"})


def _formal(element: etree._Element | None) -> str:
    return (attr(element, "FormalName") or "").lower()


def _text_content(item: etree._Element) -> tuple[str | None, WireItem | None, tuple[str, ...]]:
    """(plain text, the embedded NITF item, captions) of the item's text ContentItems."""
    body: str | None = None
    embedded: WireItem | None = None
    captions: list[str] = []
    for component in descendants(item, "NewsComponent"):
        role = _formal(child(component, "Role"))
        for content in children(component, "ContentItem"):
            if _formal(child(content, "MediaType")) not in ("text", "") or child(content, "DataContent") is None:
                continue
            data = child(content, "DataContent")
            nitf = first(data, "nitf")
            value = block_text(first(data, "body")) if nitf is None else None
            if nitf is None and value is None:
                value = text(data)
            if role == "caption":
                caption = value if nitf is None else nitf_item(nitf).text
                if caption:
                    captions.append(caption)
            elif body is None and embedded is None:
                body, embedded = value, nitf_item(nitf) if nitf is not None else None
    return body, embedded, tuple(captions)


def _provider(item: etree._Element) -> str | None:
    party = first(first(item, "Provider"), "Party")
    return attr(party, "FormalName") or text(first(item, "ProviderId"))


def news_item(item: etree._Element) -> WireItem | RecordError:
    line = item.sourceline or 0
    identifier = first(item, "NewsIdentifier")
    guid = text(child(identifier, "PublicIdentifier"))
    if guid is None and identifier is not None:
        parts = [text(child(identifier, n)) for n in ("ProviderId", "DateId", "NewsItemId")]
        guid = ":".join(p for p in parts if p) or None
    management = child(item, "NewsManagement")
    status = _formal(child(management, "Status"))
    if status in _WITHDRAWN:
        return RecordError(line, f"item {status} by its provider", "skipped", guid)
    if child(item, "NewsComponent") is None:
        kind = "reference to other items" if first(item, "NewsItemRef") is not None else "item without content"
        return RecordError(line, f"{kind}, not a story", "skipped", guid)
    body, embedded, captions = _text_content(item)
    if body is None and embedded is None:
        media = {_formal(m) for m in descendants(item, "MediaType")} - {"", "text"}
        kind = f"{'/'.join(sorted(media))} item" if media else "item without text"
        return RecordError(line, f"{kind}, not a story", "skipped", guid)
    lines = first(item, "NewsLines")
    published = text(child(management, "ThisRevisionCreated")) or text(child(management, "FirstCreated"))
    return WireItem(
        title=text(child(lines, "HeadLine")) or (embedded.title if embedded else None),
        text=body if embedded is None else (embedded.text or embedded.summary),
        url=embedded.url if embedded else None,
        published=published or (embedded.published if embedded else None),
        credit=text(child(lines, "CreditLine")) or _provider(item) or (embedded.credit if embedded else None),
        byline=text(child(lines, "ByLine")) or (embedded.byline if embedded else None),
        language=attr(first(item, "Language"), "FormalName") or (embedded.language if embedded else None),
        guid=guid,
        captions=captions + (embedded.captions if embedded else ()),
        line=line,
    )


def parse_newsml1(root: etree._Element) -> Iterator[WireItem | RecordError]:
    items = [root] if local(root) == "NewsItem" else list(children(root, "NewsItem"))
    if not items:
        yield RecordError(root.sourceline or 0, "NewsML document with no NewsItem", "skipped")
    for item in items:
        yield news_item(item)

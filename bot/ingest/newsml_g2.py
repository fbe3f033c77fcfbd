"""IPTC NewsML-G2: ``newsMessage`` envelopes and ``newsItem`` / ``packageItem`` documents.

Only text newsItems are stories. Picture, graphic, video and audio items, packages (lists of other
items), concept/knowledge/planning items and withdrawn items are skipped with the reason.

Field map: guid <- ``@guid``; title <- ``contentMeta/headline`` (the main one); body <- ``contentSet``:
``inlineXML`` (NITF ``body.content`` or XHTML ``body``) or ``inlineData`` (text/plain or text/html);
summary <- ``contentMeta/description``; byline <- ``contentMeta/by``, else ``creator/name``; credit <-
``creditline``, else ``infoSource/name``, else ``itemMeta/provider``; published <- ``itemMeta/versionCreated``, else
``firstCreated`` / ``contentCreated``; url <- ``itemMeta/link[@rel=…canonical]``; language <-
``contentMeta/language/@tag``, else ``@xml:lang``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from bot.ingest.items import WireItem
from bot.ingest.nitf import nitf_item
from bot.ingest.parsed import RecordError
from bot.ingest.xmlsafe import iter_complete
from bot.ingest.xmltree import attr, block_text, child, children, code, first, lang, local, text

ITEM_KINDS = frozenset({"newsItem", "packageItem", "conceptItem", "knowledgeItem", "planningItem", "catalogItem"})
_NOT_STORIES = {
    "packageItem": "package item (a list of other items), not a story",
    "conceptItem": "concept item (a subject definition), not a story",
    "knowledgeItem": "knowledge item (a vocabulary), not a story",
    "planningItem": "planning item (news coverage planning), not a story",
    "catalogItem": "catalog item, not a story",
}
_WITHDRAWN = frozenset({"canceled", "cancelled", "withheld"})


def _headline(meta: etree._Element | None) -> str | None:
    headlines = children(meta, "headline")
    main = [h for h in headlines if code(h.get("role")) in ("", "main", "headline")]
    for candidate in (*main, *headlines):
        value = text(candidate)
        if value:
            return value
    return None


def _summary(meta: etree._Element | None) -> str | None:
    for description in children(meta, "description"):
        if code(description.get("role")) != "caption":
            return text(description)
    return None


def _body(content_set: etree._Element | None) -> tuple[str | None, str | None, WireItem | None]:
    """(HTML, plain text, the embedded NITF item) of the first usable rendition."""
    for content in content_set if content_set is not None else ():
        kind = (content.get("contenttype") or "").lower()
        if local(content) == "inlineXML":
            nitf = first(content, "nitf")
            if nitf is not None:
                return None, None, nitf_item(nitf)
            body = first(content, "body")
            return None, block_text(body if body is not None else content), None
        if local(content) == "inlineData" and content.text:
            if "html" in kind:
                return content.text, None, None
            return None, content.text, None
    return None, None, None


def _provider(meta: etree._Element | None) -> str | None:
    provider = child(meta, "provider")
    return text(child(provider, "name")) or attr(provider, "literal") or (
        code(attr(provider, "qcode")).upper() or None)


def _url(item_meta: etree._Element | None) -> str | None:
    for link in children(item_meta, "link"):
        href = attr(link, "href")
        if href and code(link.get("rel")) in ("canonical", "self", "alternate") and href.startswith("http"):
            return href
    return None


def news_item(item: etree._Element) -> WireItem | RecordError:
    """One newsItem as a WireItem, or a skip when it is not a text story."""
    guid = attr(item, "guid")
    line = item.sourceline or 0
    item_meta, content_meta = child(item, "itemMeta"), child(item, "contentMeta")
    kind = code(attr(child(item_meta, "itemClass"), "qcode")) or "text"
    if kind != "text":
        return RecordError(line, f"{kind} item, not a story", "skipped", guid)
    status = code(attr(child(item_meta, "pubStatus"), "qcode"))
    if status in _WITHDRAWN:
        return RecordError(line, f"item {status} by its provider", "skipped", guid)
    html, plain, embedded = _body(child(item, "contentSet"))
    published = next((v for v in (text(child(item_meta, n)) for n in ("versionCreated", "firstCreated")) if v),
                     None) or text(child(content_meta, "contentCreated"))
    by = text(child(content_meta, "by")) or text(child(child(content_meta, "creator"), "name"))
    return WireItem(
        title=_headline(content_meta) or (embedded.title if embedded else None),
        html=html,
        text=plain if embedded is None else (embedded.text or embedded.summary),
        summary=_summary(content_meta),
        url=_url(item_meta) or (embedded.url if embedded else None),
        published=published or (embedded.published if embedded else None),
        credit=text(child(content_meta, "creditline")) or text(child(child(content_meta, "infoSource"), "name"))
        or _provider(item_meta) or (embedded.credit if embedded else None),
        byline=by or (embedded.byline if embedded else None),
        language=attr(child(content_meta, "language"), "tag") or lang(item)
        or (embedded.language if embedded else None),
        guid=guid,
        captions=embedded.captions if embedded else (),
        line=line,
    )


def parse_g2(root: etree._Element) -> Iterator[WireItem | RecordError]:
    """Items of a newsMessage, or the one item of a newsItem / packageItem document."""
    items = [root] if local(root) in ITEM_KINDS else [
        element for item_set in children(root, "itemSet") for element in item_set if local(element) in ITEM_KINDS]
    if not items:
        yield RecordError(root.sourceline or 0, "NewsML-G2 message with no items", "skipped")
    for item in items:
        name = local(item)
        if name == "newsItem":
            yield news_item(item)
        else:
            yield RecordError(item.sourceline or 0, _NOT_STORIES[name], "skipped", attr(item, "guid"))


def _in_item_set(element: etree._Element) -> bool:
    parent = element.getparent()
    return local(element) in ITEM_KINDS and parent is not None and local(parent) == "itemSet"


def stream_g2_message(text: str) -> list[WireItem | RecordError]:
    """The items of a ``newsMessage``, read one item at a time (see :func:`iter_complete`).

    What is kept are the items' fields (strings), not the tree: memory follows the text, not the
    several times larger parsed document. Raises ``etree.XMLSyntaxError`` when the XML is ill-formed.
    """
    out: list[WireItem | RecordError] = []
    for element in iter_complete(text, _in_item_set):
        name = local(element)
        out.append(news_item(element) if name == "newsItem" else
                   RecordError(element.sourceline or 0, _NOT_STORIES[name], "skipped", attr(element, "guid")))
    if not out:
        out.append(RecordError(0, "NewsML-G2 message with no items", "skipped"))
    return out

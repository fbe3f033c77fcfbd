"""Namespace-blind helpers over lxml trees: wire formats come with, without and with wrong namespaces."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from lxml import etree

from bot.ingest.markup import tree_text

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def local(element: etree._Element) -> str:
    """The element's name without namespace ("{ns}newsItem" -> "newsItem"); "" for comments."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if element is None else [c for c in element if local(c) == name]


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down ``path`` (each step a direct child's local name), or None."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if local(c) == name), None)
    return element


def descendants(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if element is None:
        return
    for found in element.iter():
        if local(found) == name:
            yield found


def first(element: etree._Element | None, name: str) -> etree._Element | None:
    return next(descendants(element, name), None)


def text(element: etree._Element | None) -> str | None:
    """All text inside ``element``, whitespace collapsed; None when empty."""
    if element is None:
        return None
    value = " ".join(" ".join(element.itertext()).split())
    return value or None


def attr(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() or None if value else None


def lang(*elements: etree._Element | None) -> str | None:
    """The first ``xml:lang`` among ``elements``."""
    for element in elements:
        value = attr(element, XML_LANG)
        if value:
            return value
    return None


def block_text(element: etree._Element | None) -> str | None:
    """Paragraphs of a block of (X)HTML or NITF markup, blank-line separated (the tree is not modified)."""
    if element is None:
        return None
    return tree_text(copy.deepcopy(element)) or None


def code(qcode: str | None) -> str:
    """The code of a QCode or a NewsCodes URI: "ninat:text" / ".../ninature/text" -> "text"."""
    if not qcode:
        return ""
    return qcode.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower()

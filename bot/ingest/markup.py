"""HTML in story bodies and titles to plain paragraphs, with a real HTML parser (lxml.html).

Feeds (``content:encoded``, Atom content), ninjs ``body_html``, NITF/NewsML-G2 block markup and web-CMS
JSON exports carry HTML. Block elements become paragraph breaks, ``<br>`` a line break; scripts, styles,
embeds, figures and their captions, and page furniture (share bars, "related" boxes, ads) are dropped;
entities are decoded by the parser. The result is text with blank lines between paragraphs, ready for
:func:`bot.ingest.body.body_lines`.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Elements whose whole content is never story text.
_DROP = _names(
    "script style iframe frame frameset object embed applet noscript template svg math canvas video audio "
    "source track picture img figure figcaption form button input select option textarea label nav aside "
    "head title meta link base map area dialog menu "
    # NITF block markup: media objects and their captions, tables of figures, notes to editors.
    "media media-caption media-producer media-metadata media-reference media-object ed-msg tagline"
)
# Elements that start and end a paragraph.
_BLOCK = _names(
    "p div section article main header footer h1 h2 h3 h4 h5 h6 ul ol li dl dt dd blockquote pre table "
    "thead tbody tfoot tr td th caption hr address center body html hl1 hl2 block"
)
# class/id words of page furniture inside article HTML (WordPress captions, share bars, ad slots).
_FURNITURE_WORDS = _names(
    "caption captions credit credits related share sharing social advert advertisement ad ads adslot promo "
    "newsletter subscribe feedflare byline-photo photo-credit image-credit embed"
)
_WORD_SPLIT = re.compile(r"[\s_-]+")
# Tag names that mark a string as HTML (a bare "<" in prose does not).
HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|a|em|strong|b|i|u|s|h[1-6]|li|ul|ol|figure|figcaption|script|style|iframe|img|"
    r"table|tr|td|th|blockquote|section|article|aside|noscript|svg|video|audio|source|picture|small|sup|sub|"
    r"hr|pre|code|font|center|header|footer|nav|form|input|button|object|embed|meta|link|html|body|head|"
    r"title|abbr|cite|q|mark|time|dl|dt|dd|caption)\b[^<>]*>",
    re.I,
)
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});")
# WordPress and feed-service trailers: "The post X appeared first on Y."
_TRAILER = re.compile(r"^(?:The post .{1,300} appeared first on .{1,200}|Continue reading\W*|Read more\W*)$", re.I)
_PARA = "\ue000"  # paragraph break (private use: never in real text)
_LINE = "\ue001"  # line break


def looks_like_html(text: str) -> bool:
    """True when ``text`` carries HTML tags or entities (plain prose with a "<" does not)."""
    return bool(HTML_TAG.search(text) or _ENTITY.search(text))


def _is_furniture(element: etree._Element) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    if not names.strip():
        return False
    return any(word in _FURNITURE_WORDS for word in _WORD_SPLIT.split(names))


def _local(tag: object) -> str:
    """Lower-case local name of an element tag ("{ns}p" -> "p"); "" for comments and the like."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _drop_unwanted(root: etree._Element) -> None:
    doomed = [el for el in root.iter() if el is not root and (
        not isinstance(el.tag, str) or _local(el.tag) in _DROP or _is_furniture(el))]
    for element in doomed:
        if element.getparent() is None:
            continue  # already gone with a dropped ancestor
        parent = element.getparent()
        tail = element.tail
        if tail and tail.strip():
            # Keep the text after the dropped element (lxml.html's drop_tree does the same).
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            elif parent is not None:
                parent.text = (parent.text or "") + tail
        if parent is not None:
            parent.remove(element)


_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0\u2028\u2029]+")


def _flatten(text: str | None) -> str:
    # Source newlines are insignificant in HTML: only the markers we insert are structure.
    return _SPACES.sub(" ", text) if text else ""


def tree_text(root: etree._Element) -> str:
    """Paragraphs of an (X)HTML or NITF element tree, blank-line separated; ``root`` is modified."""
    _drop_unwanted(root)
    chunks: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name in _BLOCK:
                chunks.append(_PARA)
            elif name == "br":
                chunks.append(_LINE)
            chunks.append(_flatten(element.text))
        else:
            if name in _BLOCK:
                chunks.append(_PARA)
            if element is not root:
                chunks.append(_flatten(element.tail))
    return _layout("".join(chunks))


def _layout(marked: str) -> str:
    paragraphs: list[str] = []
    for block in marked.split(_PARA):
        current: list[str] = []
        # Two <br> in a row (an empty line between them) separate paragraphs in much feed HTML.
        for line in (" ".join(raw.split()) for raw in block.split(_LINE)):
            if line:
                current.append(line)
            elif current:
                paragraphs.append("\n".join(current))
                current = []
        if current:
            paragraphs.append("\n".join(current))
    return "\n\n".join(p for p in paragraphs if not _TRAILER.match(p))


def html_to_text(markup: str) -> str:
    """Story text of an HTML fragment or page: paragraphs separated by blank lines ("" when none).

    HTML escaped twice (a feed that escapes its already-escaped HTML) shows tags once decoded: those
    are parsed again, so no ``<p>`` ever reaches a stored paragraph.
    """
    text = _html_to_text(markup)
    if HTML_TAG.search(text):
        text = _html_to_text(text)
    return text


def _html_to_text(markup: str) -> str:
    if not markup or not markup.strip():
        return ""
    # A blank line in the source is a paragraph break in CMS exports that mix newlines and tags.
    markup = re.sub(r"\n[ \t]*\n", _PARA, markup)
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    text = tree_text(root)
    return text.replace(_PARA, "\n\n")


# Any tag left in text once the markup is parsed: a provider's own escaped markup (STT's
# "&lt;endash&gt;"), an escaped code sample in a blog post ("<IfModule mod_rewrite.c>"). Never a sentence.
_LEFTOVER_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s+[^<>]*?)?\s*/?>|<!--.*?-->|<!\[CDATA\[|\]\]>", re.S)


def strip_tags(text: str) -> str:
    """``text`` without tag-like tokens (their content stays); spaces the removal doubled are closed up."""
    if "<" not in text and "]]>" not in text:
        return text
    cleaned = _LEFTOVER_TAG.sub("", text)
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in cleaned.split("\n"))


def inline_text(markup: str) -> str:
    """One line of text from a title or other short field that may carry tags or entities."""
    if not looks_like_html(markup):
        return " ".join(markup.split())
    return " ".join(html_to_text(markup).split())

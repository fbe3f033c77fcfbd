"""Hardened XML reading: decoding by declaration or HTTP charset, and a parser that expands nothing.

Every XML format goes through here before any parser sees it:

* a document that declares entities in its DOCTYPE (``<!ENTITY``: billion laughs, XXE, parameter
  entities) is rejected outright: news formats never need them, and rejecting costs nothing;
* lxml parses with ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False`` and
  ``huge_tree=False`` (libxml2's depth and text-size limits stay on), so even a declaration that slipped
  through would not be expanded, fetched or read from disk.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator

from lxml import etree

from bot.ingest.decode import legacy_encoding
from bot.ingest.parsed import DumpError

_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_DECLARATION = re.compile(r"""\A\s*<\?xml\b[^>]*?\?>""")
_DECLARED_ENCODING = re.compile(rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ENTITY = re.compile(r"<!ENTITY\b", re.I)
# The first start tag of the document. Everything a DOCTYPE may hold starts with "<!" or "<?", so
# this is the root element even after an internal subset (an entity value holding "<b>" comes after
# its own "<!ENTITY", which is refused anyway).
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP Content-Type ("text/xml; charset=windows-1251" -> "windows-1251")."""
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_markup(data: bytes, *, content_type: str | None = None) -> str:
    """XML/HTML/JSON bytes to text: BOM, then the HTTP charset, then the XML declaration, then detection.

    An HTTP charset outranks the document's own declaration (RFC 7303); a declaration the bytes do not
    match (a "UTF-8" feed written in windows-1251) falls through to detection instead of mojibake, and
    bytes that are valid UTF-8 beyond ASCII are read as UTF-8 whatever the label says.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode("utf-8-sig" if name == "utf-8" else name)
            except UnicodeDecodeError as exc:
                raise DumpError(f"invalid {name.upper()} text ({exc.reason})") from exc
    if not data.isascii():
        try:
            # Multi-byte UTF-8 sequences almost never occur by chance in single-byte text, so bytes that
            # decode as UTF-8 are UTF-8 even under an "iso-8859-1" label (agency NITF and NewsML files
            # written by UTF-8 systems keep the old declaration; taking it would store "DÃ©cÃ¨s").
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    declared = _DECLARED_ENCODING.match(data[:1024])
    candidates: tuple[str | None, ...] = (
        charset_of(content_type), declared.group(1).decode("ascii") if declared else None, "utf-8")
    for candidate in candidates:
        codec = _codec(candidate)
        if codec is None or codec.startswith("utf-16") or codec.startswith("utf-32"):
            continue  # UTF-16 without a BOM is not something a feed or a wire service sends
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    encoding = legacy_encoding(data)
    return data.decode(encoding or "cp1252", errors="replace")


def without_declaration(text: str) -> str:
    """The document without its ``<?xml ...?>`` line: once decoded, its encoding no longer applies."""
    return _DECLARATION.sub("", text, count=1)


def prolog_and_root(text: str) -> tuple[str, str | None]:
    """(the prolog before the root element, the root element's qualified name or None)."""
    match = _FIRST_TAG.search(text)
    if match is None:
        return text, None
    return text[: match.start()], match.group(1)


def refuse_entities(text: str) -> None:
    """Raise DumpError when the DOCTYPE declares entities (entity expansion and XXE are never allowed)."""
    prolog, _ = prolog_and_root(text)
    if _ENTITY.search(prolog):
        raise DumpError(ENTITY_REFUSAL)


ENTITY_REFUSAL = ("XML declares entities in its DOCTYPE (<!ENTITY>): refused, newsdigest never expands "
                  "entities or reads external ones")


_RESOURCE_LIMIT = 114  # libxml2's XML_ERR_RESOURCE_LIMIT


def _parser(*, recover: bool) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, recover=recover)


def parse_xml(text: str) -> tuple[etree._Element, str | None]:
    """Parse decoded XML safely: (root element, a note when the file was ill-formed and parsed leniently).

    Raises DumpError when even the lenient parse finds no element.
    """
    refuse_entities(text)
    data = without_declaration(text).encode("utf-8")
    try:
        root = etree.fromstring(data, _parser(recover=False))
        _no_declared_entities(root)
        return root, None
    except etree.XMLSyntaxError as exc:
        problem = str(exc.msg or exc)
        if exc.code == _RESOURCE_LIMIT or "XML_PARSE_HUGE" in problem or "amplification" in problem:
            # Too deep, a text node too long, entity amplification: refused, never "recovered".
            raise DumpError(f"XML over the parser's safety limits: {problem}") from exc
    try:
        root = etree.fromstring(data, _parser(recover=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise DumpError(f"XML is not well-formed: {problem}")
    _no_declared_entities(root)
    return root, f"XML is not well-formed ({problem}); read leniently"


def _no_declared_entities(root: etree._Element) -> None:
    """Second line of defence: an internal DTD that declares entities is refused even if the text check missed it."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise DumpError(ENTITY_REFUSAL)


def iter_complete(text: str, wanted: Callable[[etree._Element], bool]) -> Iterator[etree._Element]:
    """Stream the elements ``wanted`` picks, each complete, freeing each (and what came before it) once
    the caller is done with it: a NewsML-G2 message of thousands of items never sits in memory as one
    tree. Same hardening as :func:`parse_xml` (no entities, no DTD, no network, no huge trees).

    Raises ``etree.XMLSyntaxError`` on ill-formed XML (the caller then reads the file with
    :func:`parse_xml`, which recovers what it can and says so).
    """
    refuse_entities(text)
    data = io.BytesIO(without_declaration(text).encode("utf-8"))
    for _, element in etree.iterparse(data, events=("end",), resolve_entities=False, no_network=True,
                                      load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True):
        if not wanted(element):
            continue
        yield element
        element.clear(keep_tail=True)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]  # the items before this one: already read

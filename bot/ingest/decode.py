"""Bytes to clean text: encoding detection and binary rejection.

UTF-8 first. Bytes that are not UTF-8 are in a legacy encoding: charset-normalizer tells a Cyrillic,
Greek or Central European one (windows-1251, KOI8-R, windows-1250...) from Western ones; Western text
is read as cp1252 (Latin-1 for its five undefined bytes), byte by byte, so a UTF-8 file with a few
pasted cp1252 lines keeps both intact.

:func:`text_chunks` does it chunk by chunk on an open file, so a dump of any size is read in bounded
memory: chunks end at line breaks, where no UTF-8 (or cp1252) character can be cut in two.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

import charset_normalizer

from bot.ingest.parsed import DumpError

# Characters that are line breaks in some editors or encodings; folded to "\n" so line logic sees them.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Control and invisible format characters that carry no text (tab and newline survive).
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u200b-\u200f\u2060-\u2064\ufeff\ufffe]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What the line-break, invisible and control patterns can find in ASCII text ("\n" and tab are text).
_ASCII_ODD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BINARY_RATIO = 0.01
# UTF-8 read as cp1252 leaves a lead character and its continuation characters: "â€™" for "’",
# "Ã©" for "é". The continuation set is what cp1252 shows for bytes 0x80-0xBF.
_CONT = (
    "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}}")
HTML_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});")
# Matched on whitespace-collapsed text: a leading ``\s*`` would rescan a long run of spaces from every
# position (quadratic: 20 KB of spaces took 40 s), a single optional space cannot.
_WEB_ARTEFACTS = re.compile(r",? ?\bopens new tab\b| ?\bPurchase Licensing Rights\b")


def _legacy_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: read as Latin-1
        return chr(byte)


def _decode_mixed(data: bytes) -> str:
    """UTF-8 where the bytes are valid UTF-8, cp1252 (then Latin-1) for every byte that is not.

    Pure cp1252/Latin-1 files decode exactly as with those codecs; files with a few legacy lines
    pasted into UTF-8 keep their UTF-8 characters intact.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    return "".join(_legacy_char(ord(ch) - 0xDC00) if "\udc80" <= ch <= "\udcff" else ch for ch in text)


def _cp1252_byte(ch: str) -> bytes:
    try:
        return ch.encode("cp1252")
    except UnicodeEncodeError:
        return bytes([ord(ch)])  # a byte cp1252 leaves undefined, kept as Latin-1 by the misreading


def _undo_mojibake(match: re.Match[str]) -> str:
    """One UTF-8 character that was misread as cp1252 ("â€™" for "’"); unchanged unless it decodes."""
    run = match.group(0)
    try:
        return b"".join(_cp1252_byte(ch) for ch in run).decode("utf-8")
    except UnicodeDecodeError:
        return run


def readable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (a Latin-1 "Zürich.txt") read as cp1252, not kept as
    lone surrogates, which no database and no UTF-8 log can store."""
    if name.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    return _decode_mixed(name.encode("utf-8", "surrogateescape"))


def decode_bytes(data: bytes) -> str:
    """Decode a dump: BOMs honoured, UTF-8 first, then cp1252 and Latin-1 for the bytes UTF-8 rejects."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DumpError(f"invalid UTF-16 text ({exc.reason})") from exc
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return _decode_chunk(data)


def normalise_text(text: str) -> str:
    """Fold line breaks to "\\n", drop invisible characters, NFC-normalise; raise on binary-looking text."""
    if not text.strip():
        raise DumpError("empty file")
    text = normalise_chunk(text)
    if not text.strip():
        raise DumpError("empty file (no visible text)")
    return text


def normalise_chunk(text: str) -> str:
    """:func:`normalise_text` for one piece of a file (ending at a line break): no emptiness check."""
    if text.isascii() and not _ASCII_ODD.search(text):
        # Nothing below changes plain ASCII without control characters (no mojibake lead, nothing to
        # drop, NFC is the identity); the substitutions cost about 60 ms per MB even when they find nothing.
        return text
    text = _LINE_BREAKS.sub("\n", text)
    # Mojibake first: a misread "’" carries C1 characters that would otherwise look binary.
    text = _MOJIBAKE.sub(_undo_mojibake, text.replace("â€\ufffd", "”"))
    controls = len(_CONTROLS.findall(text))
    if controls > max(2, len(text) * _BINARY_RATIO):
        raise DumpError("binary file (control characters), not a text dump")
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text))


def clean_line(line: str) -> str:
    """Collapse tabs, non-breaking and repeated spaces; strip both ends, web link artefacts and HTML entities."""
    if "&" in line and HTML_ENTITY.search(line):
        line = html.unescape(line)
    line = " ".join(line.split())
    if "opens new tab" in line or "Purchase Licensing Rights" in line:
        line = " ".join(_WEB_ARTEFACTS.sub("", line).split())
    return line


CHUNK_BYTES = 1 << 20  # what one read takes; a chunk grows to the next line break
_MAX_LINE_BYTES = 16 << 20  # a "line" longer than this is cut anyway (memory stays bounded)


def _line_end(buffer: bytes | bytearray, final: bool) -> int:
    """Where to cut ``buffer``: after its last line break ("\\r" only when "\\n" cannot follow), or 0."""
    if final:
        return len(buffer)
    cut = buffer.rfind(b"\n") + 1
    carriage = buffer.rfind(b"\r") + 1
    if cut < carriage < len(buffer):
        cut = carriage
    if cut == 0 and len(buffer) >= _MAX_LINE_BYTES:
        # No line break in 16 MB: cut anyway, but before a UTF-8 character that may be incomplete.
        cut = len(buffer)
        while cut > 1 and buffer[cut - 1] & 0xC0 == 0x80:
            cut -= 1
        if buffer[cut - 1] >= 0xC0:
            cut -= 1
    return cut


def _byte_chunks(stream: BinaryIO, first: bytes) -> Iterator[bytes]:
    """The rest of a byte stream in pieces that end at line breaks (the last one wherever the file ends)."""
    buffer = bytearray(first)
    while True:
        data = stream.read(CHUNK_BYTES)
        if data:
            buffer += data
            if len(buffer) < CHUNK_BYTES:
                continue
        cut = _line_end(buffer, final=not data)
        if cut:
            yield bytes(buffer[:cut])
            del buffer[:cut]
        if not data:
            return


def _utf16_chunks(stream: BinaryIO, first: bytes) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-16")()
    pending = ""
    data = first
    while True:
        final = not data
        try:
            pending += decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            raise DumpError(f"invalid UTF-16 text ({exc.reason})") from exc
        cut = len(pending) if final else pending.rfind("\n") + 1
        if cut:
            yield pending[:cut]
            pending = pending[cut:]
        if final:
            return
        data = stream.read(CHUNK_BYTES)


def _decode_chunk(data: bytes) -> str:
    """UTF-8, a detected legacy encoding (windows-1251...), or UTF-8 mixed with cp1252/Latin-1 (no BOM
    here: the caller has dealt with it)."""
    if b"\x00" in data:
        raise DumpError("binary file (contains NUL bytes), not a text dump")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = legacy_encoding(data)
    return data.decode(encoding) if encoding else _decode_mixed(data)


# Letters of Central European alphabets that cp1252 has no place for: their presence means windows-1250
# (or ISO 8859-2) really is the encoding, not a Western text the detector was unsure about.
_CENTRAL_EUROPEAN = frozenset("ąćęłńśźżĄĆĘŁŃŚŹŻčďěňřšťůžČĎĚŇŘŤŮľĺŕĽĹŔőűŐŰăşţșțĂŞŢȘȚ")
_LATIN_EXTRA = frozenset(("cp1250", "iso8859_2", "iso8859_16", "cp852", "mac_latin2"))
_SAMPLE_BYTES = 256 * 1024  # enough to tell the encoding; detection time stays flat for large dumps


def _non_latin_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha() and ord(ch) > 0x24F]
    total = sum(1 for ch in text if ch.isalpha())
    return len(letters) / total if total else 0.0


def legacy_encoding(data: bytes) -> str | None:
    """The non-Western legacy encoding of bytes that are not UTF-8 (e.g. "cp1251"), or None for Western.

    charset-normalizer's guess is taken when it gives a non-Latin script or Central European letters;
    otherwise (a Western text, or a guess such as cp775 for French) the caller reads cp1252.
    """
    best = charset_normalizer.from_bytes(data[:_SAMPLE_BYTES]).best()
    if best is None or best.encoding in ("ascii", "utf_8", "cp1252", "latin_1", "iso8859_15"):
        return None
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if _non_latin_share(text) > 0.3:
        return best.encoding
    if best.encoding in _LATIN_EXTRA and any(ch in _CENTRAL_EUROPEAN for ch in text):
        return best.encoding
    return None


def text_chunks(stream: BinaryIO) -> Iterator[str]:
    """Decoded, normalised text of ``stream`` in pieces of about a megabyte, each ending at a line break.

    Joined, the pieces equal ``normalise_text(decode_bytes(data))`` for the whole file. Raises DumpError
    for an empty or binary file (binary content found later in a long file raises when it is reached).
    """
    head = stream.read(4)
    pieces: Iterator[str]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        pieces = _utf16_chunks(stream, head)
    else:
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8):]
        pieces = (_decode_chunk(data) for data in _byte_chunks(stream, head))
    raw_seen = visible = False
    for piece in pieces:
        raw_seen = raw_seen or bool(piece.strip())
        text = normalise_chunk(piece)
        if text:
            visible = visible or bool(text.strip())
            yield text
    if not raw_seen:
        raise DumpError("empty file")
    if not visible:
        raise DumpError("empty file (no visible text)")

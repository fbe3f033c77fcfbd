"""JSON and JSONL article exports: one object per article, bad records rejected with their line number.

Accepted record fields: ``title``; ``body`` or ``text`` (a string, or a list of paragraph strings;
HTML is read with an HTML parser); optional ``url``, ``published_at`` (ISO 8601 or RFC 2822, a naive
time is taken as UTC; an unparseable value is reported and the story kept without it), ``source``,
``caption``, ``credit`` / ``agency`` (a string or list of strings), ``guid``, ``language``.
A JSON file is a list of records, ``{"articles": [...]}``, ``{"items": [...]}``, or a single record.
IPTC ninjs objects (see :mod:`bot.ingest.ninjs`) are read in the same places.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.ingest.body import body_lines, build_body, lower_vocabulary
from bot.ingest.credits import agencies, caption_date, split_credit, text_attributions
from bot.ingest.dates import parse_date
from bot.ingest.decode import clean_line
from bot.ingest.items import articles_of
from bot.ingest.json_records import BadValue, checked, decode_at, loads
from bot.ingest.language import detect_language, language_tag
from bot.ingest.markup import html_to_text, inline_text, looks_like_html
from bot.ingest.ninjs import is_ninjs, ninjs_item
from bot.ingest.parsed import DumpError, DumpSource, ParsedDump, ParseItem, RecordError, collect
from summarizer.models import Article

_WS = " \t\r\n"


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(v.strip() for v in value).strip() or None
    return None


def _plain(text: str) -> str:
    """Exports from web CMSs carry HTML: read with an HTML parser (scripts, styles, figures dropped)."""
    return html_to_text(text) if looks_like_html(text) else text


def _date_note(record: object) -> str | None:
    """The warning for a ``published_at`` that is there but unparseable (the story is kept without it)."""
    value = record.get("published_at") if isinstance(record, dict) else None
    if isinstance(value, str) and value.strip() and parse_date(value) is None:
        return f"unparseable date {value.strip()[:40]!r}: stored without a published time"
    return None


def _credit_names(value: object) -> tuple[str, ...]:
    raw = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    names: list[str] = []
    for item in raw:
        if isinstance(item, str) and item.strip():
            names.extend(agencies(item) or (clean_line(item),))
    return tuple(names)


def record_to_article(record: object, *, name: str) -> Article:
    """One export record as an Article; raises ValueError with the reason when it is unusable."""
    if not isinstance(record, dict):
        raise ValueError(f"record is a JSON {type(record).__name__}, not an object")
    raw_title = _text(record.get("title"))
    title = clean_line(inline_text(raw_title)) if raw_title else ""
    body_text = _text(record.get("body")) or _text(record.get("text"))
    if not title:
        raise ValueError("missing or empty 'title'")
    if body_text is None:
        raise ValueError("missing or empty 'body'/'text'")
    body_text = _plain(body_text)
    caption = _text(record.get("caption"))
    caption = clean_line(caption) if caption else None
    caption_text, credit_line = split_credit(caption) if caption else (None, None)
    explicit = _text(record.get("credit")) or _text(record.get("agency"))
    lines = body_lines(body_text.replace("\r\n", "\n").replace("\r", "\n"))
    body = build_body(
        lines, title=title, captions=[caption] if caption else [], vocabulary=lower_vocabulary([body_text])
    )
    paragraphs = [b.text for b in body.blocks if b.kind == "paragraph"]
    if not paragraphs:
        raise ValueError("body has no text once captions and credits are removed")
    credits = (
        *_credit_names(record.get("credit")),
        *_credit_names(record.get("agency")),
        *agencies(credit_line or ""),
        *text_attributions("\n".join(paragraphs)),
        *body.sign_off_agencies,
    )
    source = _text(record.get("source"))
    url = _text(record.get("url"))
    language = language_tag(record.get("language")) or detect_language(title, tuple(paragraphs))
    return Article(
        title=title,
        blocks=body.blocks,
        caption=caption_text or None,
        credit_line=clean_line(explicit) if explicit else credit_line,
        credits=tuple(dict.fromkeys(credits)),
        caption_date=caption_date(caption) if caption else None,
        url=url,
        published_at=parse_date(record.get("published_at")),
        source=source or name,
        guid=_text(record.get("guid")),
        language=language,
    )


_MAX_RECORD_CHARS = 16 << 20  # a record still undecodable with this much text after its start is broken


class _Broken(Exception):
    """Invalid JSON at an absolute offset of the file."""

    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg, self.pos = msg, pos


class _Reader:
    """A sliding window on the decoded text: values are decoded at absolute offsets as more text arrives.

    Text before the last position asked for a line number is dropped on the next read, so memory holds
    about one chunk plus the record being decoded.
    """

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self.text = ""
        self.base = 0  # absolute offset of text[0]
        self.eof = False
        self._line_pos, self._line_no = 0, 1  # a known (offset, line) pair, offsets only grow

    def fill(self) -> bool:
        """Read one more chunk; False at the end of the file."""
        if self.eof:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self.eof = True
            return False
        drop = self._line_pos - self.base
        if drop > len(self.text) // 2:  # drop consumed text only now and then: slicing copies
            self.text, self.base = self.text[drop:], self._line_pos
        self.text += chunk
        return True

    def char(self, pos: int) -> str:
        while pos - self.base >= len(self.text):
            if not self.fill():
                return ""
        return self.text[pos - self.base]

    def skip(self, pos: int, *chars: str) -> int:
        """Past whitespace, then past one of ``chars`` and the whitespace after it, if it is there."""
        while self.char(pos) and self.char(pos) in _WS:
            pos += 1
        if chars and self.char(pos) and self.char(pos) in chars:
            pos = self.skip(pos + 1)
        return pos

    def decode(self, pos: int) -> tuple[Any, int]:
        """The JSON value at ``pos`` and the offset after it; raises _Broken."""
        while True:
            start = pos - self.base
            try:
                value, end = decode_at(self.text, start)  # an unusable record comes back as a BadValue
            except json.JSONDecodeError as exc:
                if len(self.text) - start > _MAX_RECORD_CHARS or not self.fill():
                    raise _Broken(exc.msg, self.base + exc.pos) from None
                continue
            if end < len(self.text) or not self.fill():  # a number at the buffer's end may go on
                return value, self.base + end

    def line(self, pos: int) -> int:
        """1-based line of ``pos``; positions asked for must not decrease."""
        self._line_no += self.text.count("\n", self._line_pos - self.base, pos - self.base)
        self._line_pos = pos
        return self._line_no

    def column(self, pos: int) -> int:
        start = pos - self.base
        return start - self.text.rfind("\n", 0, start)


def _array_items(reader: _Reader, pos: int, *, strict: bool) -> Iterator[tuple[int, Any]]:
    """(line, value) for each element of the JSON array at ``pos``; ``strict``: damage before the first
    element is a DumpError (the file is not an export at all), not a record error."""
    pos = reader.skip(pos + 1)
    while reader.char(pos) not in ("]", ""):
        try:
            value, end = reader.decode(pos)
        except _Broken as exc:
            line = reader.line(max(exc.pos, pos))
            if strict:
                raise DumpError(f"invalid JSON at line {line}, column {reader.column(exc.pos)}: {exc.msg}") from None
            # A broken or cut-off export: the records before the damage still load.
            yield line, _BadLine(f"invalid JSON: {exc.msg}; the rest of the file was skipped")
            return
        strict = False
        yield reader.line(pos), value
        pos = reader.skip(end, ",")
    if not reader.char(pos):
        yield reader.line(pos), _BadLine("invalid JSON: the list is not closed; the file may be cut off")


def _records(reader: _Reader) -> Iterator[tuple[int, Any]]:
    """(line, record) for a list, an ``{"articles": [...]}`` (or other _WRAPPERS) wrapper or a single record."""
    pos = reader.skip(0)
    start = reader.char(pos)
    if start == "[":
        yield from _array_items(reader, pos, strict=False)
        return
    if start != "{":
        value, end = reader.decode(pos)
        _expect_end(reader, end)
        if isinstance(value, BadValue):
            raise DumpError(value.reason)
        raise DumpError(f"JSON export is a {type(value).__name__}, not a list of articles")
    record: dict[str, Any] = {}
    first_line = reader.line(pos)
    pos = reader.skip(pos + 1)
    while reader.char(pos) != "}":
        key, end = reader.decode(pos)
        pos = reader.skip(end)
        if reader.char(pos) != ":" or not isinstance(key, str):
            raise _Broken("Expecting property name and ':'", pos)
        pos = reader.skip(pos + 1)
        if key in _WRAPPERS and reader.char(pos) == "[":
            yield from _array_items(reader, pos, strict=True)  # what follows the list is not read
            return
        record[key], end = reader.decode(pos)
        pos = reader.skip(end)
        if reader.char(pos) == ",":
            pos = reader.skip(pos + 1)
        elif reader.char(pos) != "}":
            raise _Broken("Expecting ',' delimiter", pos)
    _expect_end(reader, pos + 1)
    wrapper = next((k for k in _WRAPPERS if k in record), None)
    if wrapper:
        raise DumpError(f"{wrapper!r} is not a list")
    if not set(record) & _STORY_KEYS:
        raise DumpError(f"JSON object with keys {_keys(record)}: not an article export or ninjs, "
                        "which newsdigest reads")
    bad = next((v for v in record.values() if isinstance(v, BadValue)), None)
    yield first_line, bad or checked(record)


# ``item`` / ``_items``: search results of content APIs that return ninjs ({"total": 1, "item": [...]}).
_WRAPPERS = ("articles", "items", "item", "_items")
# Keys that say a JSON object is meant as a story (our export's or ninjs').
_STORY_KEYS = frozenset({"title", "body", "text", "headline", "headlines", "body_text", "body_html", "bodies",
                         "uri", *_WRAPPERS})


def _keys(record: dict[str, Any]) -> str:
    names = sorted(str(k) for k in record)
    return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def _expect_end(reader: _Reader, pos: int) -> None:
    pos = reader.skip(pos)
    if reader.char(pos):
        raise _Broken("Extra data", pos)


class _BadLine:
    """Stands in for a line that is not JSON, so its reason reaches the error list."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _record_items(line: int, record: object, *, name: str) -> Iterator[ParseItem]:
    """One record's outcomes: its article (and warnings), a ninjs item's skip, or its rejection."""
    if isinstance(record, _BadLine | BadValue):
        yield RecordError(line, record.reason)
        return
    if isinstance(record, dict) and is_ninjs(record):
        yield from articles_of([ninjs_item(record, line=line)], name=name)
        return
    try:
        article = record_to_article(record, name=name)
    except ValueError as exc:
        yield RecordError(line, str(exc))
        return
    yield article
    note = _date_note(record)
    if note:
        yield RecordError(line, note, "warning")


def _articles(items: Iterator[tuple[int, object]], *, name: str) -> Iterator[ParseItem]:
    found = skipped = 0
    rejected: list[RecordError] = []  # the first error and the first invalid-JSON one, for the reason
    count = 0
    foreign: dict[str, Any] | None = None  # a record that is no story at all, to name what the file is
    for line, record in items:
        if isinstance(record, dict) and not set(record) & _STORY_KEYS:
            foreign = foreign or record
        for item in _record_items(line, record, name=name):
            if not isinstance(item, RecordError):
                found += 1
            elif item.kind == "skipped":
                skipped += 1
            elif item.kind == "rejected":
                count += 1
                if not rejected or (item.reason.startswith("invalid JSON") and len(rejected) == 1
                                    and not rejected[0].reason.startswith("invalid JSON")):
                    rejected.append(item)
            yield item
    if not found and not (skipped and not count):  # a file of non-stories only (ninjs pictures) is fine
        if foreign is not None and all(e.reason.startswith("missing") for e in rejected):
            raise DumpError(f"JSON records with keys {_keys(foreign)}: not an article export or ninjs, "
                            "which newsdigest reads")
        first = next((e for e in rejected if e.reason.startswith("invalid JSON")), rejected[0] if rejected else None)
        detail = f"; first at line {first.line}: {first.reason}" if first else ""
        raise DumpError(f"no article found ({count} record(s) rejected{detail})")


def iter_json(source: DumpSource) -> Iterator[ParseItem]:
    """A JSON export, read as it streams: records keep the line number where each one starts."""
    reader = _Reader(source.text_chunks())
    try:
        yield from _articles(_records(reader), name=source.name)
    except _Broken as exc:
        line = reader.line(max(exc.pos, reader.base))
        raise DumpError(f"invalid JSON at line {line}, column {reader.column(exc.pos)}: {exc.msg}") from None


def _jsonl_items(chunks: Iterator[str]) -> Iterator[tuple[int, object]]:
    no = 0
    for chunk in chunks:
        raw_lines = chunk.split("\n")
        if len(raw_lines) > 1 and not raw_lines[-1]:
            raw_lines.pop()  # the chunk ended with a line break
        for raw in raw_lines:
            no += 1
            if not raw.strip():
                continue
            try:
                yield no, checked(loads(raw))
            except json.JSONDecodeError as exc:
                yield no, _BadLine(f"invalid JSON: {exc.msg} (column {exc.colno})")
            except RecursionError:
                yield no, _BadLine("invalid JSON: nested too deeply")


def iter_jsonl(source: DumpSource) -> Iterator[ParseItem]:
    """A JSON Lines export, a line at a time: one record per line; bad lines are rejected with their number."""
    return _articles(_jsonl_items(source.text_chunks()), name=source.name)


def parse_json(text: str, *, name: str) -> ParsedDump:
    """A JSON export held in memory (see :func:`iter_json`)."""
    return collect(iter_json(DumpSource.from_bytes(text.encode("utf-8"), name=name)))


def parse_jsonl(text: str, *, name: str) -> ParsedDump:
    """A JSON Lines export held in memory (see :func:`iter_jsonl`)."""
    return collect(iter_jsonl(DumpSource.from_bytes(text.encode("utf-8"), name=name)))

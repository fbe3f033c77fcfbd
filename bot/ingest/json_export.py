"""JSON and JSONL article exports: one object per article, bad records rejected with their line number.

Accepted record fields: ``title``; ``body`` or ``text`` (a string, or a list of paragraph strings);
optional ``url``, ``published_at`` (ISO 8601, a naive time is taken as UTC; unparseable values are
dropped, not fatal), ``source``, ``caption``, ``credit`` / ``agency`` (a string or list of strings).
A JSON file is a list of records, ``{"articles": [...]}``, or a single record.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bot.ingest.body import body_lines, build_body, lower_vocabulary
from bot.ingest.credits import agencies, caption_date, split_credit, text_attributions
from bot.ingest.decode import HTML_ENTITY, clean_line
from bot.ingest.json_records import DECODER, BadValue, checked, decode_at, loads
from bot.ingest.parsed import DumpError, ParsedDump, RecordError
from summarizer.models import Article

_HTML_TAG = re.compile(r"</?(?:p|br|div|span|a|em|strong|b|i|h[1-6]|li|ul|ol|figure|figcaption)\b[^>]*>", re.I)
_HTML_BREAK = re.compile(r"<\s*(?:br|/?p|/?div|/?h[1-6]|/?li|/?figure|/?figcaption)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^<>]{1,500}>")
_WS = " \t\r\n"


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(v.strip() for v in value).strip() or None
    return None


def _plain(text: str) -> str:
    """Exports from web CMSs carry HTML: block tags become paragraph breaks, other tags go."""
    if not _HTML_TAG.search(text) and not HTML_ENTITY.search(text):
        return text
    text = _HTML_BREAK.sub("\n\n", text)
    return html.unescape(_ANY_TAG.sub("", text))


def _published(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
    title = clean_line(_plain(raw_title)) if raw_title else ""
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
    return Article(
        title=title,
        blocks=body.blocks,
        caption=caption_text or None,
        credit_line=clean_line(explicit) if explicit else credit_line,
        credits=tuple(dict.fromkeys(credits)),
        caption_date=caption_date(caption) if caption else None,
        url=url,
        published_at=_published(record.get("published_at")),
        source=source or name,
    )


def _with_lines(text: str, items: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    """Offsets (increasing) to 1-based line numbers, counting newlines once over the whole text."""
    line, last = 1, 0
    for offset, value in items:
        line += text.count("\n", last, offset)
        last = offset
        yield line, value


def _skip(text: str, pos: int, *chars: str) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    if chars and pos < len(text) and text[pos] in chars:
        pos += 1
        while pos < len(text) and text[pos] in _WS:
            pos += 1
    return pos


def _array_items(text: str, pos: int) -> Iterator[tuple[int, Any]]:
    """(offset, value) for each element of the JSON array starting at ``text[pos] == "["``."""
    pos = _skip(text, pos + 1)
    while pos < len(text) and text[pos] != "]":
        try:
            value, end = decode_at(text, pos)
        except json.JSONDecodeError as exc:
            # A broken or cut-off export: the records before the damage still load.
            yield exc.pos, _BadLine(f"invalid JSON: {exc.msg}; the rest of the file was skipped")
            return
        yield pos, value
        pos = _skip(text, end, ",")
    if pos >= len(text):
        yield pos, _BadLine("invalid JSON: the list is not closed; the file may be cut off")


def _records(text: str) -> Iterator[tuple[int, Any]]:
    """(offset, record) for a list, an ``{"articles": [...]}`` wrapper or a single record."""
    pos = _skip(text, 0)
    if text.startswith("[", pos):
        yield from _array_items(text, pos)
        return
    document = loads(text)
    if isinstance(document, dict) and "articles" in document:
        if not isinstance(document["articles"], list):
            raise DumpError("'articles' is not a list")
        key = _find_articles_array(text, pos)
        yield from _array_items(text, key)
    elif isinstance(document, dict):
        yield pos, checked(document)
    else:
        raise DumpError(f"JSON export is a {type(document).__name__}, not a list of articles")


def _find_articles_array(text: str, pos: int) -> int:
    """Offset of the '[' of the top-level "articles" member of the object at ``pos``."""
    pos = _skip(text, pos + 1)
    while pos < len(text) and text[pos] != "}":
        key, end = DECODER.raw_decode(text, pos)
        pos = _skip(text, end, ":")
        if key == "articles":
            return pos
        _, end = DECODER.raw_decode(text, pos)
        pos = _skip(text, end, ",")
    raise DumpError("'articles' member not found")  # pragma: no cover - json.loads saw it


class _BadLine:
    """Stands in for a line that is not JSON, so its reason reaches the error list."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _collect(items: Iterator[tuple[int, object]], *, name: str) -> ParsedDump:
    articles: list[Article] = []
    errors: list[RecordError] = []
    for line, record in items:
        if isinstance(record, _BadLine | BadValue):
            errors.append(RecordError(line, record.reason))
            continue
        try:
            articles.append(record_to_article(record, name=name))
        except ValueError as exc:
            errors.append(RecordError(line, str(exc)))
    if not articles:
        first = next((e for e in errors if e.reason.startswith("invalid JSON")), errors[0] if errors else None)
        detail = f"; first at line {first.line}: {first.reason}" if first else ""
        raise DumpError(f"no article found ({len(errors)} record(s) rejected{detail})")
    return ParsedDump(tuple(articles), tuple(errors))


def parse_json(text: str, *, name: str) -> ParsedDump:
    """A JSON export: records keep the line number where each one starts."""
    try:
        items = list(_with_lines(text, _records(text)))
    except json.JSONDecodeError as exc:
        raise DumpError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise DumpError("JSON nested too deeply") from exc
    return _collect(iter(items), name=name)


def _jsonl_items(text: str) -> Iterator[tuple[int, object]]:
    for no, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield no, checked(loads(raw))
        except json.JSONDecodeError as exc:
            yield no, _BadLine(f"invalid JSON: {exc.msg} (column {exc.colno})")
        except RecursionError:
            yield no, _BadLine("invalid JSON: nested too deeply")


def parse_jsonl(text: str, *, name: str) -> ParsedDump:
    """A JSON Lines export: one record per line; bad lines are rejected with their line number."""
    return _collect(_jsonl_items(text), name=name)

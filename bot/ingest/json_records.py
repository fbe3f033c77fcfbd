"""Decoding one JSON value of an export so that a hostile record costs that record only.

The standard decoder accepts things the store cannot keep or raises things that are not
``JSONDecodeError``: a lone surrogate escape (``"\\ud800"``) decodes to a string that UTF-8 (SQLite,
PostgreSQL) refuses; an integer of more than 4,300 digits raises ``ValueError``; deep nesting raises
``RecursionError``; ``"\\u0000"`` decodes to a NUL that PostgreSQL refuses. Here each of those is a
:class:`BadValue` with a reason (or, for invisible control characters, is dropped as the text
decoder drops them from raw text), and :func:`value_end` finds where a value the decoder gave up
on ends, so the records after it still load.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Controls and invisible format characters carried in as escapes ("\u0000"); tab and newline are text.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2060-\u2064\ufeff\ufffe]")
# Strings (escapes included) and the structural characters, for skipping a value without decoding it.
_SKIP_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{},]')


@dataclass(frozen=True, slots=True)
class BadValue:
    """A record that decoded as JSON but cannot be used; ``reason`` says why."""

    reason: str


class _HugeInt:
    """Stands in for an integer too long to convert, so the rest of the value still decodes."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(digits: str) -> int | _HugeInt:
    try:
        return int(digits)
    except ValueError:  # more digits than sys.get_int_max_str_digits() (4,300 by default)
        return _HugeInt(len(digits.lstrip("-")))


DECODER = json.JSONDecoder(parse_int=_parse_int)


def checked(value: Any) -> Any:
    """``value`` with invisible characters dropped from its strings, or a :class:`BadValue`."""
    try:
        return _clean(value)
    except _Refused as exc:
        return BadValue(exc.reason)
    except RecursionError:
        return BadValue("invalid JSON: nested too deeply")


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, _HugeInt):
        raise _Refused(f"invalid JSON: an integer of {value.digits} digits (more than this reader converts)")
    return value


def _text(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text  # the common case, checked cheaply
    bad = _SURROGATE.search(text)
    if bad:
        raise _Refused(f"invalid JSON: lone surrogate escape \\u{ord(bad.group()):04x} (not a Unicode character)")
    return _INVISIBLE.sub("", text)


def loads(text: str) -> Any:
    """``json.loads`` that decodes huge integers as placeholders (see :func:`checked`)."""
    value, end = DECODER.raw_decode(text, _skip_space(text, 0))
    if _skip_space(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def decode_at(text: str, pos: int) -> tuple[Any, int]:
    """The value starting at ``text[pos]`` and the offset after it; unusable values come back as BadValue.

    Raises ``json.JSONDecodeError`` only when the text there is not JSON at all.
    """
    try:
        value, end = DECODER.raw_decode(text, pos)
    except RecursionError:
        return BadValue("invalid JSON: nested too deeply"), value_end(text, pos)
    return checked(value), end


def value_end(text: str, pos: int) -> int:
    """Offset just past the JSON value at ``pos``, found without decoding it (no recursion, linear)."""
    depth = 0
    while True:
        m = _SKIP_TOKEN.search(text, pos)
        if m is None:
            return len(text)
        token = m.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            if depth == 0:  # the end of the enclosing container: the value ended before it
                return m.start()
            depth -= 1
            if depth == 0:
                return m.end()
        elif token == ",":
            if depth == 0:
                return m.start()
        elif depth == 0:  # a string at top level is the whole value
            return m.end()
        pos = m.end()

"""Dump formats: pick the parser by file extension, or by sniffing the content when it says nothing.

Public API: :func:`parse_dump`, :func:`parse_bytes`, :class:`ParsedDump`, :class:`RecordError`,
:class:`DumpError`.
"""

from __future__ import annotations

from pathlib import Path

from bot.ingest.decode import decode_bytes, normalise_text
from bot.ingest.json_export import parse_json, parse_jsonl
from bot.ingest.json_records import loads
from bot.ingest.parsed import DumpError, ParsedDump, RecordError
from bot.ingest.text_dump import parse_text

__all__ = ["DumpError", "ParsedDump", "RecordError", "parse_bytes", "parse_dump", "sniff_format"]

TEXT_SUFFIXES = frozenset({".txt", ".text"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def _looks_like_jsonl(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return len(lines) > 1 and sum(line.startswith("{") for line in lines) * 2 > len(lines)


def sniff_format(text: str, *, name: str) -> str:
    """Format name ("text", "json" or "jsonl"): by extension first, by the first character otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    start = text.lstrip()[:1]
    if suffix in JSON_SUFFIXES or start in ("[", "{"):
        # One object per line in a ".json" file is common enough to accept.
        return "jsonl" if start == "{" and _looks_like_jsonl(text) and not _is_one_json(text) else "json"
    return "text"


def _is_one_json(text: str) -> bool:
    try:
        loads(text)  # tolerant of huge integers, like the parser itself
    except (ValueError, RecursionError):
        return False
    return True


def parse_bytes(data: bytes, *, name: str) -> ParsedDump:
    """Parse a dump's raw bytes; ``name`` (the file name) picks the format and becomes ``source``."""
    text = normalise_text(decode_bytes(data))
    kind = sniff_format(text, name=name)
    if kind == "jsonl":
        return parse_jsonl(text, name=name)
    if kind == "json":
        return parse_json(text, name=name)
    return parse_text(text, name=name)


def parse_dump(path: Path) -> ParsedDump:
    """Read and parse one dump file; raises DumpError when it is unreadable or unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DumpError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return parse_bytes(data, name=path.name)

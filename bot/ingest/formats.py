"""Dump formats: pick the parser by file extension, or by sniffing the content when it says nothing.

Public API: :func:`iter_dump` (stream a file's articles), :func:`parse_dump` / :func:`parse_bytes` (all at
once, for small inputs), :data:`PARSERS`, :class:`DumpSource`, :class:`ParsedDump`, :class:`RecordError`,
:class:`DumpError`. A new format is a generator ``(DumpSource) -> Iterator[Article | RecordError]``
registered in :data:`PARSERS`, and a rule in :func:`sniff_format` that picks it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bot.ingest.json_export import iter_json, iter_jsonl
from bot.ingest.json_records import loads
from bot.ingest.parsed import DumpError, DumpSource, ParsedDump, ParseItem, Parser, RecordError, collect
from bot.ingest.text_dump import iter_text

__all__ = [
    "PARSERS", "DumpError", "DumpSource", "ParseItem", "ParsedDump", "RecordError", "iter_dump", "iter_source",
    "parse_bytes", "parse_dump", "sniff_format",
]

TEXT_SUFFIXES = frozenset({".txt", ".text"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
PARSERS: dict[str, Parser] = {"text": iter_text, "json": iter_json, "jsonl": iter_jsonl}


def _looks_like_jsonl(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return len(lines) > 1 and sum(line.startswith("{") for line in lines) * 2 > len(lines)


def sniff_format(head: str, *, name: str, complete: bool = True) -> str:
    """Format name ("text", "json" or "jsonl"): by extension first, by the first characters otherwise.

    ``head`` is the start of the decoded file (all of it when ``complete``).
    """
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    start = head.lstrip()[:1]
    if suffix in JSON_SUFFIXES or start in ("[", "{"):
        # One object per line in a ".json" file is common enough to accept.
        if complete:
            lines = start == "{" and _looks_like_jsonl(head) and not _is_one_json(head)
        else:  # a long file: its first line must be a whole record by itself
            whole = head[: head.rfind("\n") + 1]
            lines = start == "{" and _looks_like_jsonl(whole) and _is_one_json(whole.lstrip().split("\n")[0])
        return "jsonl" if lines else "json"
    return "text"


def _is_one_json(text: str) -> bool:
    try:
        loads(text)  # tolerant of huge integers, like the parser itself
    except (ValueError, RecursionError):
        return False
    return True


def _head(source: DumpSource) -> tuple[str, bool]:
    """The first decoded chunk of ``source`` and whether it is the whole file."""
    chunks = source.text_chunks()
    try:
        head = next(chunks, "")
        return head, next(chunks, None) is None
    finally:
        chunks.close()  # type: ignore[attr-defined]


def iter_source(source: DumpSource) -> Iterator[ParseItem]:
    """Stream one dump's articles and record errors in file order (see :mod:`bot.ingest.parsed`)."""
    head, complete = _head(source)
    yield from PARSERS[sniff_format(head, name=source.name, complete=complete)](source)


def iter_dump(path: Path) -> Iterator[ParseItem]:
    """Stream one dump file; raises DumpError when it is unreadable or unusable."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise DumpError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return iter_source(DumpSource.from_path(path))


def parse_bytes(data: bytes, *, name: str) -> ParsedDump:
    """Parse a dump's raw bytes; ``name`` (the file name) picks the format and becomes ``source``."""
    return collect(iter_source(DumpSource.from_bytes(data, name=name)))


def parse_dump(path: Path) -> ParsedDump:
    """Read and parse one dump file at once; raises DumpError when it is unreadable or unusable."""
    return collect(iter_dump(path))

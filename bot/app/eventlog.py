"""Structured log lines: one event name plus key=value fields, as text or as one JSON object per line.

Serving code logs one line per ingested file, per digest run and per error through :func:`event`;
:func:`configure_logging` picks the format from ``settings.log_format`` (``text`` or ``json``).

Values come from outside (file names, story titles, chat text): in text logs a value is written bare
only when it is plainly one token, otherwise quoted with every control or line-separator character
escaped, and the text formatter escapes such characters in any message. A file named
``"x\n... ERROR forged"`` therefore stays on its own line, visibly quoted.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime
from typing import Any

_FIELDS = "event_fields"  # the LogRecord attribute carrying an event's fields
# Written bare: words, numbers, times, paths and ids without spaces, quotes, '=' or control characters.
_BARE = re.compile(r"[\w.,:;/@+#%~()\[\]-]+")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def event(logger: logging.Logger, name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured line: ``name key=value ...`` (or a JSON object with the formatter below)."""
    text = " ".join([name, *(f"{k}={_text(v)}" for k, v in fields.items())])
    logger.log(level, "%s", text, extra={_FIELDS: {"event": name, **fields}})


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return quoted(str(value))


def quoted(text: str) -> str:
    """``text`` as one log token: bare when it is plainly one, else a JSON string with controls escaped."""
    if _BARE.fullmatch(text):
        return text
    return printable(json.dumps(text, ensure_ascii=False))


def printable(text: str) -> str:
    """``text`` with characters that could end or fake a log line (\\n, \\r, U+2028, NEL...) escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    """A JSON escape, so a quoted value still decodes with ``json.loads``."""
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code > 0xFFFF:  # a surrogate pair, as JSON writes characters outside the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


class TextFormatter(logging.Formatter):
    """The plain-text format, with control characters in the message escaped (tracebacks stay multi-line)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus the event's fields when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, _FIELDS, None)
        if isinstance(fields, dict):
            # The record's own keys win: an event field named like one of them is kept under a prefix.
            data.update({(f"field_{k}" if k in data else k): v for k, v in fields.items()})
        else:
            data["message"] = record.getMessage()
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send logs to stderr in the chosen format (called once by the CLI entry points that serve)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # APScheduler logs every job execution at INFO: too chatty next to our one line per run.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz asks for the schema version often

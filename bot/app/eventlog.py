"""Structured log lines: one event name plus key=value fields, as text or as one JSON object per line.

Serving code logs one line per ingested file, per digest run and per error through :func:`event`;
:func:`configure_logging` picks the format from ``settings.log_format`` (``text`` or ``json``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Any

_FIELDS = "event_fields"  # the LogRecord attribute carrying an event's fields


def event(logger: logging.Logger, name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured line: ``name key=value ...`` (or a JSON object with the formatter below)."""
    text = " ".join([name, *(f"{k}={_text(v)}" for k, v in fields.items())])
    logger.log(level, "%s", text, extra={_FIELDS: {"event": name, **fields}})


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    return json.dumps(text) if (" " in text or not text) else text


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
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # APScheduler logs every job execution at INFO: too chatty next to our one line per run.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz asks for the schema version often

"""Structured log lines: key=value text, or one JSON object whose own keys can't be overwritten."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from bot.app.eventlog import JsonFormatter, event


def test_event_is_one_text_line_with_quoted_values(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.eventlog")
    with caplog.at_level(logging.INFO, logger="test.eventlog"):
        event(logger, "digest_run", channel="console:local:x", stories=3, error="rate limited",
              window_end=datetime(2026, 3, 10, 7, 30, tzinfo=UTC))
    assert caplog.messages == ['digest_run channel=console:local:x stories=3 error="rate limited" '
                               "window_end=2026-03-10T07:30:00+00:00"]


def test_json_formatter_keeps_fields_and_its_own_keys() -> None:
    logger = logging.getLogger("test.eventlog.json")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        event(logger, "schedule", channel="c", time="07:30", level=logging.WARNING)
    finally:
        logger.removeHandler(handler)
    data = json.loads(JsonFormatter().format(records[0]))
    assert data["event"] == "schedule" and data["channel"] == "c" and data["level"] == "warning"
    assert data["field_time"] == "07:30" and data["time"] != "07:30"  # the timestamp is not overwritten

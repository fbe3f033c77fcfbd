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


FORGED = "dump.txt reason=- \n2026-01-01 00:00:00 ERROR bot.sources.inbox: ingest file=evil.txt outcome=processed"


@pytest.mark.parametrize("name", [FORGED, "a\rb", "a\u2028b", "a\x85b", "a\x1eb", "a=b", 'a"b', "tab\there"])
def test_untrusted_values_cannot_forge_a_text_log_line(caplog: pytest.LogCaptureFixture, name: str) -> None:
    logger = logging.getLogger("test.eventlog.forge")
    with caplog.at_level(logging.INFO, logger="test.eventlog.forge"):
        event(logger, "ingest", file=name, outcome="rejected")
    (line,) = caplog.messages
    assert line.splitlines() == [line]  # one line, whatever str.splitlines counts as a break
    assert line.startswith('ingest file="') and line.endswith('" outcome=rejected')
    assert json.loads(line[len("ingest file=") : -len(" outcome=rejected")]) == name  # decodes back exactly


def test_plain_values_stay_bare() -> None:
    from bot.app.eventlog import quoted

    for value in ("wires-2026-01-28.txt", "console:local:x", "/srv/inbox/a.json", "Kyiv", "3", "Zürich.txt"):
        assert quoted(value) == value


def test_text_formatter_escapes_line_breaks_in_any_message_but_keeps_tracebacks() -> None:
    from bot.app.eventlog import TextFormatter

    formatter = TextFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "parser failed on %s", ("a\nERROR forged",), None)
    assert formatter.format(record) == "ERROR parser failed on a\\nERROR forged"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = formatter.format(record)
    assert text.startswith("ERROR failed\nTraceback") and "ValueError: boom" in text

"""SQLite held by another process: ingest gives up after the documented busy timeout, with one clear reason."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.service import ingest_paths
from bot.sources.inbox import Inbox, service_ingest
from tests.conftest import SAMPLE_DUMP

BUSY_TIMEOUT = 0.5


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    settings = load_settings().model_copy(update={"database_busy_timeout": BUSY_TIMEOUT})
    application = bootstrap(settings, database_url=f"sqlite:///{tmp_path / 'locked.sqlite3'}")
    yield application
    application.close()


@pytest.fixture
def held(app: App) -> Iterator[sqlite3.Connection]:
    """Another process's write transaction on the same file (a plain sqlite3 connection, no busy wait)."""
    other = sqlite3.connect(app.engine.url.database or "", timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.rollback()
    other.close()


def test_the_busy_timeout_is_the_setting() -> None:
    assert load_settings().database_busy_timeout == 15.0


def test_sqlite_connections_wait_the_configured_busy_timeout(app: App) -> None:
    with app.engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT * 1000


def test_ingest_gives_up_after_the_busy_timeout_with_one_clear_line(app: App, held: sqlite3.Connection) -> None:
    started = time.monotonic()
    report = ingest_paths(app, [SAMPLE_DUMP])
    waited = time.monotonic() - started
    (result,) = report.results
    assert result.status == "rejected" and result.retryable and result.new == 0
    assert result.reason is not None and "\n" not in result.reason
    assert "locked by another process" in result.reason and "0.5 s" in result.reason
    # A stall bound, not a speed figure: the old code retried 5 x 30 s (169 s measured) before giving up.
    assert waited < 40 * BUSY_TIMEOUT


def test_the_inbox_keeps_a_file_it_could_not_store_and_takes_it_once_the_lock_is_gone(
    app: App, held: sqlite3.Connection, tmp_path: Path
) -> None:
    inbox_dir = tmp_path / "inbox"
    inbox_dir.mkdir()
    dump = inbox_dir / "sample.txt"
    dump.write_bytes(SAMPLE_DUMP.read_bytes())
    inbox = Inbox(inbox_dir, service_ingest(app), stable_seconds=0)
    inbox.scan()
    assert inbox.scan() == [] and dump.exists()  # locked: kept in the inbox, not rejected
    held.rollback()
    taken = inbox.scan()
    assert [t.outcome for t in taken] == ["processed"]
    inbox.close()

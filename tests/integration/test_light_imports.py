"""Light paths stay light: brief, articles, topics and an ingest of duplicates load neither scikit-learn
nor scipy (story grouping is numpy, done at ingest; briefs read stored stories).

A read command on a database already at the newest migration doesn't import Alembic (one query tells
it), nor the metrics library (a one-shot command exports none), nor any library only other commands
or the other database need. The read commands read with SQLAlchemy Core (``bot.store.tables``): they
import neither the ORM nor our mapped classes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DUMP

HEAVY = {"sklearn", "scipy", "datasketch", "sumy", "nltk"}
START_UP = {"alembic", "prometheus_client"}  # not needed by a read command
# Each of these is start-up time a read command on SQLite never uses: the other database's drivers and
# SQLAlchemy's asyncio layer, the chat, web and scheduling libraries, the feed and XML parsers, and the
# parts of numpy the summarizer does not call.
NOT_FOR_READING = {"psycopg", "asyncpg", "aiosqlite", "greenlet", "sqlalchemy.ext.asyncio", "slack_bolt",
                   "slack_sdk", "discord", "aiohttp", "jinja2", "apscheduler", "feedparser", "lxml", "trafilatura",
                   "numpy.ma", "numpy.random", "numpy.fft", "numpy.polynomial"}
# The ORM, our mapped classes, and the PostgreSQL dialect package that declaring their partial indexes
# loads (its drivers' modules with it): a quarter of a brief's start-up, and no read command needs it.
ORM = {"sqlalchemy.orm", "bot.store.models", "sqlalchemy.dialects.postgresql"}


def _loaded_by(args: list[str]) -> set[str]:
    code = (
        "import sys; from bot.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'light.sqlite3'}"
    loaded = _loaded_by(["ingest", str(SAMPLE_DUMP), "--database-url", url])
    assert "bot.ingest.story_assignment" in loaded  # new stories really were grouped
    assert "alembic" in loaded  # a new database: the migrations ran
    assert not {"sklearn"} & loaded
    return url


@pytest.mark.parametrize("args", [["brief", "ukraine"], ["brief", "gold"], ["articles"], ["topics"]],
                         ids=["brief-topic", "brief-fulltext", "articles", "topics"])
def test_read_commands_load_no_heavy_library(database: str, args: list[str]) -> None:
    loaded = _loaded_by([*args, "--database-url", database])
    assert f"bot.cli.{args[0]}_cmd" in loaded
    assert not HEAVY & loaded, sorted(HEAVY & loaded)
    assert not START_UP & loaded, sorted(START_UP & loaded)
    assert not NOT_FOR_READING & loaded, sorted(NOT_FOR_READING & loaded)


@pytest.mark.parametrize("args", [["brief", "ukraine"], ["brief", "gold"], ["brief", "nothing", "matches", "this"],
                                  ["articles", "--topic", "ukraine"], ["topics"]],
                         ids=["brief-topic", "brief-fulltext", "brief-no-match", "articles", "topics"])
def test_read_commands_load_no_orm(database: str, args: list[str]) -> None:
    loaded = _loaded_by([*args, "--database-url", database])
    assert "bot.store.tables" in loaded  # it did read the store
    assert not ORM & loaded, sorted(ORM & loaded)


def test_ingesting_duplicates_loads_no_heavy_library(database: str, tmp_path: Path) -> None:
    again = tmp_path / "again.txt"
    again.write_bytes(SAMPLE_DUMP.read_bytes())  # the same stories under another name: all duplicates
    loaded = _loaded_by(["ingest", str(again), "--database-url", database])
    assert "bot.ingest.service" in loaded
    assert not HEAVY & loaded, sorted(HEAVY & loaded)

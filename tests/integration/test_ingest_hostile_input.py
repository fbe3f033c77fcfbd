"""Hostile input against the real stores: a bad record or a bad file name never loses the good stories."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.service import ingest_paths
from bot.store.articles import ArticleRepository
from tests.conftest import SAMPLE_DUMP

GOOD = {"title": "Grain Deal Extended", "body": "Ministers agreed on Tuesday to extend the grain deal."}
NUL = {"title": "Port\u0000 Reopens", "body": "The port reopened\u0000 on Wednesday after repairs."}
LINES = [
    json.dumps(GOOD),
    '{"title": "Broken \\ud800 Escape", "body": "A lone surrogate cannot be stored."}',
    '{"title": "Huge Count", "body": "A record with a huge number.", "views": ' + "7" * 5000 + "}",
    json.dumps(NUL),  # "\u0000" escapes: PostgreSQL refuses NUL in text
]


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=db_url)
    yield application
    application.close()


def test_a_hostile_record_costs_that_record_only_on_each_backend(app: App, tmp_path: Path) -> None:
    dump = tmp_path / "export.jsonl"
    dump.write_text("\n".join(LINES), encoding="utf-8")
    (result,) = ingest_paths(app, [dump]).results
    assert result.status == "partial" and result.new == 2
    assert [(e.line, "surrogate" in e.reason or "5000 digits" in e.reason) for e in result.record_errors] == [
        (2, True), (3, True)
    ]
    with app.sessions() as session:
        titles = sorted(a.title for a in ArticleRepository(session).list_articles())
    assert titles == ["Grain Deal Extended", "Port Reopens"]


def test_a_file_name_that_is_not_utf8_still_stores_its_stories(app: App, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"  # tmp_path holds the SQLite file too
    folder.mkdir()
    (folder / os.fsdecode(b"Z\xfcrich-wires.txt")).write_bytes(SAMPLE_DUMP.read_bytes())  # a Latin-1 name
    (result,) = ingest_paths(app, [folder]).results
    assert result.status == "ok" and result.new == 4
    with app.sessions() as session:
        assert {a.source for a in ArticleRepository(session).list_articles()} == {"Zürich-wires.txt"}

"""What keeps a long streamed dump's memory bounded: the word-statistics cap, SQLite's statement cache,
and the C heap's free pages handed back between batches (docs/ingest.md, "Memory")."""

from __future__ import annotations

import ctypes
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.bootstrap import bootstrap
from bot.app.settings import load_settings
from bot.bench.synthetic import StoryMaker, real_sentences, write_dump
from bot.ingest import dump_file, heap, story_cache
from bot.ingest.service import ingest_paths
from bot.ingest.story_cache import StoryCache
from bot.store.db import SQLITE_CACHED_STATEMENTS, make_engine
from bot.store.models import ArticleRow
from bot.store.stories import StoryStore

END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_word_statistics_are_dropped_once_past_their_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(story_cache, "WORDS_MAX", 3)
    cache = StoryCache()
    cache.stored(Counter(), 0, 10)
    cache.df.update({"a": 1, "b": 2, "c": 3})
    cache.stored(Counter({"a": 1}), 1, 11)  # at the cap: kept, and counted
    assert cache.df == {"a": 2, "b": 2, "c": 3}
    cache.df["d"] = 1
    cache.stored(Counter({"a": 1}), 1, 12)  # past it: all dropped (read again when needed)
    assert cache.df == {} and cache.n_docs == 12


def _ingest(tmp_path: Path, name: str, dump: Path) -> dict[str, int]:
    """Ingest ``dump`` into a fresh SQLite store; headline -> the position of its story among first seen."""
    app = bootstrap(load_settings(data_dir=tmp_path / name), database_url=f"sqlite:///{tmp_path / name}.sqlite3")
    try:
        report = ingest_paths(app, [dump])
        assert report.new > 0
        with app.sessions() as session:
            rows = session.execute(select(ArticleRow.title, ArticleRow.story_id).order_by(ArticleRow.id)).all()
    finally:
        app.close()
    first: dict[int, int] = {}
    return {str(title): first.setdefault(int(story), len(first)) for title, story in rows}


def test_a_streamed_dump_is_grouped_alike_with_a_tiny_word_cap_and_trims_after_each_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dump_file, "BATCH_SIZE", 10)
    dump = tmp_path / "wire.txt"
    stories = write_dump(dump, StoryMaker(real_sentences(), seed=4, end=END).stories(40))
    trims: list[bool] = []
    monkeypatch.setattr(dump_file, "release_free_memory", lambda: trims.append(True) or True)
    read: list[int] = []
    original = StoryStore.word_stats
    monkeypatch.setattr(StoryStore, "word_stats", lambda self, words: read.append(len(words)) or original(self, words))

    default = _ingest(tmp_path, "default", dump)
    assert len(trims) == stories // 10 > 2  # after each full batch (the run ends with the final commit)
    default_reads = sum(read)
    monkeypatch.setattr(story_cache, "WORDS_MAX", 30)
    assert _ingest(tmp_path, "capped", dump) == default
    assert sum(read) - default_reads > default_reads  # the capped run really dropped and re-read words


def test_free_heap_pages_are_released_where_the_c_library_can(monkeypatch: pytest.MonkeyPatch) -> None:
    heap._malloc_trim.cache_clear()
    try:
        monkeypatch.setattr(heap.sys, "platform", "darwin")
        assert heap.release_free_memory() is False  # no glibc: nothing to ask, nothing fails
    finally:
        heap._malloc_trim.cache_clear()
    monkeypatch.undo()
    try:
        glibc = hasattr(ctypes.CDLL(None), "gnu_get_libc_version")
    except OSError:
        glibc = False
    assert heap.release_free_memory() is glibc


def _sqlite_memory_used() -> ctypes._NamedFuncPointer | None:
    """``sqlite3_memory_used`` of the SQLite library Python's sqlite3 module runs on, when it can be found."""
    try:
        lib = ctypes.CDLL("libsqlite3.so.0")
    except OSError:
        return None
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    if lib.sqlite3_libversion().decode() != sqlite3.sqlite_version:  # another copy (statically linked)
        return None
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return lib.sqlite3_memory_used


def test_sqlite_keeps_few_prepared_statements_of_varying_length(tmp_path: Path) -> None:
    """IN lists of 1,000-1,059 ids: 60 distinct statements of about 190 KB each; 128 cached held 11 MB."""
    memory_used = _sqlite_memory_used()
    if memory_used is None:
        pytest.skip("the SQLite library behind Python's sqlite3 module is not loadable by name here")
    engine = make_engine(f"sqlite:///{tmp_path / 'stmts.sqlite3'}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            before = memory_used()
            for n in range(1000, 1060):
                conn.exec_driver_sql(f"SELECT id FROM t WHERE id IN ({','.join('?' * n)})", tuple(range(n)))
            grown = memory_used() - before
    finally:
        engine.dispose()
    per_statement = 190 * 1024
    assert grown < (SQLITE_CACHED_STATEMENTS + 8) * per_statement  # 16 kept (+ slack), not 60

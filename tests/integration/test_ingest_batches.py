"""Batched ingest on SQLite and PostgreSQL: per-file checkpoints, crash and resume, batch hooks, bounded state."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest import dump_file
from bot.ingest.json_export import record_to_article
from bot.ingest.revisions import RevisionFinder
from bot.ingest.service import ingest_paths
from bot.store.articles import ArticleRepository
from bot.store.models import ArticleRow, IngestCheckpointRow
from summarizer.models import Article
from tests.conftest import SAMPLE_DUMP
from tests.digest_support import story, write_dump


class Crash(BaseException):
    """Stands in for the process dying (not an Exception: nothing in ingest may catch it)."""


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=db_url)
    yield application
    application.close()


def _count(app: App, table: type) -> int:
    with app.sessions() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _dump(tmp_path: Path, n: int = 11, bad_line: int | None = 6) -> Path:
    rng = random.Random(3)
    lines = [json.dumps(story(rng, "Kyiv", i)) for i in range(n)]
    if bad_line is not None:
        lines.insert(bad_line - 1, json.dumps({"title": "no body"}))
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_crash_mid_file_resumes_after_the_last_batch_and_never_doubles(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dump_file, "BATCH_SIZE", 4)
    path = _dump(tmp_path)
    uninterrupted_app = bootstrap(load_settings(), database_url=f"sqlite:///{tmp_path / 'other.db'}")
    try:
        expected = ingest_paths(uninterrupted_app, [path]).results[0]
    finally:
        uninterrupted_app.close()

    batches: list[list[str]] = []

    def dies_in_second_batch(repo: ArticleRepository, created: Sequence[tuple[int, Article]]) -> None:
        batches.append([a.title for _, a in created])
        if len(batches) == 2:
            raise Crash

    with pytest.raises(Crash):
        ingest_paths(app, [path], hooks=[dies_in_second_batch])
    assert _count(app, ArticleRow) == 4  # the first batch committed, the second rolled back
    with app.sessions() as session:
        (point,) = session.scalars(select(IngestCheckpointRow)).all()
    assert point.records == 4 and point.new == 4 and point.name == "wire.jsonl"

    seen: list[list[str]] = []
    resumed = ingest_paths(app, [path], hooks=[lambda repo, created: seen.append([a.title for _, a in created])])
    (result,) = resumed.results
    assert _count(app, ArticleRow) == 11 and _count(app, IngestCheckpointRow) == 0
    assert sum(len(b) for b in seen) == 7  # only the stories after the checkpoint were stored
    assert not set(batches[0]) & {t for b in seen for t in b}
    assert (result.status, result.new, result.duplicates) == (expected.status, expected.new, expected.duplicates)
    assert [(e.line, e.reason) for e in result.record_errors] == [(e.line, e.reason) for e in expected.record_errors]
    assert len(result.article_ids) == 11 and len(set(result.article_ids)) == 11
    again = ingest_paths(app, [path]).results[0]
    assert (again.new, again.duplicates, again.article_ids) == (0, 11, result.article_ids)


def test_hooks_see_each_batch_of_new_articles_in_file_order(app: App, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dump_file, "BATCH_SIZE", 3)
    rng = random.Random(5)
    stories = [story(rng, "Kyiv", i) for i in range(8)]
    first = write_dump(tmp_path, "a.jsonl", stories[:4])
    ingest_paths(app, [first])
    calls: list[list[int]] = []
    report = ingest_paths(app, [write_dump(tmp_path, "b.jsonl", stories)],
                          hooks=[lambda repo, created: calls.append([i for i, _ in created])])
    new_ids = [i for batch in calls for i in batch]
    assert [len(c) for c in calls] == [0, 2, 2]  # 3 known, then 1 known + 2 new, then 2 new
    assert new_ids == list(report.article_ids[4:])
    assert report.new == 4 and report.duplicates == 4


def test_a_database_outage_mid_file_is_retryable_and_resumes(app: App, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    monkeypatch.setattr(dump_file, "BATCH_SIZE", 4)
    path = _dump(tmp_path, bad_line=None)
    calls: list[int] = []

    def outage(repo: ArticleRepository, created: Sequence[tuple[int, Article]]) -> None:
        calls.append(len(created))
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    (result,) = ingest_paths(app, [path], hooks=[outage]).results
    assert result.status == "rejected" and result.retryable and "database error" in (result.reason or "")
    assert _count(app, ArticleRow) == 4
    (result,) = ingest_paths(app, [path]).results
    assert (result.status, result.new, _count(app, ArticleRow)) == ("ok", 11, 11)


def _stories_by_title(app: App) -> list[list[str]]:
    with app.sessions() as session:
        rows = session.execute(select(ArticleRow.story_id, ArticleRow.title)).all()
    groups: dict[int, list[str]] = {}
    for story_id, title in rows:
        groups.setdefault(story_id, []).append(title)
    return sorted(sorted(g) for g in groups.values())


def test_a_rolled_back_batch_leaves_the_runs_story_cache_empty_and_stories_right(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's story cache (features, word counts) may name rows a failed batch rolled back (SQLite reuses
    their ids): it is emptied, and the run goes on to the same stories as one that never failed."""
    from bot.ingest.dump_file import IngestContext, ingest_file
    from bot.newsroom.topics import load_topics

    monkeypatch.setattr(dump_file, "BATCH_SIZE", 4)
    rng = random.Random(9)
    first = write_dump(tmp_path, "a.jsonl", [story(rng, "Kyiv", i) for i in range(8)])
    second = write_dump(tmp_path, "b.jsonl", [story(rng, "Kyiv", i) for i in range(8, 14)])
    failing = [True]

    def fails_once(repo: ArticleRepository, created: Sequence[tuple[int, Article]]) -> None:
        stored = repo.session.execute(select(func.count()).select_from(ArticleRow)).scalar_one()
        if failing[0] and stored > 4:
            failing[0] = False
            raise RuntimeError("a tagging bug in the second batch")

    ctx = IngestContext(app.sessions, load_topics(), RevisionFinder(), [fails_once])
    assert ingest_file(ctx, first).status == "partial"  # its first batch stored, the second rolled back
    assert not ctx.stories.features and not ctx.stories.df and ctx.stories.n_docs is None
    ingest_file(ctx, second)  # takes the rolled-back ids
    ingest_file(ctx, first)  # resumes after its first batch
    uninterrupted = bootstrap(load_settings(), database_url=f"sqlite:///{tmp_path / 'other.db'}")
    try:
        other = IngestContext(uninterrupted.sessions, load_topics(), RevisionFinder())
        for path in (first, second):
            ingest_file(other, path)
        assert _stories_by_title(app) == _stories_by_title(uninterrupted)
    finally:
        uninterrupted.close()


def test_the_revision_window_stays_bounded(app: App) -> None:
    finder = RevisionFinder(window=3)
    rng = random.Random(9)
    since = datetime.now(UTC) - timedelta(days=3)
    with app.sessions.begin() as session:
        repo = ArticleRepository(session)
        for n in range(10):
            article = record_to_article(story(rng, "Kyiv", n), name="t")
            (added,) = repo.add_many([article])
            finder.mark(repo, [(added.id, article)], since=since)
            assert len(finder) == min(n + 1, 3)


def test_the_revision_window_keeps_signatures_not_texts(app: App) -> None:
    """Memory of the revision window: under 2 KB a version (texts are ~3 KB each), flat once it is full."""
    finder = RevisionFinder(window=100)
    rng = random.Random(4)
    since = datetime.now(UTC) - timedelta(days=3)

    def feed(start: int, count: int) -> None:
        for first in range(start, start + count, 25):  # a batch of 25 new stories per transaction
            with app.sessions.begin() as session:
                repo = ArticleRepository(session)
                batch = []
                for n in range(first, first + 25):
                    record = story(rng, "Kyiv", n)
                    record["body"] = "\n\n".join(story(rng, "Kyiv", n)["body"] for _ in range(8))
                    batch.append(record_to_article(record, name="t"))
                created = [(r.id, a) for r, a in zip(repo.add_many(batch), batch, strict=True)]
                finder.mark(repo, created, since=since)

    def held() -> int:  # bytes still allocated by the finder's code (its window), not by parsing's caches
        mine = [tracemalloc.Filter(True, f"*{name}", all_frames=True) for name in ("revisions.py", "near_dup.py")]
        return sum(s.size for s in tracemalloc.take_snapshot().filter_traces(mine).statistics("filename"))

    tracemalloc.start(8)
    try:
        feed(0, 50)  # the window is loaded, the statements are compiled
        half = held()
        feed(50, 50)
        full = held()
        feed(100, 150)
        later = held()
    finally:
        tracemalloc.stop()
    assert len(finder) == 100
    assert (full - half) / 50 < 2000
    assert later - full < 30_000


def _heavy_modules_after_ingest(url: str, expect: str) -> str:
    """The heavy packages a fresh process has imported after ingesting the sample into ``url``."""
    code = (
        "import sys\n"
        "from bot.app.bootstrap import bootstrap\nfrom bot.app.settings import load_settings\n"
        "from bot.ingest.service import ingest_paths\n"
        f"app = bootstrap(load_settings(), database_url={url!r})\n"
        f"report = ingest_paths(app, [{str(SAMPLE_DUMP)!r}])\n"
        f"assert {expect}, report\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'datasketch'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    return out.stdout.strip()


def test_ingesting_only_duplicates_loads_neither_sklearn_nor_scipy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    app = bootstrap(load_settings(), database_url=url)
    try:
        assert ingest_paths(app, [SAMPLE_DUMP]).new == 4
    finally:
        app.close()
    assert _heavy_modules_after_ingest(url, "report.duplicates == 4 and report.new == 0") == "[]"


def test_ingesting_new_stories_loads_neither_sklearn_nor_scipy(tmp_path: Path) -> None:
    """Revision detection's MinHash is numpy: new stories cost no scipy (41 MB of RSS) either."""
    assert _heavy_modules_after_ingest(f"sqlite:///{tmp_path / 'news.db'}", "report.new == 4") == "[]"

"""Ingest service on SQLite and PostgreSQL: idempotence, per-dump transactions, rejections, topic tags."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.service import collect_files, ingest_paths
from bot.newsroom.topics import TopicSet
from bot.store.articles import ArticleRepository, StoredArticle
from tests.conftest import SAMPLE_DUMP

CASUALTIES, SANCTIONS, STARMER = "Combined War Casualties", "Russian Gold Imports", "Starmer, Xi"
NEW_PARAGRAPH = "Officials in Kyiv later revised the toll from the overnight strikes upward to three dead."


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    """A folder for dump files (tmp_path itself holds the SQLite test database)."""
    path = tmp_path / "dumps"
    path.mkdir()
    return path


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=db_url)
    yield application
    application.close()


def stored(app: App, **kw: object) -> list[StoredArticle]:
    with app.sessions() as session:
        return ArticleRepository(session).list_articles(**kw)  # type: ignore[arg-type]


def by_title(articles: list[StoredArticle], part: str) -> StoredArticle:
    return next(a for a in articles if part in a.title)


def test_the_sample_twice_is_stored_once(app: App) -> None:
    first = ingest_paths(app, [SAMPLE_DUMP])
    second = ingest_paths(app, [SAMPLE_DUMP])
    assert (first.files, first.new, first.duplicates, first.rejected) == (1, 4, 0, 0)
    assert (second.files, second.new, second.duplicates, second.rejected) == (1, 0, 4, 0)
    assert second.article_ids == first.article_ids
    assert len(stored(app)) == 4


def test_the_same_story_in_two_dumps_is_stored_once(app: App, dumps: Path) -> None:
    shutil.copy(SAMPLE_DUMP, dumps / "a.txt")
    (dumps / "b.txt").write_bytes(SAMPLE_DUMP.read_bytes().replace(b"\n", b"\r\n"))  # same text, CRLF
    report = ingest_paths(app, [dumps])
    assert [r.status for r in report.results] == ["ok", "ok"]
    assert (report.new, report.duplicates) == (4, 4)
    assert len(stored(app)) == 4


def test_topics_are_tagged_at_ingest(app: App) -> None:
    ingest_paths(app, [SAMPLE_DUMP])
    ukraine = stored(app, topic="ukraine")
    assert CASUALTIES in ukraine[0].title  # the casualties story ranks first for ukraine
    sanctions = by_title(stored(app), SANCTIONS)
    assert {"russia", "sanctions"} <= set(sanctions.topics)
    starmer = by_title(stored(app), STARMER)
    assert {"china", "uk"} <= set(starmer.topics) and "ukraine" not in starmer.topics


def test_bad_files_are_reported_and_never_stop_the_others(app: App, dumps: Path) -> None:
    (dumps / "a-garbage.txt").write_bytes(b"\x00\x01\x02\xff" * 200)
    (dumps / "b-empty.txt").write_bytes(b"")
    shutil.copy(SAMPLE_DUMP, dumps / "c-good.txt")
    report = ingest_paths(app, [dumps, dumps / "missing.txt"])
    by_name = {Path(r.path).name: r for r in report.results}
    assert by_name["c-good.txt"].status == "ok" and by_name["c-good.txt"].new == 4
    for name in ("a-garbage.txt", "b-empty.txt", "missing.txt"):
        assert by_name[name].status == "rejected" and by_name[name].reason, name
    assert by_name["missing.txt"].reason == "no such file or directory"
    assert report.rejected == 3 and not report.ok
    data = report.to_dict()
    assert {"files", "new", "duplicates", "rejected", "results"} <= set(data)
    assert json.loads(json.dumps(data))["rejected"] == 3


def test_a_bad_record_is_rejected_with_its_line_and_the_rest_loads(app: App, dumps: Path) -> None:
    dump = dumps / "export.jsonl"
    dump.write_text("\n".join([
        json.dumps({"title": "Gold prices hit record", "body": "Gold rose to a record on Tuesday. Traders cheered."}),
        json.dumps({"title": "No body here"}),
        json.dumps({"title": "Oil falls", "text": "Oil fell on Wednesday. OPEC met in Vienna.", "url": "https://x.y/z"}),
    ]) + "\n", encoding="utf-8")
    report = ingest_paths(app, [dump])
    (result,) = report.results
    assert result.status == "partial" and result.new == 2
    assert [e.line for e in result.record_errors] == [2]
    assert report.rejected_records == 1 and not report.ok


def test_a_dump_of_one_batch_commits_all_or_nothing(app: App, dumps: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(SAMPLE_DUMP, dumps / "dump.txt")
    real_tag = TopicSet.tag
    calls = SimpleNamespace(n=0)

    def failing_tag(self: TopicSet, *args: object, **kw: object) -> object:
        calls.n += 1  # tagging runs in the batch's transaction, after its articles were inserted
        if calls.n == 3:
            raise RuntimeError("disk on fire")
        return real_tag(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(TopicSet, "tag", failing_tag)
    report = ingest_paths(app, [dumps / "dump.txt"])
    assert report.results[0].status == "rejected" and "disk on fire" in (report.results[0].reason or "")
    assert stored(app) == []  # the articles inserted before the failure were rolled back
    monkeypatch.setattr(TopicSet, "tag", real_tag)
    assert ingest_paths(app, [dumps / "dump.txt"]).new == 4


def test_directories_skip_dot_files_and_partial_writes(tmp_path: Path) -> None:
    for name in ("a.txt", "sub/b.jsonl", ".hidden.txt", ".git/c.txt", "d.txt.tmp", "e.part"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    files, missing = collect_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.txt", "sub/b.jsonl"]
    assert missing == []


def test_two_processes_ingesting_the_same_dump_store_it_once(db_url: str) -> None:
    apps = [bootstrap(load_settings(), database_url=db_url) for _ in range(3)]
    reports = []
    barrier = threading.Barrier(len(apps))

    def run(app: App) -> None:
        barrier.wait()
        reports.append(ingest_paths(app, [SAMPLE_DUMP]))

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sum(r.new for r in reports) == 4
        assert all(r.ok for r in reports)
        assert len(stored(apps[0])) == 4
    finally:
        for a in apps:
            a.close()


def _revised_sample(dumps: Path, *extra: str) -> Path:
    """The sample with the casualties story re-sent with new paragraphs."""
    text = SAMPLE_DUMP.read_text(encoding="utf-8")
    anchor = "could reach 2 million by spring.\n"
    assert anchor in text
    revised = dumps / "revised.txt"
    added = "".join(f"\n{p}\n" for p in (extra or (NEW_PARAGRAPH,)))
    revised.write_text(text.replace(anchor, anchor + added, 1), encoding="utf-8")
    return revised


def test_a_resent_story_with_a_new_paragraph_supersedes_the_older(app: App, dumps: Path) -> None:
    first = ingest_paths(app, [SAMPLE_DUMP])
    second = ingest_paths(app, [_revised_sample(dumps)])
    assert (second.new, second.duplicates) == (1, 3)
    old = next(a for a in stored(app, include_superseded=True) if CASUALTIES in a.title and a.superseded_by_id)
    current = by_title(stored(app), CASUALTIES)
    assert old.id in first.article_ids and old.superseded_by_id == current.id
    assert NEW_PARAGRAPH in current.body
    assert second.results[0].superseded == (old.id,)
    assert len(stored(app)) == 4


def test_a_stale_copy_arriving_after_a_much_longer_revision_is_superseded_at_once(app: App, dumps: Path) -> None:
    # A revision that grew by more than a fifth contains the old copy but not vice versa: it wins
    # whatever the arrival order (summarizer.stories.pick_newer). A small change: the later copy wins.
    extra = [f"{NEW_PARAGRAPH} Update {n}: officials in region {n} counted {n * 7} damaged homes, "
             f"{n * 3} burned cars and {n} destroyed schools after the night of strikes." for n in range(1, 13)]
    revised = ingest_paths(app, [_revised_sample(dumps, *extra)])
    stale = ingest_paths(app, [SAMPLE_DUMP])
    assert (stale.new, stale.duplicates) == (1, 3)
    (loser,) = stale.results[0].superseded
    current = by_title(stored(app), CASUALTIES)
    assert current.id in revised.article_ids and NEW_PARAGRAPH in current.body
    assert loser in stale.article_ids and len(stored(app)) == 4


def test_without_the_stories_library_revisions_are_kept_side_by_side(
        app: App, dumps: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.ingest.revisions.stories_library", lambda: None)
    ingest_paths(app, [SAMPLE_DUMP])
    ingest_paths(app, [_revised_sample(dumps)])
    assert len(stored(app)) == 5


def test_progress_bar_run_gives_the_same_report(app: App, dumps: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(SAMPLE_DUMP, dumps / name)
    report = ingest_paths(app, [dumps], progress=True)
    assert [r.status for r in report.results] == ["ok", "ok", "ok"]
    assert (report.new, report.duplicates) == (4, 8)


def test_a_revision_in_a_later_file_of_the_same_run_supersedes_the_earlier(app: App, dumps: Path) -> None:
    revised = _revised_sample(dumps)
    first = dumps / "1-first.txt"
    shutil.copy(SAMPLE_DUMP, first)
    report = ingest_paths(app, [first, revised])  # one run: the revision index is built once, then follows
    assert [len(r.superseded) for r in report.results] == [0, 1]
    assert (report.new, report.duplicates) == (5, 3) and len(stored(app)) == 4
    assert NEW_PARAGRAPH in by_title(stored(app), CASUALTIES).body

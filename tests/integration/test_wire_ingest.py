"""Feeds and wire files through the ingest service, on SQLite and PostgreSQL: guids, revisions, languages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.service import ingest_paths
from bot.store.articles import ArticleRepository, StoredArticle

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
STORY = "Harbour bridge reopens after three-week repair"
GUID = "https://courier.example.org/?p=10231"


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=db_url)
    yield application
    application.close()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "in"
    path.mkdir()
    return path


def stored(app: App, **kw: object) -> list[StoredArticle]:
    with app.sessions() as session:
        return ArticleRepository(session).list_articles(**kw)  # type: ignore[arg-type]


def rss(items: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Courier</title>'
            f"<language>en</language>{items}</channel></rss>").encode()


def item(guid: str, title: str, *paragraphs: str, date: str = "Fri, 30 Jan 2026 09:00:00 GMT") -> str:
    body = "".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in paragraphs)
    return (f"<item><title>{title}</title><guid>{guid}</guid><pubDate>{date}</pubDate>"
            f"<description>{body}</description></item>")


LEAD = "The harbour bridge reopened to traffic on Friday morning after three weeks of repairs to its steel deck."
SECOND = "Engineers found corrosion in two expansion joints during a routine inspection in early January."
UPDATE = "The mayor said on Friday afternoon that a full replacement of the deck would be planned for next year."


def test_every_fixture_is_ingested_and_the_same_feed_again_is_all_duplicates(app: App, inbox: Path) -> None:
    for path in WIRE.iterdir():
        if not path.name.startswith("not-ours") and path.suffix != ".md":
            shutil.copy(path, inbox / path.name)
    first = ingest_paths(app, [inbox])
    assert first.rejected == 0 and first.rejected_records == 0, first.to_dict()
    assert first.new >= 20 and first.skipped == 6
    second = ingest_paths(app, [inbox])
    assert (second.new, second.duplicates) == (0, first.new + first.duplicates)
    articles = stored(app)
    bridge = next(a for a in articles if a.title == STORY)
    assert bridge.guid == GUID and bridge.language == "en"
    assert {a.language for a in articles} >= {"en", "de", "ru", "pt", "cs", "nb", "sv", "it"}


def test_skipped_items_are_reported_and_the_file_is_not_a_failure(app: App, inbox: Path) -> None:
    shutil.copy(WIRE / "newsml-g2-message.xml", inbox / "message.xml")
    (result,) = ingest_paths(app, [inbox]).results
    assert (result.status, result.new) == ("ok", 2)
    assert [(e.kind, e.reason) for e in result.record_errors] == [
        ("skipped", "picture item, not a story"),
        ("skipped", "package item (a list of other items), not a story")]


def test_two_guids_with_the_same_title_and_body_are_two_stories(app: App, inbox: Path) -> None:
    (inbox / "feed.xml").write_bytes(rss(item("g-1", "Council agenda", LEAD, SECOND)
                                         + item("g-2", "Council agenda", LEAD, SECOND)))
    report = ingest_paths(app, [inbox])
    assert (report.new, report.duplicates) == (2, 0)
    assert sorted(a.guid or "" for a in stored(app)) == ["g-1", "g-2"]  # neither supersedes the other


def test_the_same_guid_with_changed_text_is_a_revision(app: App, inbox: Path) -> None:
    (inbox / "poll-1.xml").write_bytes(rss(item("g-1", "Bridge reopens", LEAD, SECOND)))
    ingest_paths(app, [inbox / "poll-1.xml"])
    (inbox / "poll-2.xml").write_bytes(rss(item("g-1", "Bridge reopens, deck to be replaced", LEAD, UPDATE,
                                                date="Fri, 30 Jan 2026 15:00:00 GMT")))
    report = ingest_paths(app, [inbox / "poll-2.xml"])
    assert report.new == 1 and len(report.results[0].superseded) == 1
    (current,) = stored(app)
    assert current.title == "Bridge reopens, deck to be replaced"
    assert len(stored(app, include_superseded=True)) == 2
    again = ingest_paths(app, [inbox / "poll-2.xml"])
    assert (again.new, again.duplicates) == (0, 1)


def test_a_story_by_feed_and_by_dump_is_stored_once_in_either_order(app: App, inbox: Path) -> None:
    dump = f"{STORY}\n\n{LEAD}\n\n{SECOND}\n".encode()
    feed = rss(item(GUID, STORY, LEAD, SECOND))
    (inbox / "a-dump.txt").write_bytes(dump)
    (inbox / "b-feed.xml").write_bytes(feed)
    report = ingest_paths(app, [inbox])
    assert (report.new, report.duplicates) == (1, 1)
    (article,) = stored(app)
    assert article.guid == GUID  # the dump's copy learned the feed's guid
    (inbox / "c-dump-again.txt").write_bytes(dump)
    assert ingest_paths(app, [inbox / "c-dump-again.txt"]).duplicates == 1


def test_stories_in_other_languages_are_tagged_by_their_aliases_and_findable(app: App, inbox: Path) -> None:
    shutil.copy(WIRE / "rss20-windows1251-declared.xml", inbox / "ru.xml")
    ingest_paths(app, [inbox])
    ukraine = stored(app, topic="ukraine")
    assert [a.title for a in ukraine] == ["Украина и Россия обменялись пленными"]
    assert ukraine[0].language == "ru"
    with app.sessions() as session:
        found = ArticleRepository(session).search("Волгу")
    assert [a.title for a in found] == ["В Самаре открылся новый мост через Волгу"]

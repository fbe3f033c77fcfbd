"""Stories assigned at ingest: incremental assignment groups the labelled reports exactly as batch clustering.

The reports of tests/fixtures/stories arrive one per transaction (the way a wire trickles in) in
several seeded orders, and in uneven batches; once settled (what every ingest run ends with), the
stored stories must equal ``group_same_event`` over all reports at once, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ingest.story_assignment import (
    CANDIDATES,
    SETTLE_WINDOW,
    STORY_WINDOW,
    NewReport,
    assign_stories,
    backfill,
    settle_stories,
)
from bot.ingest.story_cache import StoryCache
from bot.store.articles import ArticleRepository
from bot.store.db import session_factory
from bot.store.models import ArticleRow, StoryRow
from bot.store.stories import StoryStore
from summarizer.models import Article, Block, Document
from summarizer.stories import group_same_event

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stories" / "events.json"
ROWS = json.loads(FIXTURE.read_text(encoding="utf-8"))["documents"]
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _article(row: dict[str, object], n: int = 0) -> Article:
    paragraphs = [str(p) for p in row["paragraphs"]]  # type: ignore[attr-defined]
    return Article(title=str(row["title"] or ""), blocks=tuple(Block("paragraph", p) for p in paragraphs),
                   credits=(f"Agency {n % 3}",))


def _document(row: dict[str, object]) -> Document:
    return Document(id=str(row["id"]), paragraphs=tuple(row["paragraphs"]), title=row["title"])  # type: ignore[arg-type]


def _partition(groups: Sequence[Sequence[str]]) -> list[list[str]]:
    return sorted(sorted(g) for g in groups)


# Identical texts (two copies of one Trudeau report) are one stored article: compare like with like.
BATCH = _partition(group_same_event([_document(r) for r in ROWS]))


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield session_factory(engine)


def _ingest(sessions: sessionmaker[Session], batches: Sequence[Sequence[dict[str, object]]],
            when: datetime = T0, cache: StoryCache | None = None) -> dict[str, int]:
    """Store and assign each batch in its own transaction, sharing one run's cache as an ingest run does;
    returns fixture id -> article id."""
    cache = cache if cache is not None else StoryCache()
    ids: dict[str, int] = {}
    for batch in batches:
        with sessions.begin() as session:
            repo = ArticleRepository(session)
            new: list[NewReport] = []
            for row in batch:
                article = _article(row, len(ids))
                added = repo.add(article, ingested_at=when)
                ids[str(row["id"])] = added.id
                if added.created:
                    new.append(NewReport.of(added.id, article, when))
            assign_stories(session, new, cache=cache)
    return ids


def _stored_partition(sessions: sessionmaker[Session], ids: dict[str, int], *,
                      settle: bool = True) -> list[list[str]]:
    if settle:
        with sessions.begin() as session:
            settle_stories(session, since=T0 - SETTLE_WINDOW)
    with sessions() as session:
        story = {int(a): s for a, s in session.execute(select(ArticleRow.id, ArticleRow.story_id))}
    groups: dict[int, list[str]] = {}
    for fixture_id, article_id in ids.items():
        groups.setdefault(story[article_id], []).append(fixture_id)
    return _partition(list(groups.values()))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_report_at_a_time_in_any_order_gives_the_batch_grouping(sessions: sessionmaker[Session],
                                                                     seed: int) -> None:
    rows = list(ROWS)
    random.Random(seed).shuffle(rows)
    ids = _ingest(sessions, [[r] for r in rows])
    assert _stored_partition(sessions, ids) == BATCH


def test_uneven_batches_give_the_batch_grouping(sessions: sessionmaker[Session]) -> None:
    rows = list(reversed(ROWS))
    rng = random.Random(7)
    batches: list[list[dict[str, object]]] = []
    while rows:
        size = rng.randint(1, 12)
        batches.append(rows[:size])
        rows = rows[size:]
    ids = _ingest(sessions, batches)
    assert _stored_partition(sessions, ids) == BATCH


def _cache_matches_the_store(sessions: sessionmaker[Session], cache: StoryCache) -> None:
    with sessions() as session:
        df, n_docs = StoryStore(session).word_stats(cache.df)
    assert cache.df and n_docs == cache.n_docs
    assert cache.df == {w: df.get(w, 0) for w in cache.df}


def test_a_run_cache_holds_the_stored_word_statistics_batch_after_batch(sessions: sessionmaker[Session]) -> None:
    """The counts a run keeps between batches (plus each batch's own) are the database's, exactly."""
    cache = StoryCache()
    for start in range(0, len(ROWS), 20):
        _ingest(sessions, [ROWS[start:start + 20]], cache=cache)
        _cache_matches_the_store(sessions, cache)


def test_a_run_cache_drops_word_statistics_another_writer_changed(sessions: sessionmaker[Session]) -> None:
    cache = StoryCache()
    _ingest(sessions, [ROWS[:40]], cache=cache)
    _ingest(sessions, [ROWS[40:70]])  # another process: the run's counts are now short
    _ingest(sessions, [ROWS[70:]], cache=cache)
    _cache_matches_the_store(sessions, cache)


def test_incremental_quality_meets_the_floors(sessions: sessionmaker[Session]) -> None:
    rows = list(ROWS)
    random.Random(11).shuffle(rows)
    ids = _ingest(sessions, [[r] for r in rows])
    groups = _stored_partition(sessions, ids, settle=False)  # even before settling
    label = {i: n for n, g in enumerate(groups) for i in g}
    event = {str(r["id"]): str(r["event"]) for r in ROWS}
    same = {p for p in combinations(sorted(event), 2) if event[p[0]] == event[p[1]]}
    merged = {p for p in combinations(sorted(event), 2) if label[p[0]] == label[p[1]]}
    assert len(same & merged) / len(merged) >= 0.94 and len(same & merged) / len(same) >= 0.76


def test_story_rows_keep_representative_credits_and_times(sessions: sessionmaker[Session]) -> None:
    jolie = [r for r in ROWS if str(r["event"]) == "jolie-ovaries-removed"]
    ids = _ingest(sessions, [[r] for r in jolie])
    with sessions() as session:
        (story,) = session.scalars(select(StoryRow)).all()
        members = session.scalars(select(ArticleRow).where(ArticleRow.story_id == story.id)).all()
    assert sorted(m.id for m in members) == sorted(ids.values())
    assert story.size == len(members) and story.component_id == story.id
    longest = max(members, key=lambda m: (len(m.body), -m.id))
    assert story.representative_id == longest.id
    assert story.credits == sorted({c for m in members for c in m.credits}, key=lambda c: c[-1])  # first seen first
    assert story.first_seen == story.last_seen


def test_a_report_joining_keeps_the_story_id(sessions: sessionmaker[Session]) -> None:
    jolie = [r for r in ROWS if str(r["event"]) == "jolie-ovaries-removed"]
    first = _ingest(sessions, [jolie[:1]])
    with sessions() as session:
        before = session.execute(select(ArticleRow.story_id).where(ArticleRow.id == first[str(jolie[0]["id"])]))
        story_id = before.scalar_one()
    ids = _ingest(sessions, [[r] for r in jolie[1:]])
    with sessions() as session:
        stored = set(session.scalars(select(ArticleRow.story_id).where(ArticleRow.id.in_(list(ids.values())))))
    assert stored == {story_id}


def test_a_report_reaching_a_component_over_the_cap_joins_its_best_candidates_story(
        sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_COMPONENT a component is not re-clustered, but the report still gets a story."""
    import bot.ingest.story_assignment as assignment

    monkeypatch.setattr(assignment, "MAX_COMPONENT", 2)
    jolie = [r for r in ROWS if str(r["event"]) == "jolie-ovaries-removed"]
    assert len(jolie) > 2
    ids = _ingest(sessions, [[r] for r in jolie])
    with sessions() as session:
        stories = session.execute(select(ArticleRow.id, ArticleRow.story_id)
                                  .where(ArticleRow.id.in_(list(ids.values())))).all()
        sizes = {s.id: s.size for s in session.scalars(select(StoryRow))}
    assert all(story is not None for _, story in stories)
    assert sum(sizes.values()) == len(stories)  # each story's size counts the reports that joined it


def test_reports_further_apart_than_the_window_are_separate_stories(sessions: sessionmaker[Session]) -> None:
    jolie = [r for r in ROWS if str(r["event"]) == "jolie-ovaries-removed"][:2]
    ids = _ingest(sessions, [jolie[:1]], when=T0)
    ids |= _ingest(sessions, [jolie[1:]], when=T0 + STORY_WINDOW + timedelta(hours=1))
    assert len(_stored_partition(sessions, ids)) == 2


def test_backfill_assigns_articles_stored_before_stories_existed(sessions: sessionmaker[Session]) -> None:
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        repo = ArticleRepository(session)
        for n, row in enumerate(ROWS):
            ids[str(row["id"])] = repo.add(_article(row, n), ingested_at=T0).id
    total = 0
    while True:
        with sessions.begin() as session:
            done = backfill(session, batch=40)
        if not done:
            break
        total += done
    assert total == len(set(ids.values()))
    assert _stored_partition(sessions, ids) == BATCH


def _fillers(tag: str, n: int) -> list[dict[str, object]]:
    """Unrelated one-line stories that all share the name "Mayor" with the probe (so all are candidates)."""
    return [{"id": f"{tag}{i}", "title": f"Mayor Town{tag}{i} opens bridge",
             "paragraphs": [f"Mayor Town{tag}{i} of Place{tag}{i} opened a bridge over River{tag}{i} on Tuesday."]}
            for i in range(n)]


def test_assignment_cost_does_not_grow_with_the_store(sessions: sessionmaker[Session], engine: Engine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A new report costs the same SQL statements, and reads at most CANDIDATES reports' features,
    with 30 or 330 stored stories sharing a name with it."""
    loaded: list[int] = []
    original = StoryStore.features
    monkeypatch.setattr(StoryStore, "features", lambda self, ids: loaded.append(len(ids)) or original(self, ids))

    def cost(probe: dict[str, object]) -> int:
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        loaded.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            _ingest(sessions, [[probe]])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return statements

    _ingest(sessions, [_fillers("a", 30)])
    small = cost({"id": "p1", "title": "Mayor Smith resigns", "paragraphs": ["Mayor Smith resigned on Friday."]})
    assert sum(loaded) == 30
    _ingest(sessions, [_fillers("b", 300)])
    large = cost({"id": "p2", "title": "Mayor Jones resigns", "paragraphs": ["Mayor Jones resigned on Friday."]})
    assert sum(loaded) == CANDIDATES
    assert large == small


def test_a_small_feature_cache_gives_the_same_grouping(sessions: sessionmaker[Session],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Features dropped from a pass's memory (CACHE_MAX) are read again from the store: same stories."""
    import bot.ingest.story_cache as story_cache

    monkeypatch.setattr(story_cache, "CACHE_MAX", 6)
    loaded: list[int] = []
    original = StoryStore.features
    monkeypatch.setattr(StoryStore, "features", lambda self, ids: loaded.append(len(ids)) or original(self, ids))
    rows = list(ROWS)
    random.Random(3).shuffle(rows)
    ids = _ingest(sessions, [rows[:40], rows[40:]])
    assert _stored_partition(sessions, ids) == BATCH
    assert sum(loaded) > len(ROWS)  # some features really were dropped and read again


def test_renumbering_the_run_vocabulary_between_batches_gives_the_same_grouping(
        sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's word numbering (StoryCache.arrays) starts again past VOCABULARY_MAX: same stories."""
    import bot.ingest.story_cache as story_cache

    monkeypatch.setattr(story_cache, "VOCABULARY_MAX", 50)
    cache = StoryCache()
    rows = list(ROWS)
    random.Random(5).shuffle(rows)
    ids = _ingest(sessions, [rows[:30], rows[30:60], rows[60:]], cache=cache)
    assert cache.generation >= 2  # it really was renumbered
    assert _stored_partition(sessions, ids) == BATCH

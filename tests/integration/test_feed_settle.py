"""Stories stored through feeds are settled too: at most once per interval per process, covering every
feed store since the last settle (docs/scale.md)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.ingest.revisions import RevisionFinder
from bot.ingest.service import FeedSettler, store_parsed
from bot.store.models import ArticleRow
from tests.integration.test_story_assignment import BATCH, ROWS, _article, _partition


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=db_url)
    yield application
    application.close()


def _partition_of(app: App, ids: dict[str, int]) -> list[list[str]]:
    with app.sessions() as session:
        story = {int(a): s for a, s in session.execute(select(ArticleRow.id, ArticleRow.story_id))}
    groups: dict[int | None, list[str]] = {}
    for fixture_id, article_id in ids.items():
        groups.setdefault(story[article_id], []).append(fixture_id)
    return _partition(list(groups.values()))


def test_feed_stored_stories_settle_once_the_interval_has_passed(app: App) -> None:
    clock = Clock()
    settler = app.__dict__["feed_settler"] = FeedSettler(timedelta(minutes=5), clock)
    finder = RevisionFinder()
    rows = list(ROWS)
    random.Random(5).shuffle(rows)  # an order whose first assignment differs from the batch grouping
    ids: dict[str, int] = {}
    settled: list[bool] = []
    original = settler.stored
    settler.stored = lambda a, new: settled.append(original(a, new)) or settled[-1]  # type: ignore[method-assign]
    for n, row in enumerate(rows):  # one item per feed poll, a few seconds apart
        result = store_parsed(app, app.topics, finder, f"https://feed.example/{n % 7}", [_article(row, n)])
        ids[str(row["id"])] = result.article_ids[0]
        clock.now += 2
    assert settled[0] and not any(settled[1:])  # the first store settles, then none within 5 minutes
    assert _partition_of(app, ids) != BATCH  # as first assigned: order-dependent (what settling fixes)
    clock.now += 300
    result = store_parsed(app, app.topics, finder, "https://feed.example/0", [])  # a poll with nothing new
    assert result.new == 0 and settled[-1]  # ... still settles what was stored since the last settle
    assert _partition_of(app, ids) == BATCH
    clock.now += 600
    store_parsed(app, app.topics, finder, "https://feed.example/0", [])
    assert not settled[-1]  # nothing stored since: nothing to settle

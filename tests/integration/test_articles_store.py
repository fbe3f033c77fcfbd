"""The article repository on SQLite and PostgreSQL: idempotent add, listing, topics, full-text search."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.store.articles import ArticleRepository, fingerprint, fts_match_query
from bot.store.db import session_factory
from summarizer.models import Article, Block

T0 = datetime(2026, 1, 28, 6, 0, tzinfo=UTC)


def make(title: str, *paragraphs: str, credits: tuple[str, ...] = ("Reuters",), **kw: object) -> Article:
    return Article(title=title, blocks=tuple(Block("paragraph", p) for p in paragraphs), credits=credits,
                   **kw)  # type: ignore[arg-type]


GOLD = make("New US Sanctions Target Russian Gold Imports", "The United States banned imports of Russian gold.",
            "Gold is a crucial asset for the central bank.")
XI = make("Starmer, Xi Signal Reset in China-UK Ties", "Starmer met Xi in Beijing.", credits=("Reuters",))
WAR = make("Russia and Ukraine's Combined War Casualties", "Casualties could reach 2 million, CSIS said.",
           credits=("AP",), url="https://example.org/war")


def test_fingerprint_ignores_case_spacing_and_punctuation() -> None:
    same = make("new us sanctions target russian gold imports!", "The United States  banned imports of Russian "
                "gold", "Gold is a crucial asset for the central bank")
    assert fingerprint(same) == fingerprint(GOLD)
    assert fingerprint(XI) != fingerprint(GOLD)


def test_add_is_idempotent_and_keeps_topics(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        repo = ArticleRepository(session)
        first = repo.add(GOLD, topics={"russia": 7.0, "sanctions": 6.0}, ingested_at=T0)
        again = repo.add(GOLD, topics={"russia": 1.0}, ingested_at=T0 + timedelta(hours=1))
    assert first.created and not again.created and again.id == first.id
    with sessions() as session:
        stored = ArticleRepository(session).get_many([first.id])
    assert len(stored) == 1
    article = stored[0]
    assert article.title == GOLD.title and article.paragraphs == GOLD.paragraphs
    assert dict(article.topics) == {"russia": 7.0, "sanctions": 6.0}
    assert list(article.topics) == ["russia", "sanctions"]  # best first
    assert article.ingested_at == T0 and article.ingested_at.tzinfo is not None
    assert article.document().id == str(first.id)


def _seed(session: Session) -> dict[str, int]:
    repo = ArticleRepository(session)
    return {
        "gold": repo.add(GOLD, topics={"russia": 7.3, "sanctions": 6.1, "ukraine": 2.6}, ingested_at=T0).id,
        "xi": repo.add(XI, topics={"china": 7.2, "uk": 7.4}, ingested_at=T0 + timedelta(hours=1)).id,
        "war": repo.add(WAR, topics={"ukraine": 6.5, "russia": 6.9}, ingested_at=T0 + timedelta(hours=2)).id,
    }


def test_list_orders_and_filters(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        ids = _seed(session)
        repo = ArticleRepository(session)
        assert [a.id for a in repo.list_articles()] == [ids["war"], ids["xi"], ids["gold"]]  # newest first
        assert [a.id for a in repo.list_articles(topic="ukraine")] == [ids["war"], ids["gold"]]  # by score
        assert [a.id for a in repo.list_articles(since=T0 + timedelta(minutes=30))] == [ids["war"], ids["xi"]]
        assert [a.id for a in repo.list_articles(limit=1)] == [ids["war"]]
        assert [a.id for a in repo.list_articles(ids=[ids["gold"], ids["xi"]])] == [ids["xi"], ids["gold"]]
        assert repo.count(topic="russia") == 2
        assert repo.topic_counts() == {"russia": 2, "sanctions": 1, "ukraine": 2, "china": 1, "uk": 1}
        assert repo.topic_counts(since=T0 + timedelta(minutes=30)) == {"china": 1, "uk": 1, "ukraine": 1, "russia": 1}


def test_superseded_articles_leave_listings_counts_and_search(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        ids = _seed(session)
        repo = ArticleRepository(session)
        newer = repo.add(make(GOLD.title, *GOLD.paragraphs, "A new paragraph."), topics={"russia": 7.0},
                         ingested_at=T0 + timedelta(hours=3)).id
        repo.mark_superseded(ids["gold"], newer)
        assert ids["gold"] not in [a.id for a in repo.list_articles()]
        assert [a.id for a in repo.list_articles(topic="sanctions")] == []
        assert ids["gold"] in [a.id for a in repo.list_articles(include_superseded=True)]
        assert repo.topic_counts()["russia"] == 2  # newer + war, not the replaced one
        assert [a.id for a in repo.search("gold")] == [newer]


def test_superseded_pairs_are_written_together(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        ids = _seed(session)
        repo = ArticleRepository(session)
        repo.mark_superseded_many([(ids["gold"], ids["war"]), (ids["xi"], ids["war"]), (ids["war"], ids["war"])])
        again = {a.id: a.superseded_by_id for a in repo.get_many(list(ids.values()))}
        assert again[ids["gold"]] == again[ids["xi"]] == ids["war"]
        assert again[ids["war"]] is None  # a row never replaces itself
        assert ids["gold"] not in [a.id for a in repo.list_articles()]


def test_full_text_search_ranks_and_filters(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        ids = _seed(session)
        repo = ArticleRepository(session)
        assert [a.id for a in repo.search("gold")] == [ids["gold"]]
        assert [a.id for a in repo.search("Gold imports")] == [ids["gold"]]  # every word, any case, stemmed
        assert [a.id for a in repo.search("casualty")] == [ids["war"]]  # stemming: casualties
        assert [a.id for a in repo.search("Ukraine’s casualties")] == [ids["war"]]  # possessive dropped
        assert repo.search("gold beijing") == []  # all words required
        assert repo.search("gold", since=T0 + timedelta(hours=1)) == []
        assert repo.search("gold", ids=[ids["xi"]]) == []
        assert repo.search("gold", ids=[]) == []


@pytest.mark.parametrize("query", ['"', "gold\"  OR", "NEAR(", "*", "title:gold", "AND", "-", "'; DROP TABLE", ""])
def test_search_never_fails_on_user_syntax(engine: Engine, query: str) -> None:
    with session_factory(engine).begin() as session:
        _seed(session)
        hits = ArticleRepository(session).search(query)
    assert isinstance(hits, list)


def test_fts_query_quotes_every_word() -> None:
    assert fts_match_query('gold "bars" OR x') == '"gold" "bars" "OR" "x"'
    assert fts_match_query("?!") == ""
    assert fts_match_query("Russia’s gold") == '"Russia" "gold"'


def test_concurrent_adds_of_the_same_story_store_it_once(engine: Engine) -> None:
    sessions = session_factory(engine)
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            with sessions.begin() as session:
                results.append(ArticleRepository(session).add(WAR, topics={"ukraine": 6.5}).created)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False, False, False, True]
    with sessions() as session:
        assert ArticleRepository(session).count() == 1


def test_set_topics_replaces_the_scores(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        ids = _seed(session)
        repo = ArticleRepository(session)
        repo.set_topics(ids["gold"], {"economy": 4.0})
        assert dict(repo.get_many([ids["gold"]])[0].topics) == {"economy": 4.0}
        assert repo.topic_counts()["russia"] == 1

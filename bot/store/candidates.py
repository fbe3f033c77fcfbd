"""What a brief reads: at most K candidate articles, ranked in SQL, then the stories of the few it shows.

* A topic: ``article_topics`` in descending ``rank`` (relevance decayed by age, fixed at ingest) on
  the (topic, rank) index; with ``since``, the scan also stops at the lowest rank an article ingested
  since then can have (:func:`bot.store.articles.rank_floor`), so a quiet topic costs no more than a
  busy one. Reads O(K) index entries, whatever the archive holds.
* Full text: the newest :data:`SEARCH_RECENT` matches, then ranked (SQLite: FTS5 walks its doclists
  in rowid order and stops, ``bm25`` only on those; PostgreSQL: see :func:`search_candidates`).
* The members of the shown stories: by ``articles.story_id`` (indexed), same filters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from bot.app.timeutil import utc
from bot.store.articles import fts_match_query, rank_floor, search_words
from bot.store.tables import article_topics as topic_rows
from bot.store.tables import articles as article_rows
from bot.store.tables import dialect_name
from bot.store.tables import stories as story_rows

if TYPE_CHECKING:
    from bot.store.tables import Reader

BRIEF_CANDIDATES = 50  # K: candidate articles one brief reads at most
SEARCH_RECENT = 500  # full-text matches ranked at most (the newest ones)
# PostgreSQL looks for the newest matches in these windows back from now, widening while it finds
# fewer than SEARCH_RECENT (then everything): see _recent_matches.
SEARCH_WINDOWS = (timedelta(days=1), timedelta(days=7), timedelta(days=30))


@dataclass(frozen=True, slots=True)
class Candidate:
    article_id: int
    story_id: int | None  # None: stored before stories were (a story of its own)


@dataclass(frozen=True, slots=True)
class StoryInfo:
    representative_id: int | None
    credits: tuple[str, ...]
    members: tuple[tuple[int, str | None], ...]  # (article id, url) of the eligible members, oldest first


def _bind_time(session: Reader, value: datetime) -> datetime:
    value = utc(value)
    return value.replace(tzinfo=None) if dialect_name(session) == "sqlite" else value


def topic_candidates(session: Reader, topic: str, *, since: datetime | None, ids: Collection[int] | None,
                     limit: int = BRIEF_CANDIDATES) -> list[Candidate]:
    """The ``limit`` best current articles on ``topic``: most relevant and recent first."""
    if ids is not None and not ids:
        return []
    stmt = (select(topic_rows.c.article_id, article_rows.c.story_id)
            .join(article_rows, article_rows.c.id == topic_rows.c.article_id)
            .where(topic_rows.c.topic == topic, article_rows.c.superseded_by_id.is_(None))
            .order_by(topic_rows.c.rank.desc(), topic_rows.c.article_id.desc()).limit(limit))
    if since is not None:
        stmt = stmt.where(topic_rows.c.rank >= rank_floor(since), article_rows.c.ingested_at >= utc(since))
    if ids is not None:
        stmt = stmt.where(topic_rows.c.article_id.in_(sorted(ids)))
    return [Candidate(int(a), s) for a, s in session.execute(stmt)]


def search_candidates(session: Reader, query: str, *, since: datetime | None, ids: Collection[int] | None,
                      limit: int = BRIEF_CANDIDATES, now: datetime | None = None) -> list[Candidate]:
    """The ``limit`` best current matches of every word of ``query`` among its newest SEARCH_RECENT matches.

    Limit, then rank: the engine collects the newest matches and only those are ranked (``bm25``;
    ``ts_rank_cd``), so a word in every story costs no more than a rare one. SQLite: FTS5 walks its
    doclists in rowid order and stops. PostgreSQL: see :func:`_recent_matches`.
    """
    words = search_words(query)
    if not words or (ids is not None and not ids):
        return []
    if dialect_name(session) != "sqlite":
        return _postgres_search(session, " ".join(words), since=since, ids=ids, limit=limit,
                                now=now or datetime.now(UTC))
    params: dict[str, Any] = {"limit": limit, "recent": SEARCH_RECENT, "q": fts_match_query(query)}
    only = "" if ids is None else ", ".join(str(int(i)) for i in sorted(set(ids)))  # ints only: safe to inline
    outer = " AND a.superseded_by_id IS NULL"
    if since is not None:
        params["since"] = _bind_time(session, since)
        outer += " AND a.ingested_at >= :since"
    # bm25 (lower is better; a title hit weighs ten body hits) exists only inside the FTS query.
    hits = ("SELECT rowid AS id, bm25(articles_fts, 10.0, 1.0) AS score FROM articles_fts "
            "WHERE articles_fts MATCH :q" + (f" AND rowid IN ({only})" if only else "") +
            " ORDER BY rowid DESC LIMIT :recent")
    sql = (f"SELECT a.id, a.story_id FROM ({hits}) h JOIN articles a ON a.id = h.id WHERE true{outer} "
           "ORDER BY h.score, a.id DESC LIMIT :limit")
    return [Candidate(int(a), s) for a, s in session.execute(text(sql), params)]


def _postgres_search(session: Reader, words: str, *, since: datetime | None, ids: Collection[int] | None,
                     limit: int, now: datetime) -> list[Candidate]:
    # plainto_tsquery, like the quoted SQLite terms: every word required, no operator syntax.
    recent = _recent_matches(session, words, since=since, ids=ids, now=now)
    if not recent:
        return []
    sql = ("SELECT a.id, a.story_id FROM articles a WHERE a.id = ANY(:ids) AND a.superseded_by_id IS NULL "
           "ORDER BY ts_rank_cd(a.search, plainto_tsquery('english', :q)) DESC, a.id DESC LIMIT :limit")
    return [Candidate(int(a), s) for a, s in session.execute(text(sql), {"ids": recent, "q": words, "limit": limit})]


def _recent_matches(session: Reader, words: str, *, since: datetime | None, ids: Collection[int] | None,
                    now: datetime) -> list[int]:
    """The ids of the newest SEARCH_RECENT matches (by ingest time), found in widening time windows.

    Asking for "the newest matches" over everything let the planner walk the primary key backwards,
    testing each row's words: fine for a word in every story, 113 ms at 100k stories for two words
    found together in one story of 25 ("government minister"). Each window is one scan of the GIN
    index on (ingest day, search) (migration 0011), costing what the window matches; the next,
    wider window is read only when this one holds fewer than SEARCH_RECENT matches, so a common
    query stops at the last day and only a rare one reaches the whole archive (where its matches
    are few). The result is the same as one query over everything. With ``since`` (/brief's last 24 h),
    only windows at most half its span are tried before it: /brief reads its day once.
    """
    only = "" if ids is None else " AND id IN (" + ", ".join(str(int(i)) for i in sorted(set(ids))) + ")"
    span = None if since is None else now - utc(since)
    # Among given ids (a digest's window) the ids bound the scan already: one query.
    for window in (*SEARCH_WINDOWS, None) if ids is None else (None,):
        floor = None if window is None else now - window
        if since is not None and span is not None and (window is None or span <= 2 * window):
            # The caller's bound is the last window. A window is tried first only when it is at most half
            # the caller's span: /brief's "last 24 h" (its clock read a moment before ``now``) is not
            # searched as the last day and then again as the 24 h, each a scan of the same index entries.
            floor, window = utc(since), None
        params: dict[str, Any] = {"q": words, "recent": SEARCH_RECENT}
        bound = ""
        if floor is not None:
            # The index keys the day (a handful of index entries per window, not one per article);
            # the exact time then filters within the first day.
            bound = " AND (ingested_at AT TIME ZONE 'UTC')::date >= :day AND ingested_at >= :floor"
            params.update(day=floor.astimezone(UTC).date(), floor=floor)
        # "+ interval '0'": the order must not be served by the ingested_at btree, which the planner
        # would walk backwards testing every row's words, as it did the primary key.
        sql = ("SELECT id FROM articles WHERE search @@ plainto_tsquery('english', :q)" + only + bound +
               " ORDER BY ingested_at + interval '0' DESC, id DESC LIMIT :recent")
        found = [int(i) for (i,) in session.execute(text(sql), params)]
        if len(found) >= SEARCH_RECENT or window is None:
            return found
    return []  # not reached: the last window is unbounded


def stories(session: Reader, story_ids: Sequence[int], *, since: datetime | None, ids: Collection[int] | None,
            topic: str | None = None) -> dict[int, StoryInfo]:
    """Representative, credits and eligible members of stories: current, ingested since ``since``, among
    ``ids`` and tagged with ``topic`` (a topic brief lists the reports on its topic, as it always did)."""
    if not story_ids:
        return {}
    st = story_rows.c
    found = {int(i): (rep, tuple(credits or ())) for i, rep, credits in session.execute(
        select(st.id, st.representative_id, st.credits).where(st.id.in_(list(story_ids))))}
    stmt = (select(article_rows.c.story_id, article_rows.c.id, article_rows.c.url)
            .where(article_rows.c.story_id.in_(list(story_ids)), article_rows.c.superseded_by_id.is_(None))
            .order_by(article_rows.c.id))
    if since is not None:
        stmt = stmt.where(article_rows.c.ingested_at >= utc(since))
    if ids is not None:
        stmt = stmt.where(article_rows.c.id.in_(sorted(ids)))
    if topic is not None:
        stmt = stmt.join(topic_rows, (topic_rows.c.article_id == article_rows.c.id)
                         & (topic_rows.c.topic == topic))
    members: dict[int, list[tuple[int, str | None]]] = {}
    for story_id, article_id, url in session.execute(stmt):
        members.setdefault(int(story_id or 0), []).append((int(article_id), url))  # IN (...): never NULL
    return {s: StoryInfo(rep, credits, tuple(members.get(s, ()))) for s, (rep, credits) in found.items()}


def count_stories(session: Reader, topic: str, ids: Collection[int]) -> int:
    """How many stories the current articles among ``ids`` on ``topic`` make (a digest's exact "more")."""
    if not ids:
        return 0
    art, tag = article_rows.c, topic_rows.c
    rows = session.execute(
        select(art.id, art.story_id).join(topic_rows, tag.article_id == art.id)
        .where(tag.topic == topic, art.superseded_by_id.is_(None), art.id.in_(sorted(ids))))
    return len({s if s is not None else -a for a, s in rows})

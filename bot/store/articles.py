"""Article repository: add (idempotent by content fingerprint), list, get, topic counts, full-text search.

Every method runs inside the caller's Session, so the ingest service decides what commits together.
The same code runs on SQLite and PostgreSQL; only the full-text query and the upsert differ.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Row, Select, bindparam, delete, func, insert, or_, select, text, update

from bot.app.timeutil import utc, utc_or_none
from bot.store.tables import article_topics as topic_rows
from bot.store.tables import articles as article_rows
from bot.store.tables import dialect_name
from summarizer.models import Article, Block, Document

if TYPE_CHECKING:
    from bot.store.tables import Reader

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_POSSESSIVE_RE = re.compile(r"['’]s\b")
_SelectT = TypeVar("_SelectT", bound=Select[*tuple[Any, ...]])


def guid_fingerprint(content: str, guid: str, scope: str | None = None) -> str:
    """The fingerprint of a story whose text another item (another guid) already has: two stories, not one."""
    key = guid if scope is None else f"{scope}\x00{guid}"
    return hashlib.sha256(f"{content}\x00guid:{key}".encode()).hexdigest()


def same_guid_scope(a: str | None, b: str | None) -> bool:
    """Whether guids of these scopes can name the same item: one source's, or either source unknown."""
    return a is None or b is None or a == b


def fingerprint(article: Article) -> str:
    """Hash of the normalised title and body: the same story re-sent (other spacing, quotes, case) matches."""
    words = _WORD_RE.findall(unicodedata.normalize("NFKC", f"{article.title}\n{article.body}").casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


# Briefs rank a topic's articles by relevance decayed by age: score halves in weight every RANK_HALF_LIFE.
# As an order that is log2(score) + age in half-lives, and "now" drops out: the rank is fixed at
# ingest, stored, and indexed with the topic, so the best K are one index scan (migration 0010).
RANK_HALF_LIFE = timedelta(hours=24)
# Scores are clamped for the rank (topic scores run from about 1.5 to 8): a story's relevance is worth
# at most log2(16) = 4 half-lives of recency, which also bounds how far back a "since" scan reads.
RANK_SCORE_FLOOR, RANK_SCORE_CAP = 1.0, 16.0


def topic_rank(score: float, ingested_at: datetime) -> float:
    """The stored order of an article within a topic: higher is more relevant and more recent."""
    clamped = min(max(score, RANK_SCORE_FLOOR), RANK_SCORE_CAP)
    return math.log2(clamped) + utc(ingested_at).timestamp() / RANK_HALF_LIFE.total_seconds()


def rank_floor(since: datetime) -> float:
    """No article ingested at or after ``since`` ranks below this (the lowest score at that time)."""
    return topic_rank(RANK_SCORE_FLOOR, since)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as stored, with its id and topic scores."""

    id: int
    title: str
    blocks: tuple[Block, ...]
    ingested_at: datetime
    caption: str | None = None
    credit_line: str | None = None
    credits: tuple[str, ...] = ()
    caption_date: date | None = None
    url: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    truncated: bool = False
    superseded_by_id: int | None = None
    topics: Mapping[str, float] = field(default_factory=dict)
    guid: str | None = None
    language: str | None = None
    guid_scope: str | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.blocks if b.kind == "paragraph")

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def document(self) -> Document:
        """Summarizer input; the doc id is the article id as a string."""
        return Document(id=str(self.id), paragraphs=self.paragraphs, title=self.title)


@dataclass(frozen=True, slots=True)
class AddResult:
    id: int
    created: bool  # False: the fingerprint was already stored (by us or a concurrent ingest)


def _row_values(article: Article, print_: str, ingested_at: datetime, guid_scope: str | None) -> dict[str, Any]:
    return {
        "fingerprint": print_, "title": article.title, "body": article.body,
        "blocks": [{"kind": b.kind, "text": b.text} for b in article.blocks],
        "caption": article.caption, "credit_line": article.credit_line, "credits": list(article.credits),
        "caption_date": article.caption_date, "url": article.url,
        "published_at": utc_or_none(article.published_at), "source": article.source,
        "truncated": article.truncated, "ingested_at": ingested_at,
        "guid": article.guid, "language": article.language, "guid_scope": guid_scope if article.guid else None,
    }


def _blocks_from_json(raw: Sequence[Any]) -> tuple[Block, ...]:
    return tuple(Block(kind="subheading" if b.get("kind") == "subheading" else "paragraph", text=str(b["text"]))
                 for b in raw if isinstance(b, dict) and b.get("text"))


def _to_stored(row: Row[Any], topics: Mapping[str, float]) -> StoredArticle:
    return StoredArticle(
        id=row.id, title=row.title, blocks=_blocks_from_json(row.blocks or []), ingested_at=utc(row.ingested_at),
        caption=row.caption, credit_line=row.credit_line, credits=tuple(row.credits or ()),
        caption_date=row.caption_date, url=row.url, published_at=utc_or_none(row.published_at),
        source=row.source, truncated=bool(row.truncated), superseded_by_id=row.superseded_by_id, topics=topics,
        guid=row.guid, language=row.language, guid_scope=row.guid_scope,
    )


def search_words(query: str) -> list[str]:
    """The words of a search: possessives dropped ("Zelenskyy’s" -> "Zelenskyy"), punctuation ignored."""
    return _WORD_RE.findall(_POSSESSIVE_RE.sub("", query))


def fts_match_query(query: str) -> str:
    """An FTS5 MATCH expression that cannot be a syntax error: every word quoted, all words required."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in search_words(query))


class ArticleRepository:
    """Articles and their topic scores, inside one Session (or, for reads, one Core connection: the read
    commands open no ORM session, see ``bot.store.tables``)."""

    def __init__(self, session: Reader) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return dialect_name(self.session)

    def add(self, article: Article, *, topics: Mapping[str, float] | None = None,
            ingested_at: datetime | None = None) -> AddResult:
        """Store ``article`` unless its fingerprint is stored already; safe against a concurrent ingest."""
        when = utc(ingested_at or datetime.now(UTC))
        (result,) = self.add_many([article], ingested_at=when)
        if topics and result.created:
            self.add_topics({result.id: topics}, ingested_at=when)
        return result

    def add_many(self, articles: Sequence[Article], *, ingested_at: datetime | None = None,
                 guid_scope: str | None = None) -> list[AddResult]:
        """Store a batch in two statements (one multi-row insert, one lookup of the ones already stored).

        Results follow ``articles``; an article repeated within the batch is created once, then a duplicate.
        Items with a guid are identified by it first (see :meth:`_guid_keys`), within ``guid_scope`` (the
        polled source they came from; None: unknown, the guid matches any source's).
        """
        if not articles:
            return []
        now = utc(ingested_at or datetime.now(UTC))
        prints, known = self._guid_keys(articles, [fingerprint(a) for a in articles], guid_scope)
        rows: dict[str, dict[str, Any]] = {}
        for k, (print_, article) in enumerate(zip(prints, articles, strict=True)):
            if k not in known:
                rows.setdefault(print_, _row_values(article, print_, now, guid_scope))
        created: dict[str, int] = {}
        if rows:
            from sqlalchemy.dialects import postgresql, sqlite  # the one dialect-specific statement

            upsert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
            # ON CONFLICT DO NOTHING instead of check-then-insert: two processes ingesting the same dump
            # both reach here; the database decides who stores it, nobody gets an IntegrityError.
            stmt = (upsert(article_rows).on_conflict_do_nothing(index_elements=["fingerprint"])
                    .returning(article_rows.c.id, article_rows.c.fingerprint))
            created = {fp: int(i) for i, fp in self._connection().execute(stmt, list(rows.values()))}
        existing = self.ids_for_fingerprints([fp for fp in rows if fp not in created])
        results: list[AddResult] = []
        for k, print_ in enumerate(prints):
            if k in known:
                results.append(known[k])
            elif print_ in created:
                results.append(AddResult(created.pop(print_), created=True))
                existing[print_] = results[-1].id
            else:
                results.append(AddResult(existing[print_], created=False))
        return results

    def _guid_keys(self, articles: Sequence[Article], prints: list[str],
                   scope: str | None) -> tuple[list[str], dict[int, AddResult]]:
        """For items with a guid: the stored copy each duplicates, or the fingerprint to store it under.

        The same guid with the same text is a duplicate. A guid-less copy of the same text (the story came
        in a dump first) is a duplicate too, and learns the guid. Another guid with the same text (a
        shared boilerplate body) is a different story: its fingerprint is salted with its guid. The same
        guid with changed text is a new row; the revision step then supersedes the older version. The
        same guid from another source (two feeds' "1") is another guid (:func:`same_guid_scope`).
        """
        keys: list[str] = list(prints)
        known: dict[int, AddResult] = {}
        guided = [k for k, a in enumerate(articles) if a.guid]
        if not guided:
            return keys, known
        salted = {k: guid_fingerprint(prints[k], articles[k].guid or "", scope) for k in guided}
        wanted = list(dict.fromkeys([prints[k] for k in guided] + list(salted.values())))
        stored: dict[str, list[tuple[int, str | None, str | None]]] = {}
        for start in range(0, len(wanted), 500):  # stay under the databases' bound-parameter limits
            a = article_rows.c
            stmt = select(a.id, a.fingerprint, a.guid, a.guid_scope).where(a.fingerprint.in_(wanted[start:start + 500]))
            for row_id, fp, guid, row_scope in self.session.execute(stmt):
                stored.setdefault(fp, []).append((int(row_id), guid, row_scope))
        claimed: dict[str, str] = {}  # content fingerprint -> the guid that takes it in this batch
        for k in guided:
            guid, content = articles[k].guid, prints[k]
            same = next((i for i, g, s in stored.get(content, []) + stored.get(salted[k], [])
                         if g == guid and same_guid_scope(s, scope)), None)
            if same is not None:
                known[k] = AddResult(same, created=False)
                continue
            bare = next((i for i, g, _ in stored.get(content, []) if g is None), None)
            if bare is not None:
                self.session.execute(update(article_rows).where(article_rows.c.id == bare).values(
                    guid=guid, guid_scope=scope))
                stored[content] = [(bare, guid, scope)]
                known[k] = AddResult(bare, created=False)
                continue
            owner = claimed.setdefault(content, guid or "")
            if stored.get(content) or owner != guid:
                keys[k] = salted[k]
        return keys, known

    def with_guid(self, guid: str, *, scope: str | None = None, exclude: int | None = None) -> list[StoredArticle]:
        """Current (not superseded) articles stored under ``guid`` (in ``scope``, see :func:`same_guid_scope`):
        earlier versions of the same item."""
        stmt = select(article_rows).where(article_rows.c.guid == guid, article_rows.c.superseded_by_id.is_(None))
        if scope is not None:
            stmt = stmt.where(or_(article_rows.c.guid_scope == scope, article_rows.c.guid_scope.is_(None)))
        if exclude is not None:
            stmt = stmt.where(article_rows.c.id != exclude)
        return [_to_stored(r, {}) for r in self.session.execute(stmt.order_by(article_rows.c.id))]

    def ids_for_fingerprints(self, prints: Collection[str]) -> dict[str, int]:
        """Stored ids by fingerprint (fingerprints not stored are left out)."""
        found: dict[str, int] = {}
        wanted = list(dict.fromkeys(prints))
        for start in range(0, len(wanted), 500):  # stay under the databases' bound-parameter limits
            stmt = select(article_rows.c.fingerprint, article_rows.c.id).where(
                article_rows.c.fingerprint.in_(wanted[start:start + 500]))
            found.update((fp, int(i)) for fp, i in self.session.execute(stmt))
        return found

    def add_topics(self, topics: Mapping[int, Mapping[str, float]], *, ingested_at: datetime | None = None) -> None:
        """Topic scores of newly stored articles (all ingested at ``ingested_at``, default now), one insert."""
        when = ingested_at or datetime.now(UTC)
        rows = [{"article_id": i, "topic": t, "score": s, "rank": topic_rank(s, when)}
                for i, scores in topics.items() for t, s in scores.items()]
        if rows:
            self._connection().execute(insert(topic_rows), rows)

    def rerank(self) -> int:
        """Recompute every topic rank from the stored ingest times (after they were rewritten, e.g. by
        ``bench --scale``); returns how many rows. Reads the whole table: a maintenance step, not a request."""
        rows = self.session.execute(select(topic_rows.c.article_id, topic_rows.c.topic, topic_rows.c.score,
                                           article_rows.c.ingested_at)
                                    .join(article_rows, article_rows.c.id == topic_rows.c.article_id)).all()
        params = [{"a": a, "t": t, "rank": topic_rank(s, when)} for a, t, s, when in rows]
        if params:
            self.session.execute(text("UPDATE article_topics SET rank = :rank WHERE article_id = :a AND topic = :t"),
                                 params)
        return len(params)

    def set_topics(self, article_id: int, topics: Mapping[str, float], *, ingested_at: datetime | None = None,
                   replace: bool = True) -> None:
        """Replace an article's topic scores (after topics.toml changed); ``ingested_at`` saves a lookup."""
        if replace:
            self.session.execute(delete(topic_rows).where(topic_rows.c.article_id == article_id))
        if not topics:
            return
        if ingested_at is None:
            ingested_at = self.session.execute(
                select(article_rows.c.ingested_at).where(article_rows.c.id == article_id)).scalar_one()
        self.session.execute(insert(topic_rows), [
            {"article_id": article_id, "topic": t, "score": s, "rank": topic_rank(s, ingested_at)}
            for t, s in topics.items()])

    def get_many(self, ids: Collection[int], *, with_topics: bool = True) -> list[StoredArticle]:
        """Articles by id, in the order given (unknown ids are skipped); ``with_topics=False`` leaves their
        topic scores empty and saves the statement that reads them."""
        return get_articles(self.session, ids, with_topics=with_topics)

    def list_articles(self, *, since: datetime | None = None, topic: str | None = None,
                      ids: Collection[int] | None = None, limit: int | None = None,
                      include_superseded: bool = False) -> list[StoredArticle]:
        """Newest first; with ``topic``, only articles tagged with it, most relevant first."""
        stmt = self._filtered(select(article_rows), since=since, ids=ids, include_superseded=include_superseded)
        if topic is not None:
            stmt = stmt.join(topic_rows, topic_rows.c.article_id == article_rows.c.id).where(
                topic_rows.c.topic == topic).order_by(topic_rows.c.score.desc())
        stmt = stmt.order_by(article_rows.c.ingested_at.desc(), article_rows.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = list(self.session.execute(stmt))
        topics = self.topics_for([r.id for r in rows])
        return [_to_stored(r, topics.get(r.id, {})) for r in rows]

    def count(self, *, since: datetime | None = None, topic: str | None = None,
              include_superseded: bool = False) -> int:
        stmt = self._filtered(select(func.count(article_rows.c.id)), since=since, ids=None,
                              include_superseded=include_superseded)
        if topic is not None:
            stmt = stmt.join(topic_rows, topic_rows.c.article_id == article_rows.c.id).where(
                topic_rows.c.topic == topic)
        return int(self.session.execute(stmt).scalar_one())

    def topic_counts(self, *, since: datetime | None = None) -> dict[str, int]:
        """Current (not superseded) articles per topic.

        The articles are chosen first (by the ``ingested_at`` index when ``since`` is given) and their
        topic rows looked up by key: joining from ``article_topics`` made SQLite scan every topic row of
        the year to count today's (1.8 s at 100k stories).
        """
        current = self._filtered(select(article_rows.c.id), since=since, ids=None, include_superseded=False)
        stmt = (select(topic_rows.c.topic, func.count(topic_rows.c.article_id))
                .where(topic_rows.c.article_id.in_(current)).group_by(topic_rows.c.topic))
        return {topic: int(n) for topic, n in self.session.execute(stmt)}

    def topics_for(self, ids: Collection[int]) -> dict[int, dict[str, float]]:
        """Topic scores per article id, best first."""
        return topic_scores(self.session, ids)

    def search(self, query: str, *, since: datetime | None = None, ids: Collection[int] | None = None,
               limit: int = 20) -> list[StoredArticle]:
        """Full-text search over title and body, best match first; every word of ``query`` must occur.

        The same bounded query as a brief's (:func:`bot.store.candidates.search_candidates`): only the newest
        matches are ranked, so a word in every story costs no more than a rare one.
        """
        # Imported here: candidates builds on this module's query helpers.
        from bot.store.candidates import search_candidates

        found = search_candidates(self.session, query, since=since, ids=ids, limit=limit)
        return self.get_many([c.article_id for c in found])

    def mark_superseded(self, old_id: int, new_id: int) -> None:
        """The newer, longer version ``new_id`` replaces ``old_id`` in listings, briefs and digests."""
        self.mark_superseded_many([(old_id, new_id)])

    def mark_superseded_many(self, pairs: Sequence[tuple[int, int]]) -> None:
        """:meth:`mark_superseded` for (old, new) pairs: one statement run for all of them (an ingest
        batch's revisions), one round trip instead of one per row."""
        rows = [{"old": old, "new": new} for old, new in pairs if old != new]
        if rows:
            self._connection().execute(update(article_rows).where(article_rows.c.id == bindparam("old"))
                                       .values(superseded_by_id=bindparam("new")), rows)

    def _connection(self) -> Connection:
        """Where the batch inserts run: the session's connection, or the connection this was given."""
        return self.session if isinstance(self.session, Connection) else self.session.connection()

    def _bind_time(self, value: datetime) -> datetime:
        # SQLite stores naive UTC text; compare like with like.
        value = utc(value)
        return value.replace(tzinfo=None) if self._dialect == "sqlite" else value

    def _filtered(self, stmt: _SelectT, *, since: datetime | None, ids: Collection[int] | None,
                  include_superseded: bool) -> _SelectT:
        if since is not None:
            stmt = stmt.where(article_rows.c.ingested_at >= self._bind_time(since))
        if ids is not None:
            stmt = stmt.where(article_rows.c.id.in_(list(ids)))
        if not include_superseded:
            stmt = stmt.where(article_rows.c.superseded_by_id.is_(None))
        return stmt


def get_articles(db: Reader, ids: Collection[int], *, with_topics: bool = True) -> list[StoredArticle]:
    """Articles by id, in the order given (unknown ids are skipped), on a connection or a session."""
    if not ids:
        return []
    rows = {r.id: r for r in db.execute(select(article_rows).where(article_rows.c.id.in_(list(ids))))}
    topics = topic_scores(db, rows) if with_topics else {}
    return [_to_stored(rows[i], topics.get(i, {})) for i in ids if i in rows]


def topic_scores(db: Reader, ids: Collection[int]) -> dict[int, dict[str, float]]:
    """Topic scores per article id, best first."""
    out: dict[int, dict[str, float]] = {}
    if not ids:
        return out
    t = topic_rows.c
    stmt = (select(t.article_id, t.topic, t.score).where(t.article_id.in_(list(ids)))
            .order_by(t.article_id, t.score.desc(), t.topic))
    for article_id, topic, score in db.execute(stmt):
        out.setdefault(article_id, {})[topic] = score
    return out

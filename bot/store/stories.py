"""Story tables: what story assignment reads and writes (``bot.ingest.story_assignment`` decides).

Every query here is bounded by what one new report touches: its names' recent postings (capped per
name), the members of the stories it may join (capped by the caller) and their words' statistics.
"""

from __future__ import annotations

import heapq
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from bot.app.timeutil import utc
from bot.store.models import ArticleRow, StoryFeaturesRow, StoryKeyRow, StoryRow, StoryWordRow
from summarizer.events import EventFeatures

DOCS_KEY = ""  # the story_words row that counts the stored leads (no word is empty)
MAX_WORD = 100  # longer tokens (URLs run together, garbage) are not worth a statistics row
_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)  # a new story's times until refresh() reads its members
_TIME = StoryKeyRow.__table__.c.ingested_at.type  # binds a time as the ORM would (naive UTC on SQLite)
_CHUNK = 2000  # ids or words per IN (...) list: well under SQLite's bound-parameter limit
_ARMS = 400  # names per postings statement: SQLite allows 500 arms in one UNION ALL


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _postings_statement(names: int) -> TextClause:
    """The newest postings of ``names`` names (see :meth:`StoryStore.candidates`), one index range each.

    Written as text: the statement's shape changes with the number of names, and building and caching
    an ORM statement of that many subqueries cost more than running it. A text clause parses its bind
    parameters when built, so a store keeps one statement per number of names.
    Each arm reads only ``ix_story_keys_key_time_article`` (migration 0014).
    """
    return text(" UNION ALL ".join(
        f"SELECT key, article_id FROM (SELECT key, article_id FROM story_keys WHERE key = :k{n} AND ingested_at "
        f"BETWEEN :since AND :until ORDER BY ingested_at DESC, article_id DESC LIMIT :per_name) AS p{n}"
        for n in range(names))).bindparams(bindparam("since", type_=_TIME), bindparam("until", type_=_TIME))


class _Writes:
    """The statements story assignment runs per report, built once per store and run with parameters.

    Core statements on the tables, executed many at a time where several rows change: building an
    ORM statement per call (and its cache key) cost more than running it.
    """

    def __init__(self) -> None:
        articles, stories = cast(Table, ArticleRow.__table__), cast(Table, StoryRow.__table__)
        a, s = articles.c, stories.c
        story_of: dict[str, Any] = {"story_id": bindparam("b_story")}
        self.new_story = insert(stories).returning(s.id)
        self.component = update(stories).where(s.id == bindparam("b_id")).values(
            component_id=bindparam("b_component"))
        self.article_story = update(articles).where(a.id == bindparam("b_id")).values(story_of)
        self.delete_story = delete(stories).where(s.id == bindparam("b_id"))
        self.members = (select(a.story_id, a.id, a.ingested_at, a.credits, a.truncated, a.superseded_by_id,
                               func.length(a.body))
                        .where(a.story_id.in_(bindparam("b_ids", expanding=True))).order_by(a.id))
        self.story = update(stories).where(s.id == bindparam("b_id")).values(
            representative_id=bindparam("b_rep"), size=bindparam("b_size"),
            first_seen=bindparam("b_first", type_=s.first_seen.type),
            last_seen=bindparam("b_last", type_=s.last_seen.type),
            credits=bindparam("b_credits", type_=s.credits.type))


class StoryStore:
    """The story tables inside the caller's Session (the ingest transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        self._postings_sql: dict[int, TextClause] = {}  # by number of names: see candidates()
        # Story of each article as this store last read or wrote it: within one transaction nothing
        # else moves articles between stories, so a report's candidates need no statement of their own.
        self._story: dict[int, int | None] = {}
        # Likewise each story's component, and the whole membership of components this store wrote or
        # read: a report joining a story touched earlier in the batch reads neither again.
        self._component: dict[int, int] = {}
        self._members: dict[int, list[tuple[int, int]]] = {}
        self._writes = _Writes()

    def add_features(self, rows: Sequence[tuple[int, datetime, EventFeatures]]) -> Counter[str]:
        """Store each new article's features and name keys, and count its words in the statistics.

        Returns the counts added (documents per word, without the document total).
        """
        if not rows:
            return Counter()
        # Core inserts on the tables: the ORM's bulk insert path cost more than the database's work.
        features, keys_table, words = (cast(Table, r.__table__) for r in (StoryFeaturesRow, StoryKeyRow, StoryWordRow))
        self.session.execute(self._insert(features).on_conflict_do_nothing(), [
            {"article_id": i, "terms": dict(f.terms), "names": sorted(f.names)} for i, _, f in rows])
        keys = [{"key": name, "article_id": i, "ingested_at": utc(when)}
                for i, when, f in rows for name in sorted(f.names) if len(name) <= MAX_WORD]
        if keys:
            self.session.execute(self._insert(keys_table).on_conflict_do_nothing(), keys)
        df: Counter[str] = Counter({DOCS_KEY: len(rows)})
        for _, _, f in rows:
            df.update(w for w in f.terms if len(w) <= MAX_WORD)
        stmt = self._insert(words)
        stmt = stmt.on_conflict_do_update(index_elements=["word"], set_={"df": words.c.df + stmt.excluded.df})
        self.session.execute(stmt, [{"word": w, "df": n} for w, n in sorted(df.items())])
        del df[DOCS_KEY]
        return df

    def word_stats(self, words: Collection[str]) -> tuple[dict[str, int], int]:
        """(document frequency of each known word among ``words``, number of stored leads)."""
        wanted = sorted({w for w in words if len(w) <= MAX_WORD} | {DOCS_KEY})
        df: dict[str, int] = {}
        for chunk in _chunks(wanted):
            stmt = select(StoryWordRow.word, StoryWordRow.df).where(StoryWordRow.word.in_(chunk))
            df.update((str(w), int(n)) for w, n in self.session.execute(stmt))
        return df, df.pop(DOCS_KEY, 0)

    def candidates(self, names: Mapping[int, Collection[str]], *, since: datetime, until: datetime,
                   per_name: int, limit: int) -> dict[int, list[int]]:
        """For each article of ``names`` (id -> its names): the articles ingested in [since, until] sharing the
        most names with it (its only possible same-event reports), most shared first, at most ``limit``.

        Each name contributes at most its ``per_name`` newest postings, so a name in every story
        ("US") costs no more than a rare one. One statement per 400 distinct names of all the articles
        (a batch's reports share their window), counted here: this runs for every new report.
        """
        usable = {i: [n for n in found if len(n) <= MAX_WORD] for i, found in names.items()}
        keys = sorted({n for found in usable.values() for n in found})
        postings: dict[str, list[int]] = {}
        bounds = {"since": utc(since), "until": utc(until), "per_name": per_name}
        for chunk in _chunks(keys, _ARMS):
            if (sql := self._postings_sql.get(len(chunk))) is None:
                sql = self._postings_sql[len(chunk)] = _postings_statement(len(chunk))
            params: dict[str, Any] = {f"k{n}": name for n, name in enumerate(chunk)}
            for key, article_id in self.session.execute(sql, {**params, **bounds}).all():  # tens of thousands of rows
                postings.setdefault(key, []).append(article_id)
        out: dict[int, list[int]] = {}
        for article_id, found in usable.items():
            shared: Counter[int] = Counter()
            for name in found:
                shared.update(postings.get(name, ()))
            shared.pop(article_id, None)
            best = heapq.nlargest(limit, shared.items(), key=itemgetter(1, 0))  # most shared, then newest id
            out[article_id] = [a for a, _ in best]
        return out

    def features(self, ids: Collection[int]) -> dict[int, EventFeatures]:
        out: dict[int, EventFeatures] = {}
        table = StoryFeaturesRow.__table__.c
        intern = sys.intern
        for chunk in _chunks(sorted(ids)):
            # Columns, not ORM objects: this reads thousands of rows per batch.
            for article_id, terms, names in self.session.execute(
                    select(table.article_id, table.terms, table.names).where(table.article_id.in_(chunk))):
                # Interned: the same words recur across thousands of reports read in one pass.
                out[int(article_id)] = EventFeatures({intern(str(k)): int(v) for k, v in terms.items()},
                                                     frozenset(intern(str(n)) for n in names))
        return out

    def story_of(self, ids: Collection[int]) -> dict[int, int | None]:
        """Story id of each article (None: not assigned yet); read once per store, then kept up to date."""
        known = self._story
        missing = sorted(i for i in ids if i not in known)
        for chunk in _chunks(missing):
            stmt = select(ArticleRow.id, ArticleRow.story_id).where(ArticleRow.id.in_(chunk))
            known.update((int(a), s) for a, s in self.session.execute(stmt))
        return {i: known[i] for i in ids if i in known}

    def components_of(self, story_ids: Collection[int]) -> set[int]:
        return set(self.component_map(story_ids).values())

    def component_map(self, story_ids: Collection[int]) -> dict[int, int]:
        """Story id -> its component."""
        known = self._component
        missing = sorted({s for s in story_ids if s not in known})
        for chunk in _chunks(missing):
            known.update((int(s), int(c)) for s, c in self.session.execute(
                select(StoryRow.id, StoryRow.component_id).where(StoryRow.id.in_(chunk))))
        return {s: known[s] for s in story_ids if s in known}

    def recent_reports(self, since: datetime, limit: int) -> list[tuple[int, datetime]]:
        """(id, ingested_at) of the newest assigned articles ingested since ``since``, at most ``limit``."""
        stmt = (select(ArticleRow.id, ArticleRow.ingested_at)
                .where(ArticleRow.ingested_at >= utc(since), ArticleRow.story_id.is_not(None))
                .order_by(ArticleRow.ingested_at.desc(), ArticleRow.id.desc()).limit(limit))
        return [(int(i), utc(when)) for i, when in self.session.execute(stmt)]

    def component_members(self, components: Collection[int], cap: int) -> list[tuple[int, int]]:
        """(article id, story id) of every article in the components, oldest first, at most ``cap``."""
        wanted = sorted(set(components))
        missing = [c for c in wanted if c not in self._members]
        if missing:
            stmt = (select(StoryRow.component_id, ArticleRow.id, ArticleRow.story_id)
                    .join(StoryRow, StoryRow.id == ArticleRow.story_id)
                    .where(StoryRow.component_id.in_(missing)).order_by(ArticleRow.id).limit(cap))
            rows = [(int(c), int(a), int(s or 0)) for c, a, s in self.session.execute(stmt)]  # the join: never NULL
            if len(rows) >= cap:  # not all of them: nothing to keep, and the caller will not re-cluster
                return [(a, s) for _, a, s in rows]
            for c in missing:
                self._members[c] = []
            for c, a, s in rows:
                self._members[c].append((a, s))
                self._component[s] = c
        found = sorted(m for c in wanted for m in self._members[c])
        return found[:cap]

    def new_story(self, article_id: int, component: int | None = None, *, refresh: bool = True,
                  alone: tuple[datetime, Sequence[str]] | None = None) -> int:
        """A story of one article (its own component unless given); returns its id.

        ``alone``: the article's ingest time and credits, for a story that stays a story of this one
        report: its row is written complete, without reading the member back (this runs for most new
        reports, so it is worth two statements).
        """
        when, credits = alone if alone is not None else (_PLACEHOLDER, ())
        writes = self._writes
        story_id = int(self.session.execute(writes.new_story, {
            "component_id": component or 0, "representative_id": article_id, "size": 1, "first_seen": when,
            "last_seen": when, "credits": list(dict.fromkeys(credits))}).scalar_one())
        if not component:
            self.session.execute(writes.component, {"b_id": story_id, "b_component": story_id})
            self._members[story_id] = [(article_id, story_id)]
        self._component[story_id] = component or story_id
        self.session.execute(writes.article_story, {"b_id": article_id, "b_story": story_id})
        self._story[article_id] = story_id
        if refresh and alone is None:
            self.refresh([story_id])
        return story_id

    def regroup(self, component: int, groups: Sequence[Sequence[int]], old: Mapping[int, int | None]) -> None:
        """Make ``groups`` (article ids) the stories of ``component``, reusing the old stories' ids.

        ``old``: story of every article of the components re-clustered (None: new). A group keeps the
        oldest story id among its members' stories that no earlier group took, so story ids (and what
        chat messages point to) stay put when a report merely joins; stories left without members
        are deleted.
        """
        before = {s for s in old.values() if s is not None}
        merged = {self._component.get(s) for s in before}
        taken: set[int] = set()
        assigned: list[int] = []
        for group in groups:
            reusable = sorted({s for a in group if (s := old.get(a)) is not None} - taken)
            story_id = reusable[0] if reusable else self.new_story(group[0], component, refresh=False)
            taken.add(story_id)
            assigned.append(story_id)
            self._move([a for a in group if old.get(a) != story_id], story_id)
        emptied = before - taken
        if emptied:
            self.session.execute(self._writes.delete_story, [{"b_id": s} for s in sorted(emptied)])
        moved = sorted(s for s in taken if self._component.get(s) != component)
        if moved:
            self.session.execute(self._writes.component, [{"b_id": s, "b_component": component} for s in moved])
        # What this store knows of the merged components is now the one component's membership.
        if None in merged:  # a story whose component was never read: forget every membership
            self._members.clear()
        for c in merged:
            if c is not None:
                self._members.pop(c, None)
        for s in emptied:
            self._component.pop(s, None)
        self._component.update((s, component) for s in taken)
        self._members[component] = sorted((a, s) for group, s in zip(groups, assigned, strict=True) for a in group)
        self.refresh(assigned)

    def join(self, article_ids: Sequence[int], story_id: int) -> None:
        """Put articles into an existing story (without re-clustering its component)."""
        self._move(article_ids, story_id)
        self._members.pop(self._component.get(story_id, -1), None)  # read again when needed
        self.refresh([story_id])

    def _move(self, article_ids: Sequence[int], story_id: int) -> None:
        if article_ids:
            self.session.execute(self._writes.article_story, [{"b_id": a, "b_story": story_id} for a in article_ids])
        self._story.update((a, story_id) for a in article_ids)

    def refresh(self, story_ids: Collection[int]) -> None:
        """Recompute size, first/last seen, credits and representative of stories from their members.

        The representative is the fullest current report: not superseded by a revision, not cut
        short, the longest body; ties go to the first one stored.
        """
        if not story_ids:
            return
        members: dict[int, list[Any]] = {}
        for row in self.session.execute(self._writes.members, {"b_ids": sorted(story_ids)}):
            members.setdefault(int(row[0]), []).append(row)
        changes = []
        for story_id, rows in members.items():
            best = min(rows, key=lambda r: (r.superseded_by_id is not None, bool(r.truncated), -int(r[6] or 0), r.id))
            changes.append({
                "b_id": story_id, "b_rep": best.id, "b_size": len(rows),
                "b_first": min(utc(r.ingested_at) for r in rows), "b_last": max(utc(r.ingested_at) for r in rows),
                "b_credits": list(dict.fromkeys(c for r in rows for c in (r.credits or ())))})
        if changes:  # one executemany by primary key
            self.session.execute(self._writes.story, changes)

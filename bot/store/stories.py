"""Story tables: what story assignment reads and writes (``bot.ingest.story_assignment`` decides).

Every query here is bounded by what one new report touches: its names' recent postings (capped per
name), the members of the stories it may join (capped by the caller) and their words' statistics.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from bot.app.timeutil import utc
from bot.store.models import ArticleRow, StoryFeaturesRow, StoryKeyRow, StoryRow, StoryWordRow
from summarizer.events import EventFeatures

DOCS_KEY = ""  # the story_words row that counts the stored leads (no word is empty)
MAX_WORD = 100  # longer tokens (URLs run together, garbage) are not worth a statistics row
_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)  # a new story's times until flush() writes its members'
# Provisional ids of stories created but not yet written are above this (no stored id comes near it).
_STORED_MAX = 1 << 60
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
        self.new_story = insert(stories).returning(s.id, sort_by_parameter_order=True)
        self.article_story = update(articles).where(a.id == bindparam("b_id")).values(story_of)
        self.delete_story = delete(stories).where(s.id == bindparam("b_id"))
        columns = (a.id, a.ingested_at, a.credits, a.truncated, a.superseded_by_id,
                   func.length(a.body).label("body_length"))
        self.members = (select(a.story_id, *columns)
                        .where(a.story_id.in_(bindparam("b_ids", expanding=True))).order_by(a.id))
        self.info = select(*columns).where(a.id.in_(bindparam("b_ids", expanding=True)))
        self.story = update(stories).where(s.id == bindparam("b_id")).values(
            component_id=bindparam("b_component"), representative_id=bindparam("b_rep"), size=bindparam("b_size"),
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
        # What flush() will write (see there): stories created, articles moved, stories deleted, and the
        # members of each story changed since the last flush.
        self._last_new = _STORED_MAX
        self._new: list[int] = []
        self._moved: dict[int, int] = {}
        self._deleted: set[int] = set()
        self._contents: dict[int, list[int]] = {}

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
        found_postings: dict[str, list[int]] = {}
        bounds = {"since": utc(since), "until": utc(until), "per_name": per_name}
        for chunk in _chunks(keys, _ARMS):
            if (sql := self._postings_sql.get(len(chunk))) is None:
                sql = self._postings_sql[len(chunk)] = _postings_statement(len(chunk))
            params: dict[str, Any] = {f"k{n}": name for n, name in enumerate(chunk)}
            for key, article_id in self.session.execute(sql, {**params, **bounds}).all():  # tens of thousands of rows
                found_postings.setdefault(key, []).append(article_id)
        postings = {k: np.array(v, dtype=np.int64) for k, v in found_postings.items()}
        out: dict[int, list[int]] = {}
        for article_id, found in usable.items():
            # Counted in numpy: a report's names bring thousands of postings (a common name its 200).
            arrays = [a for n in found if (a := postings.get(n)) is not None]
            if not arrays:
                out[article_id] = []
                continue
            ids, shared = np.unique(np.concatenate(arrays), return_counts=True)
            order = np.lexsort((ids, shared))[::-1]  # most shared, then newest id
            best = ids[order]
            out[article_id] = best[best != article_id][:limit].tolist()
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

    def new_story(self, article_id: int, component: int | None = None) -> int:
        """A story of one article (its own component unless given); returns its id, provisional until
        :meth:`flush` (larger than every stored id, in order of creation, as the database's will be)."""
        self._last_new += 1
        story_id = self._last_new
        self._new.append(story_id)
        if not component:
            self._members[story_id] = [(article_id, story_id)]
        self._component[story_id] = component or story_id
        self._move([article_id], story_id)
        self._contents[story_id] = [article_id]
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
            story_id = reusable[0] if reusable else self.new_story(group[0], component)
            taken.add(story_id)
            assigned.append(story_id)
            self._move([a for a in group if old.get(a) != story_id], story_id)
            self._contents[story_id] = list(group)
        for story_id in before - taken:
            self._component.pop(story_id, None)
            self._contents.pop(story_id, None)
            if story_id <= _STORED_MAX:
                self._deleted.add(story_id)
        # What this store knows of the merged components is now the one component's membership.
        for c in merged:
            if c is not None:
                self._members.pop(c, None)
        self._component.update((s, component) for s in taken)
        self._members[component] = sorted((a, s) for group, s in zip(groups, assigned, strict=True) for a in group)
        if None in merged:  # a story whose component was never read: forget every membership (read again)
            self.flush()
            self._members.clear()

    def join(self, article_ids: Sequence[int], story_id: int) -> None:
        """Put articles into an existing story (without re-clustering its component: one too large to
        hold, so its membership is read from the database, after writing what is pending)."""
        self._move(article_ids, story_id)
        mapped = self.flush().get(story_id, story_id)
        self._members.pop(self._component.get(mapped, -1), None)  # read again when needed
        self._refresh_stored([mapped])

    def _move(self, article_ids: Sequence[int], story_id: int) -> None:
        self._story.update((a, story_id) for a in article_ids)
        self._moved.update((a, story_id) for a in article_ids)

    def flush(self) -> dict[int, int]:
        """Write what assignment decided since the last flush: new stories, articles' stories, deleted
        stories, and each changed story's size, times, credits, representative and component, a few
        statements in all (one per kind of change, many rows each). Returns provisional id -> stored id.

        Decisions are kept in memory until then because a batch rewrites the same stories many times
        (a report joining, then another), and per-report statements were most of assignment's cost.
        """
        writes, session = self._writes, self.session
        live = [p for p in self._new if p in self._component]  # created and not emptied again since
        mapped: dict[int, int] = {}
        if live:
            rows = session.execute(writes.new_story, [{
                "component_id": 0, "representative_id": None, "size": 0, "first_seen": _PLACEHOLDER,
                "last_seen": _PLACEHOLDER, "credits": []} for _ in live]).all()
            mapped = {p: int(r[0]) for p, r in zip(live, rows, strict=True)}
        self._new.clear()
        if mapped:
            self._remap(mapped)
        if self._moved:
            session.execute(writes.article_story, [{"b_id": a, "b_story": s} for a, s in sorted(self._moved.items())])
            self._moved.clear()
        if self._deleted:
            session.execute(writes.delete_story, [{"b_id": s} for s in sorted(self._deleted)])
            self._deleted.clear()
        if self._contents:
            self._write_stories(self._contents)
            self._contents.clear()
        return mapped

    def _remap(self, mapped: Mapping[int, int]) -> None:
        def f(x: int) -> int:
            return mapped.get(x, x)

        self._story = {a: (None if s is None else f(s)) for a, s in self._story.items()}
        self._moved = {a: f(s) for a, s in self._moved.items()}
        self._component = {f(s): f(c) for s, c in self._component.items()}
        self._members = {f(c): [(a, f(s)) for a, s in m] for c, m in self._members.items()}
        self._contents = {f(s): m for s, m in self._contents.items()}

    def _write_stories(self, contents: Mapping[int, Sequence[int]]) -> None:
        """Each story's row from its members (``contents``: story -> all its article ids)."""
        info = self._member_info({a for m in contents.values() for a in m})
        self.session.execute(self._writes.story, [
            {**_story_values(story_id, [info[a] for a in sorted(members)]), "b_component": self._component[story_id]}
            for story_id, members in sorted(contents.items())])

    def _member_info(self, ids: Collection[int]) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for chunk in _chunks(sorted(ids)):
            out.update((int(row.id), row) for row in self.session.execute(self._writes.info, {"b_ids": list(chunk)}))
        return out

    def _refresh_stored(self, story_ids: Collection[int]) -> None:
        """Recompute stories' rows from their members as stored (nothing pending: see join)."""
        members: dict[int, list[Any]] = {}
        for row in self.session.execute(self._writes.members, {"b_ids": sorted(story_ids)}):
            members.setdefault(int(row.story_id), []).append(row)
        if members:
            self.session.execute(self._writes.story, [
                {**_story_values(story_id, rows), "b_component": self._component_of(story_id)}
                for story_id, rows in members.items()])

    def _component_of(self, story_id: int) -> int:
        return self.component_map([story_id])[story_id]


def _story_values(story_id: int, rows: Sequence[Any]) -> dict[str, Any]:
    """Size, first/last seen, credits and representative of a story from its members' rows (oldest first).

    The representative is the fullest current report: not superseded by a revision, not cut short,
    the longest body; ties go to the first one stored.
    """
    best = min(rows, key=lambda r: (r.superseded_by_id is not None, bool(r.truncated), -int(r.body_length or 0), r.id))
    return {"b_id": story_id, "b_rep": best.id, "b_size": len(rows),
            "b_first": min(utc(r.ingested_at) for r in rows), "b_last": max(utc(r.ingested_at) for r in rows),
            "b_credits": list(dict.fromkeys(c for r in rows for c in (r.credits or ())))}

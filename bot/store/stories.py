"""Story tables: what story assignment reads and writes (``bot.ingest.story_assignment`` decides).

Every query here is bounded by what one new report touches: its names' recent postings (capped per
name), the members of the stories it may join (capped by the caller) and their words' statistics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.app.timeutil import utc
from bot.store.models import ArticleRow, StoryFeaturesRow, StoryKeyRow, StoryRow, StoryWordRow
from summarizer.events import EventFeatures

DOCS_KEY = ""  # the story_words row that counts the stored leads (no word is empty)
MAX_WORD = 100  # longer tokens (URLs run together, garbage) are not worth a statistics row
_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)  # a new story's times until refresh() reads its members
_CHUNK = 2000  # ids or words per IN (...) list: well under SQLite's bound-parameter limit


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class StoryStore:
    """The story tables inside the caller's Session (the ingest transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert

    def add_features(self, rows: Sequence[tuple[int, datetime, EventFeatures]]) -> None:
        """Store each new article's features and name keys, and count its words in the statistics."""
        if not rows:
            return
        self.session.execute(self._insert(StoryFeaturesRow).on_conflict_do_nothing(), [
            {"article_id": i, "terms": dict(f.terms), "names": sorted(f.names)} for i, _, f in rows])
        keys = [{"key": name, "article_id": i, "ingested_at": utc(when)}
                for i, when, f in rows for name in sorted(f.names) if len(name) <= MAX_WORD]
        if keys:
            self.session.execute(self._insert(StoryKeyRow).on_conflict_do_nothing(), keys)
        df: Counter[str] = Counter({DOCS_KEY: len(rows)})
        for _, _, f in rows:
            df.update(w for w in f.terms if len(w) <= MAX_WORD)
        stmt = self._insert(StoryWordRow)
        stmt = stmt.on_conflict_do_update(index_elements=["word"], set_={"df": StoryWordRow.df + stmt.excluded.df})
        self.session.execute(stmt, [{"word": w, "df": n} for w, n in sorted(df.items())])

    def word_stats(self, words: Collection[str]) -> tuple[dict[str, int], int]:
        """(document frequency of each known word among ``words``, number of stored leads)."""
        wanted = sorted({w for w in words if len(w) <= MAX_WORD} | {DOCS_KEY})
        df: dict[str, int] = {}
        for chunk in _chunks(wanted):
            stmt = select(StoryWordRow.word, StoryWordRow.df).where(StoryWordRow.word.in_(chunk))
            df.update((str(w), int(n)) for w, n in self.session.execute(stmt))
        return df, df.pop(DOCS_KEY, 0)

    def candidates(self, names: Collection[str], *, since: datetime, until: datetime, exclude: int,
                   per_name: int, limit: int) -> list[int]:
        """Articles ingested in [since, until] sharing the most names with one (its only possible same-event reports).

        Each name contributes at most its ``per_name`` newest postings, so a name in every story
        ("US") costs no more than a rare one; ``limit`` ids come back, most shared names first.
        """
        usable = sorted(n for n in names if len(n) <= MAX_WORD)
        if not usable:
            return []
        parts = [select(StoryKeyRow.article_id)
                 .where(StoryKeyRow.key == name, StoryKeyRow.ingested_at.between(utc(since), utc(until)))
                 .order_by(StoryKeyRow.ingested_at.desc()).limit(per_name) for name in usable]
        shared = Counter(i for i in self.session.scalars(
            union_all(*[p.subquery().select() for p in parts]) if len(parts) > 1 else parts[0]) if i != exclude)
        return [i for i, _ in sorted(shared.items(), key=lambda kv: (-kv[1], -kv[0]))[:limit]]

    def features(self, ids: Collection[int]) -> dict[int, EventFeatures]:
        out: dict[int, EventFeatures] = {}
        for chunk in _chunks(sorted(ids)):
            for row in self.session.scalars(select(StoryFeaturesRow).where(StoryFeaturesRow.article_id.in_(chunk))):
                out[row.article_id] = EventFeatures({str(k): int(v) for k, v in row.terms.items()},
                                                    frozenset(str(n) for n in row.names))
        return out

    def story_of(self, ids: Collection[int]) -> dict[int, int | None]:
        """Story id of each article (None: not assigned yet)."""
        out: dict[int, int | None] = {}
        for chunk in _chunks(sorted(ids)):
            stmt = select(ArticleRow.id, ArticleRow.story_id).where(ArticleRow.id.in_(chunk))
            out.update((int(a), s) for a, s in self.session.execute(stmt))
        return out

    def components_of(self, story_ids: Collection[int]) -> set[int]:
        return set(self.component_map(story_ids).values())

    def component_map(self, story_ids: Collection[int]) -> dict[int, int]:
        """Story id -> its component."""
        out: dict[int, int] = {}
        for chunk in _chunks(sorted(story_ids)):
            out.update((int(s), int(c)) for s, c in self.session.execute(
                select(StoryRow.id, StoryRow.component_id).where(StoryRow.id.in_(chunk))))
        return out

    def recent_reports(self, since: datetime, limit: int) -> list[tuple[int, datetime]]:
        """(id, ingested_at) of the newest assigned articles ingested since ``since``, at most ``limit``."""
        stmt = (select(ArticleRow.id, ArticleRow.ingested_at)
                .where(ArticleRow.ingested_at >= utc(since), ArticleRow.story_id.is_not(None))
                .order_by(ArticleRow.ingested_at.desc(), ArticleRow.id.desc()).limit(limit))
        return [(int(i), utc(when)) for i, when in self.session.execute(stmt)]

    def component_members(self, components: Collection[int], cap: int) -> list[tuple[int, int]]:
        """(article id, story id) of every article in the components, oldest first, at most ``cap``."""
        stmt = (select(ArticleRow.id, ArticleRow.story_id).join(StoryRow, StoryRow.id == ArticleRow.story_id)
                .where(StoryRow.component_id.in_(sorted(components))).order_by(ArticleRow.id).limit(cap))
        return [(int(a), int(s or 0)) for a, s in self.session.execute(stmt)]  # the join: never NULL

    def new_story(self, article_id: int, component: int | None = None, *, refresh: bool = True) -> int:
        """A story of one article (its own component unless given); returns its id."""
        row = StoryRow(component_id=component or 0, representative_id=article_id, size=1,
                       first_seen=_PLACEHOLDER, last_seen=_PLACEHOLDER, credits=[])
        self.session.add(row)
        self.session.flush()
        self.session.execute(update(StoryRow).where(StoryRow.id == row.id).values(component_id=component or row.id))
        self.session.execute(update(ArticleRow).where(ArticleRow.id == article_id).values(story_id=row.id))
        if refresh:
            self.refresh([row.id])
        return row.id

    def regroup(self, component: int, groups: Sequence[Sequence[int]], old: Mapping[int, int | None]) -> None:
        """Make ``groups`` (article ids) the stories of ``component``, reusing the old stories' ids.

        A group keeps the oldest story id among its members' stories that no earlier group took, so
        story ids (and what chat messages point to) stay put when a report merely joins; stories left
        without members are deleted.
        """
        taken: set[int] = set()
        assigned: list[int] = []
        for group in groups:
            reusable = sorted({s for a in group if (s := old.get(a)) is not None} - taken)
            story_id = reusable[0] if reusable else self.new_story(group[0], component, refresh=False)
            taken.add(story_id)
            assigned.append(story_id)
            moved = [a for a in group if old.get(a) != story_id]
            for chunk in _chunks(moved):
                self.session.execute(update(ArticleRow).where(ArticleRow.id.in_(chunk)).values(story_id=story_id))
        emptied = {s for s in old.values() if s is not None} - taken
        if emptied:
            self.session.execute(delete(StoryRow).where(StoryRow.id.in_(sorted(emptied))))
        self.session.execute(update(StoryRow).where(StoryRow.id.in_(sorted(taken))).values(component_id=component))
        self.refresh(assigned)

    def refresh(self, story_ids: Collection[int]) -> None:
        """Recompute size, first/last seen, credits and representative of stories from their members.

        The representative is the fullest current report: not superseded by a revision, not cut
        short, the longest body; ties go to the first one stored.
        """
        if not story_ids:
            return
        members: dict[int, list[Any]] = {}
        stmt = (select(ArticleRow.story_id, ArticleRow.id, ArticleRow.ingested_at, ArticleRow.credits,
                       ArticleRow.truncated, ArticleRow.superseded_by_id, func.length(ArticleRow.body))
                .where(ArticleRow.story_id.in_(sorted(story_ids))).order_by(ArticleRow.id))
        for row in self.session.execute(stmt):
            members.setdefault(int(row[0]), []).append(row)
        for story_id, rows in members.items():
            best = min(rows, key=lambda r: (r.superseded_by_id is not None, bool(r.truncated), -int(r[6] or 0), r.id))
            self.session.execute(update(StoryRow).where(StoryRow.id == story_id).values(
                representative_id=best.id, size=len(rows),
                first_seen=min(utc(r.ingested_at) for r in rows), last_seen=max(utc(r.ingested_at) for r in rows),
                credits=list(dict.fromkeys(c for r in rows for c in (r.credits or ())))))

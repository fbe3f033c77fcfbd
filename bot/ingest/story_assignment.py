"""Assign newly stored articles to stories (reports of one event), incrementally, at ingest.

Per batch of new articles (:func:`assign_stories`, called in the ingest transaction):

1. each article's event features (lead words, names) are stored, its names indexed with its ingest
   time, and its words counted in the word statistics (the IDF), for the whole batch first;
2. then, article by article, its candidates are the recent articles (within :data:`STORY_WINDOW`)
   sharing the most names with it, found through the name index (bounded: :data:`PER_NAME` newest
   postings per name, :data:`CANDIDATES` best); similarity needs a shared name, so nothing else could
   be the same event;
3. no candidate similar enough: a story of its own. Otherwise the components (stories linked by
   some similar pair) of the similar candidates are merged with it and re-clustered with average
   linkage (``summarizer.stories``); the stories of that component are rewritten.

Re-clustering the whole component is what makes the result independent of arrival order: average
linkage never merges across components, so clustering each component again equals clustering all
reports at once, given the same word statistics. A component larger than :data:`MAX_COMPONENT`
(a very long-running event) is not re-clustered: the article joins its most similar candidate's story.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.timeutil import utc
from bot.store.models import ArticleRow
from bot.store.stories import StoryStore
from summarizer.events import (
    DEFAULT_EVENT_THRESHOLD,
    EventFeatures,
    event_features,
    group_features,
    idf_weights,
    similarity_to,
    unit_vector,
)
from summarizer.models import Article, Document

log = logging.getLogger(__name__)

STORY_WINDOW = timedelta(days=3)  # a report joins stories with a report ingested at most this long before
PER_NAME = 200  # newest postings read per name of a new report
CANDIDATES = 50  # recent reports compared with a new one (those sharing the most names)
MAX_COMPONENT = 300  # reports re-clustered together at most
SETTLE_WINDOW = timedelta(hours=1)  # each ingest run settles the stories of the reports of the last hour
SETTLE_MAX = 2000  # ... at most this many (the newest)
# Reports' features (and TF-IDF vectors) one pass keeps in memory at most. A batch of 500 reports with
# 50 candidates each, or a settle of 2,000, can touch tens of thousands of reports in a busy window;
# beyond this the ones not needed right now are dropped (they are in story_features, read again when
# needed), so a long dump is ingested in the same memory however many stories its window holds.
CACHE_MAX = 4000


@dataclass(frozen=True, slots=True)
class NewReport:
    """A newly stored article, as story assignment needs it."""

    id: int
    title: str
    paragraphs: tuple[str, ...]
    ingested_at: datetime
    credits: tuple[str, ...] = ()

    @classmethod
    def of(cls, article_id: int, article: Article, ingested_at: datetime) -> NewReport:
        return cls(article_id, article.title, article.paragraphs, ingested_at, tuple(article.credits))

    def features(self) -> EventFeatures:
        return event_features(Document(id=str(self.id), paragraphs=self.paragraphs, title=self.title))


class _Assigner:
    """One assignment or settling pass: the store, the features and word statistics read so far.

    The word statistics do not change during a pass (a batch counts its words before assigning), so
    they are read once per word, and each report's TF-IDF vector is computed once per pass.
    """

    def __init__(self, store: StoryStore, threshold: float) -> None:
        self.store, self.threshold = store, threshold
        self.known: dict[int, EventFeatures] = {}
        self._vectors: dict[int, dict[str, float]] = {}
        self._counted: set[int] = set()  # ids of the features whose words' statistics are read
        self._df: dict[str, int] = {}
        self._n_docs: int | None = None

    def load(self, ids: Collection[int]) -> None:
        """Have the features of ``ids`` in memory (other reports' may be dropped: see CACHE_MAX)."""
        missing = [i for i in ids if i not in self.known]
        if not missing:
            return
        excess = len(self.known) + len(missing) - CACHE_MAX // 2
        if len(self.known) + len(missing) > CACHE_MAX:  # drop the longest-held half (not ``ids``): no thrashing
            keep = set(ids)
            for i in [i for i in self.known if i not in keep][:excess]:
                del self.known[i]
                self._vectors.pop(i, None)
        self.known.update(self.store.features(missing))

    def idf(self, ids: Collection[int]) -> Callable[[str], float]:
        """IDF from the stored word statistics (which already count this batch), covering ``ids``' words."""
        fresh = [i for i in ids if i not in self._counted]
        words = {w for i in fresh for w in self.known[i].terms if w not in self._df}
        self._counted.update(fresh)
        if words or self._n_docs is None:
            df, self._n_docs = self.store.word_stats(words)
            self._df.update(df)
            self._df.update((w, 0) for w in words if w not in df)
        return idf_weights(self._df, self._n_docs)

    def vector(self, article_id: int, idf: Callable[[str], float]) -> dict[str, float]:
        if (found := self._vectors.get(article_id)) is None:
            found = self._vectors[article_id] = unit_vector(self.known[article_id], idf)
        return found

    def linked(self, article_id: int, ingested_at: datetime) -> list[tuple[float, int, int]]:
        """(similarity, candidate id, its story) of the assigned recent reports similar enough, best first."""
        self.load([article_id])
        mine = self.known[article_id]
        found = self.store.candidates(mine.names, since=ingested_at - STORY_WINDOW, until=ingested_at + STORY_WINDOW,
                                      exclude=article_id, per_name=PER_NAME, limit=CANDIDATES)
        stories = {a: s for a, s in found if s is not None}  # later in a batch: not assigned yet
        if not stories:
            return []
        ids = sorted(stories)
        self.load([article_id, *ids])
        idf = self.idf([article_id, *ids])
        mine_vector = self.vector(article_id, idf)
        scored = ((similarity_to(mine, mine_vector, self.known[i], self.vector(i, idf)), i) for i in ids)
        return sorted(((s, i, stories[i]) for s, i in scored if s > self.threshold), reverse=True)

    def recluster(self, components: Collection[int], extra: Sequence[int] = (),
                  fallback: int | None = None) -> None:
        """Cluster the members of ``components`` (plus ``extra`` unassigned articles) again and store it."""
        members = self.store.component_members(components, MAX_COMPONENT)
        if len(members) >= MAX_COMPONENT:
            log.info("story component of %d+ reports not re-clustered", MAX_COMPONENT)
            if fallback is not None:
                self.store.regroup(min(components), [list(extra)], {a: fallback for a in extra})
            return
        old: dict[int, int | None] = dict(members)
        old.update((a, None) for a in extra)
        ids = sorted(old)
        self.load(ids)
        features = [self.known[i] for i in ids]
        groups = group_features(features, self.idf(ids), threshold=self.threshold)
        self.store.regroup(min(components), [[ids[k] for k in g] for g in groups], old)


def assign_stories(session: Session, reports: Sequence[NewReport], *,
                   threshold: float = DEFAULT_EVENT_THRESHOLD) -> dict[int, int]:
    """Give each new report a story (see the module docstring); returns article id -> story id."""
    if not reports:
        return {}
    store = StoryStore(session)
    ordered = sorted(reports, key=lambda r: r.id)
    run = _Assigner(store, threshold)
    run.known.update((r.id, r.features()) for r in ordered)
    store.add_features([(r.id, r.ingested_at, run.known[r.id]) for r in ordered])
    for report in ordered:
        similar = run.linked(report.id, report.ingested_at)
        if not similar:
            store.new_story(report.id, alone=(report.ingested_at, report.credits))
        else:
            run.recluster(store.components_of({s for _, _, s in similar}), [report.id], fallback=similar[0][2])
    return {k: v for k, v in store.story_of([r.id for r in ordered]).items() if v is not None}


def settle_stories(session: Session, *, since: datetime, limit: int = SETTLE_MAX,
                   threshold: float = DEFAULT_EVENT_THRESHOLD) -> int:
    """Re-decide the stories of the reports ingested since ``since`` (at most ``limit``, newest) with today's
    word statistics; returns how many reports were looked at.

    A report is assigned with the word statistics of the moment it arrives, and they move as more
    news comes in (in a young store, a lot). Settling links every recent report again to its similar
    candidates and re-clusters the merged components, all with one set of statistics: afterwards those
    reports are grouped exactly as clustering them all at once would, whatever order they came in.
    """
    store = StoryStore(session)
    recent = store.recent_reports(since, limit)
    if not recent:
        return 0
    run = _Assigner(store, threshold)
    run.load([i for i, _ in recent])
    own = {a: s for a, s in store.story_of([i for i, _ in recent]).items() if s is not None}
    links = [(own[a], [s for _, _, s in run.linked(a, when)]) for a, when in recent if a in own and a in run.known]
    component = store.component_map({s for mine, linked in links for s in (mine, *linked)})
    parent: dict[int, int] = {}

    def root(c: int) -> int:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for mine, linked in links:
        for story in linked:
            parent[root(component[story])] = root(component[mine])
        root(component[mine])
    merged: dict[int, set[int]] = {}
    for c in list(parent):
        merged.setdefault(root(c), set()).add(c)
    for components in merged.values():
        run.recluster(components)
    return len(recent)


def _paragraphs(blocks: Sequence[object] | None) -> tuple[str, ...]:
    """The paragraph texts of stored ``blocks`` JSON (subheadings are structure, as in ``Article``)."""
    return tuple(str(b["text"]) for b in blocks or () if isinstance(b, dict) and b.get("kind") != "subheading"
                 and b.get("text"))


def backfill(session: Session, *, batch: int = 500) -> int:
    """Assign stories to stored articles that have none (after migration 0010), oldest first; returns how many.

    Runs in batches of ``batch`` articles; the caller commits (the CLI commits after each batch).
    """
    rows = session.execute(select(ArticleRow.id, ArticleRow.title, ArticleRow.blocks, ArticleRow.ingested_at,
                                  ArticleRow.credits)
                           .where(ArticleRow.story_id.is_(None)).order_by(ArticleRow.id).limit(batch)).all()
    reports = [NewReport(int(i), title, _paragraphs(blocks), utc(when), tuple(credits or ()))
               for i, title, blocks, when, credits in rows]
    assign_stories(session, reports)
    return len(reports)

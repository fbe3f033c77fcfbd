"""Assign newly stored articles to stories (reports of one event), incrementally, at ingest.

Per batch of new articles (:func:`assign_stories`, called in the ingest transaction):

1. each article's event features (lead words, names) are stored, its names indexed with its ingest
   time, and its words counted in the word statistics (the IDF), for the whole batch first;
2. each article's candidates are the recent articles (within :data:`STORY_WINDOW`) sharing the most
   names with it, found through the name index (bounded: :data:`PER_NAME` newest postings per name,
   :data:`CANDIDATES` best); similarity needs a shared name, so nothing else could be the same event.
   They depend on the index alone, so the whole batch's are found at once (a statement per 400
   names);
3. then, article by article, the candidates already in a story are compared with it. None similar
   enough: a story of its own. Otherwise the components (stories linked by
   some similar pair) of the similar candidates are merged with it and re-clustered with average
   linkage (``summarizer.stories``); the stories of that component are rewritten.

Re-clustering the whole component is what makes the result independent of arrival order: average
linkage never merges across components, so clustering each component again equals clustering all
reports at once, given the same word statistics. A component larger than :data:`MAX_COMPONENT`
(a very long-running event) is not re-clustered: the article joins its most similar candidate's story.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.timeutil import utc
from bot.ingest.story_cache import StoryCache
from bot.ingest.story_vectors import PassVectors
from bot.store.models import ArticleRow
from bot.store.stories import StoryStore
from summarizer.events import (
    DEFAULT_EVENT_THRESHOLD,
    EventFeatures,
    event_features,
    group_features,
    idf_weights,
)
from summarizer.models import Article, Document

log = logging.getLogger(__name__)

STORY_WINDOW = timedelta(days=3)  # a report joins stories with a report ingested at most this long before
PER_NAME = 200  # newest postings read per name of a new report
CANDIDATES = 50  # recent reports compared with a new one (those sharing the most names)
MAX_COMPONENT = 300  # reports re-clustered together at most
SETTLE_WINDOW = timedelta(hours=1)  # each ingest run settles the stories of the reports of the last hour
SETTLE_MAX = 2000  # ... at most this many (the newest)


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
        found = event_features(Document(id=str(self.id), paragraphs=self.paragraphs, title=self.title))
        # Interned, as StoryStore.features interns what it reads: the run's cache holds thousands of
        # reports' features, and they share most words (same order, so the same vectors and sums).
        return EventFeatures({sys.intern(w): n for w, n in found.terms.items()},
                             frozenset(map(sys.intern, found.names)))


class _Assigner:
    """One assignment or settling pass: the store, the run's cache, the word statistics of this pass.

    The word statistics do not change during a pass (a batch counts its words before assigning), so
    each word's IDF is computed once per pass (:class:`PassVectors`). Features, their word arrays and
    word counts outlive the pass in ``cache`` (see :mod:`bot.ingest.story_cache`).
    """

    def __init__(self, store: StoryStore, threshold: float, cache: StoryCache | None = None) -> None:
        self.store, self.threshold = store, threshold
        self.cache = cache if cache is not None else StoryCache()
        self.known = self.cache.features
        self._counted: set[int] = set()  # ids of the features whose words' statistics are read
        self._candidates: dict[int, list[int]] = {}  # see prepare()
        if self.cache.n_docs is None:
            self.cache.stored(Counter(), 0, store.word_stats(())[1])
        # Reads the cache's counts when called: stats() below fills them in before any word is weighed.
        self._formula = idf_weights(self.cache.df, self.cache.n_docs or 0)
        self.vectors = PassVectors(self.cache, self._formula)

    def load(self, ids: Collection[int]) -> None:
        """Have the features of ``ids`` in memory (other reports' may be dropped: see CACHE_MAX)."""
        missing = self.cache.touch(ids)
        found = self.store.features(missing) if missing else {}
        self.cache.add(found, keep=ids)

    def stats(self, ids: Collection[int]) -> list[int]:
        """Have the stored word statistics of ``ids``' words in memory; returns the ids not seen before."""
        fresh = [i for i in ids if i not in self._counted]
        df = self.cache.df
        words = {w for i in fresh for w in self.known[i].terms if w not in df}
        self._counted.update(fresh)
        if words:
            found, _ = self.store.word_stats(words)
            df.update(found)
            df.update((w, 0) for w in words if w not in found)
        return fresh

    def prepare(self, reports: Sequence[tuple[int, datetime]]) -> set[int]:
        """Find the candidates of ``reports`` (id, ingest time), a few statements for all of them; returns
        the ids among them that have stored features (the others, stored before stories were, have none).

        Candidates depend on the name index only, which a batch fills before it assigns anything, so
        they are found up front; which story each belongs to is looked up when the report is linked.
        """
        by_time: dict[datetime, list[int]] = {}
        for article_id, when in reports:
            by_time.setdefault(when, []).append(article_id)
        featured: set[int] = set()
        for when, listed in by_time.items():
            self.load(listed)
            ids = [i for i in listed if i in self.known]
            featured.update(ids)
            self.stats(ids)  # their words' statistics in a few statements, not one per report
            self._candidates.update(self.store.candidates(
                {i: self.known[i].names for i in ids}, since=when - STORY_WINDOW, until=when + STORY_WINDOW,
                per_name=PER_NAME, limit=CANDIDATES))
        self.store.story_of({c for found in self._candidates.values() for c in found})
        return featured

    def linked(self, article_id: int) -> list[tuple[float, int, int]]:
        """(similarity, candidate id, its story) of the assigned recent reports similar enough, best first."""
        found = self.store.story_of(self._candidates.get(article_id, ()))
        stories = {a: s for a, s in found.items() if s is not None}  # later in a batch: not assigned yet
        if not stories:
            return []
        ids = sorted(stories)
        self.load([article_id, *ids])
        self.stats([article_id, *ids])
        known = self.known
        mine = known[article_id]
        scores = self.vectors.similarities(article_id, mine, [(i, known[i]) for i in ids])
        close = np.flatnonzero(scores > self.threshold).tolist()
        # The name veto of similarity_to: candidates come from the name index, so it rarely applies.
        return sorted(((float(scores[k]), ids[k], stories[ids[k]]) for k in close
                       if not ((mine.names or known[ids[k]].names) and mine.names.isdisjoint(known[ids[k]].names))),
                      reverse=True)

    def recluster(self, components: Collection[int], extra: Sequence[int] = (),
                  fallback: int | None = None) -> None:
        """Cluster the members of ``components`` (plus ``extra`` unassigned articles) again and store it."""
        members = self.store.component_members(components, MAX_COMPONENT)
        if len(members) >= MAX_COMPONENT:
            log.info("story component of %d+ reports not re-clustered", MAX_COMPONENT)
            if fallback is not None:
                self.store.join(list(extra), fallback)
            return
        old: dict[int, int | None] = dict(members)
        old.update((a, None) for a in extra)
        ids = sorted(old)
        self.load(ids)
        features = [self.known[i] for i in ids]
        self.stats(ids)
        rows = self.vectors.unit_rows(list(zip(ids, features, strict=True))) if len(ids) > 1 else None
        groups = group_features(features, threshold=self.threshold, rows=rows)
        self.store.regroup(min(components), [[ids[k] for k in g] for g in groups], old)


def assign_stories(session: Session, reports: Sequence[NewReport], *,
                   threshold: float = DEFAULT_EVENT_THRESHOLD, cache: StoryCache | None = None) -> dict[int, int]:
    """Give each new report a story (see the module docstring); returns article id -> story id.

    ``cache``: what the run's earlier batches read (features, word statistics); reset it if this
    transaction rolls back.
    """
    if not reports:
        return {}
    store = StoryStore(session)
    cache = cache if cache is not None else StoryCache()
    ordered = sorted(reports, key=lambda r: r.id)
    mine = {r.id: r.features() for r in ordered}
    counts = store.add_features([(r.id, r.ingested_at, mine[r.id]) for r in ordered])
    cache.stored(counts, len(ordered), store.word_stats(())[1])
    cache.touch(mine)
    cache.add(mine)
    run = _Assigner(store, threshold, cache)
    run.prepare([(r.id, r.ingested_at) for r in ordered])
    for report in ordered:
        similar = run.linked(report.id)
        if not similar:
            store.new_story(report.id)
        else:
            run.recluster(store.components_of({s for _, _, s in similar}), [report.id], fallback=similar[0][2])
    store.flush()
    return {k: v for k, v in store.story_of([r.id for r in ordered]).items() if v is not None}


def settle_stories(session: Session, *, since: datetime, limit: int = SETTLE_MAX,
                   threshold: float = DEFAULT_EVENT_THRESHOLD, cache: StoryCache | None = None) -> int:
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
    cache = cache if cache is not None else StoryCache()
    cache.stored(Counter(), 0, store.word_stats(())[1])  # drops the counts if others stored reports since
    run = _Assigner(store, threshold, cache)
    own = {a: s for a, s in store.story_of([i for i, _ in recent]).items() if s is not None}
    featured = run.prepare([(a, when) for a, when in recent if a in own])
    links = [(own[a], [s for _, _, s in run.linked(a)]) for a, _ in recent if a in featured]
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
    store.flush()
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

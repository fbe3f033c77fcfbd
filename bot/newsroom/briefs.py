"""Topic briefs: a 2-4 sentence lead drawn from the topic's stories, then one line per story.

A query that is a configured topic (name, label or alias) reads the stored topic ranks; anything else
falls back to full-text search; when that finds nothing too, the brief is empty and suggests topics.
Every lead sentence keeps the id of the article it came from.

Bounded whatever the archive holds: a brief reads at most ``BRIEF_CANDIDATES`` candidate articles,
ranked in SQL (``bot.store.candidates``), groups them by their stored story (stories are assigned at
ingest; nothing is clustered here), then loads the few stories it shows. An all-time brief is the
most relevant *recent* stories: the rank decays relevance with age.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar, cast

from bot.app.metrics import timed_brief
from bot.chat.results import Brief, BriefSentence, StoryLine
from bot.store.articles import StoredArticle, get_articles
from bot.store.candidates import (
    BRIEF_CANDIDATES,
    Candidate,
    StoryInfo,
    count_stories,
    search_candidates,
    stories,
    topic_candidates,
)
from summarizer.models import Document, Sentence
from summarizer.rank import blurb, summarize
from summarizer.update import Known, reader_knows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.app.bootstrap import App
    from bot.store.tables import Reader

LEAD_MIN, LEAD_MAX = 2, 4
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Story:
    """One story line to show: the report that speaks for it and what the line says about the others."""

    head: StoredArticle
    credits: tuple[str, ...]
    url: str | None
    merged_ids: tuple[int, ...]


def _ranked_stories(candidates: Sequence[Candidate]) -> list[tuple[int | None, list[int]]]:
    """Candidates grouped by story, in the order of each story's best candidate (article ids best first)."""
    groups: dict[int, tuple[int | None, list[int]]] = {}
    for c in candidates:
        key = c.story_id if c.story_id is not None else -c.article_id
        groups.setdefault(key, (c.story_id, []))[1].append(c.article_id)
    return list(groups.values())


def _load(db: Reader, shown: Sequence[tuple[int | None, list[int]]], *, since: datetime | None,
          ids: Collection[int] | None, topic: str | None) -> list[_Story]:
    """The shown stories: the representative report leads when it qualifies, else the best candidate.

    A topic brief merges the story's reports on that topic; a search, the story's reports it found.
    """
    if topic is None:  # a search: the hits themselves
        hits = {a for _, ranked in shown for a in ranked}
        ids = hits if ids is None else hits & set(ids)
    info = stories(db, [s for s, _ in shown if s is not None], since=since, ids=ids, topic=topic)
    return _assemble(shown, info, lambda story: story.members,
                     lambda heads: {a.id: a for a in get_articles(db, heads)})


_Member = tuple[int, str | None]  # (article id, url)


def _assemble(shown: Sequence[tuple[int | None, list[int]]], info: dict[int, StoryInfo],
              members: Callable[[StoryInfo], tuple[_Member, ...]],
              load_heads: Callable[[list[int]], dict[int, StoredArticle]]) -> list[_Story]:
    """The shown stories from their info: each led by its representative report when that is among the
    story's ``members`` (those the brief may show), else by its best candidate."""
    picks: list[tuple[int, StoryInfo | None, tuple[_Member, ...]]] = []
    for story_id, ranked in shown:
        story = info.get(story_id) if story_id is not None else None
        kept = members(story) if story else ()
        rep = story.representative_id if story else None
        picks.append((rep if rep is not None and any(a == rep for a, _ in kept) else ranked[0], story, kept))
    heads = load_heads([h for h, _, _ in picks])
    out: list[_Story] = []
    for head_id, story, kept in picks:
        head = heads[head_id]
        if story is None:
            out.append(_Story(head, head.credits, head.url, ()))
            continue
        others = tuple(a for a, _ in kept if a != head_id)
        url = head.url or next((u for _, u in kept if u), None)
        out.append(_Story(head, tuple(dict.fromkeys((*head.credits, *story.credits))), url, others))
    return out


class Summaries:
    """The summarizer calls a brief makes, given what the reader was already told (``previous``).

    Plain: every call runs the summarizer. A digest pass uses :class:`SharedSummaries`, which computes
    each distinct call once for all the channels whose briefs make it.
    """

    def known(self, previous: tuple[str, ...]) -> Known | None:
        return reader_knows(previous) if previous else None

    def lead(self, docs: Sequence[Document], size: int, algorithm: str, focus: str | None,
             previous: tuple[str, ...]) -> list[Sentence]:
        """The top story's best sentences first (about half the lead), then the best of the other stories.

        Summarizing all stories at once lets a long second story crowd out the first one's key facts
        (the Ukraine brief lost the CSIS figures to the sanctions story); the top story is why the brief exists.
        """
        if not docs:
            return []
        known = self.known(previous)
        told = known if known is not None else ()
        top_share = size if len(docs) == 1 else (size + 1) // 2
        others = summarize(docs[1:], max_sentences=size - top_share, algorithm=algorithm,
                           query=focus, previous=told).sentences if top_share < size else ()
        top = summarize(docs[:1], max_sentences=size - len(others), algorithm=algorithm, query=focus,
                        previous=told).sentences
        return [*top, *others]

    def blurb(self, doc: Document, previous: tuple[str, ...]) -> Sentence | None:
        """What is new to the reader in the story, when it has anything new; else its best sentence all
        the same (a story line needs a line, and the story itself was never sent)."""
        known = self.known(previous)
        return (blurb(doc, previous=known) if known is not None else None) or blurb(doc)

    def best(self, doc: Document, count: int) -> tuple[Sentence, ...]:
        return summarize([doc], max_sentences=count).sentences


class SharedSummaries(Summaries):
    """:class:`Summaries` computed once per distinct input: the documents (by id: an article id's text is
    fixed), the budget, the query and what the reader was told. Channels that follow a topic and got
    the same digests before share every call; thread-safe (the worst race computes a call twice)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, ...], Known | None] = {}
        self._calls: dict[tuple[object, ...], object] = {}
        self._lock = threading.Lock()
        self.computed = 0  # distinct summarizer calls made (for tests and the benchmark)

    def _memo(self, key: tuple[object, ...], compute: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._calls:
                return cast(_T, self._calls[key])
        value = compute()
        with self._lock:
            self.computed += 1
            self._calls.setdefault(key, value)
        return value

    def known(self, previous: tuple[str, ...]) -> Known | None:
        if not previous:
            return None
        with self._lock:
            if previous in self._known:
                return self._known[previous]
        known = reader_knows(previous)
        with self._lock:
            return self._known.setdefault(previous, known)

    def lead(self, docs: Sequence[Document], size: int, algorithm: str, focus: str | None,
             previous: tuple[str, ...]) -> list[Sentence]:
        key = ("lead", tuple(d.id for d in docs), size, algorithm, focus, previous)
        return self._memo(key, lambda: super(SharedSummaries, self).lead(docs, size, algorithm, focus, previous))

    def blurb(self, doc: Document, previous: tuple[str, ...]) -> Sentence | None:
        return self._memo(("blurb", doc.id, previous), lambda: super(SharedSummaries, self).blurb(doc, previous))

    def best(self, doc: Document, count: int) -> tuple[Sentence, ...]:
        return self._memo(("best", doc.id, count), lambda: super(SharedSummaries, self).best(doc, count))


def _story_line(story: _Story, lead_texts: set[str], summaries: Summaries, previous: tuple[str, ...]) -> StoryLine:
    doc = story.head.document()
    picked = summaries.blurb(doc, previous)
    if picked is not None and picked.text in lead_texts:
        # The lead already says it: take the story's next best sentence rather than repeat it.
        ranked = summaries.best(doc, len(lead_texts) + 2)
        alternatives = [s for s in ranked if s.text not in lead_texts]
        picked = alternatives[0] if alternatives else picked
    return StoryLine(article_id=story.head.id, headline=story.head.title, blurb=picked.text if picked else "",
                     credits=story.credits, url=story.url, merged_ids=story.merged_ids)


def compose_brief(query: str, label: str, matched_by: Literal["topic", "fulltext"], shown: Sequence[_Story],
                  *, more: int, focus: str | None, lead_sentences: int = 3, algorithm: str = "default",
                  previous: Sequence[str] = (), summaries: Summaries | None = None) -> Brief:
    """Build a brief from the stories to show (best first): the lead, then one line per story.

    ``previous``: what the reader was already sent (a channel's recent stories on the topic): the lead
    and the story lines favour what is new to them and never repeat a sentence of it.
    """
    summaries = summaries or Summaries()
    told = tuple(previous)
    docs = [s.head.document() for s in shown]
    size = min(max(lead_sentences, LEAD_MIN), LEAD_MAX)
    lead = tuple(BriefSentence(s.text, int(s.doc_id)) for s in summaries.lead(docs, size, algorithm, focus, told))
    lead_texts = {s.text for s in lead}
    return Brief(query=query, label=label, matched_by=matched_by, lead=lead,
                 stories=tuple(_story_line(s, lead_texts, summaries, told) for s in shown), more=more)


@timed_brief
def build_brief(app: App, query: str, *, since: datetime | None = None,
                article_ids: Collection[int] | None = None, limit: int = 5, previous: Sequence[str] = ()) -> Brief:
    """The brief for a topic or free text, over stories ingested since ``since`` (and among ``article_ids``).

    ``previous``: texts the reader already has (see :func:`compose_brief`).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = " ".join(query.split())
    topic = app.topics.resolve(text)
    # A plain connection, not an ORM session: a brief reads with Core (bot.store.tables), and a short
    # command then never imports the ORM.
    with app.engine.connect() as db:
        if topic is not None:
            found = topic_candidates(db, topic.name, since=since, ids=article_ids)
        else:
            found = search_candidates(db, text, since=since, ids=article_ids)
        ranked = _ranked_stories(found)
        shown = _load(db, ranked[:limit], since=since, ids=article_ids,
                      topic=topic.name if topic is not None else None)
        total = len(ranked)
        if topic is not None and article_ids is not None and len(found) >= BRIEF_CANDIDATES:
            total = count_stories(db, topic.name, article_ids)  # a digest: the exact "and N more"
    options = app.settings.summarizer
    more = max(total - len(shown), 0)
    if topic is not None:
        return compose_brief(topic.name, topic.label, "topic", shown, more=more, focus=topic.query,
                             lead_sentences=options.brief_sentences, algorithm=options.algorithm, previous=previous)
    label = f"“{text}”"
    if not shown:
        return Brief(query=text, label=label, matched_by="none", suggestions=tuple(app.topics.suggest(text)))
    return compose_brief(text, label, "fulltext", shown, more=more, focus=text,
                         lead_sentences=options.brief_sentences, algorithm=options.algorithm, previous=previous)


# -- a digest pass: each topic's window ranked once, every channel's brief cut from it -------------------


@dataclass(frozen=True, slots=True)
class TopicWindow:
    """A topic's current articles in one digest window, in the order :func:`topic_candidates` ranks them.

    Every channel that follows the topic and has this window takes its candidates from here: its own
    (not yet delivered) articles, in this order, the first K of them, exactly what the per-channel
    query returned.
    """

    topic: str
    ranked: tuple[Candidate, ...]
    key: tuple[object, ...]  # what identifies the window (topic, floor, end): the key of shared story info

    def story_count(self, ids: Collection[int]) -> int:
        """How many stories the articles among ``ids`` make (the digest's exact "and N more")."""
        return len({c.story_id if c.story_id is not None else -c.article_id
                    for c in self.ranked if c.article_id in ids})


class BriefPool:
    """What a digest pass's briefs share across channels: the stories' members and representative, the
    head articles, and the summarizer calls (:class:`SharedSummaries`). Thread-safe."""

    def __init__(self) -> None:
        self.summaries = SharedSummaries()
        self._stories: dict[tuple[object, ...], StoryInfo] = {}
        self._heads: dict[int, StoredArticle] = {}
        self._briefs: dict[tuple[object, ...], Brief] = {}
        self._lock = threading.Lock()
        self.story_reads = 0  # queries for story info and heads (for tests and the benchmark)

    def brief(self, key: tuple[object, ...], compute: Callable[[], Brief]) -> Brief:
        """The brief for ``key`` (window, the channel's articles on it, limit, what it was told), made once."""
        with self._lock:
            if key in self._briefs:
                return self._briefs[key]
        brief = compute()
        with self._lock:
            return self._briefs.setdefault(key, brief)

    def story_info(self, session: Session, window: TopicWindow, story_ids: Sequence[int]) -> dict[int, StoryInfo]:
        """Stories of the window with their members on the topic among the window's articles (each channel
        then keeps the members it is being sent)."""
        with self._lock:
            missing = [s for s in story_ids if (window.key, s) not in self._stories]
        if missing:
            loaded = stories(session, missing, since=None, ids={c.article_id for c in window.ranked},
                             topic=window.topic)
            with self._lock:
                self.story_reads += 1
                for s, info in loaded.items():
                    self._stories[(window.key, s)] = info
        with self._lock:
            return {s: self._stories[(window.key, s)] for s in story_ids if (window.key, s) in self._stories}

    def heads(self, session: Session, ids: Sequence[int]) -> dict[int, StoredArticle]:
        with self._lock:
            missing = [i for i in ids if i not in self._heads]
        if missing:
            loaded = get_articles(session, missing)
            with self._lock:
                self.story_reads += 1
                self._heads.update((a.id, a) for a in loaded)
        with self._lock:
            return {i: self._heads[i] for i in ids if i in self._heads}


def _load_pooled(session: Session, pool: BriefPool, window: TopicWindow, shown: Sequence[tuple[int | None, list[int]]],
                 ids: Collection[int]) -> list[_Story]:
    """:func:`_load` for a digest brief, from the pass's shared story info and heads."""
    info = pool.story_info(session, window, [s for s, _ in shown if s is not None])
    return _assemble(shown, info, lambda story: tuple(m for m in story.members if m[0] in ids),
                     lambda heads: pool.heads(session, heads))


def digest_brief(app: App, session: Session, window: TopicWindow, ids: Collection[int], pool: BriefPool, *,
                 limit: int = 5, previous: Sequence[str] = ()) -> Brief:
    """A channel's digest brief on ``window.topic`` over its articles ``ids``: :func:`build_brief` with
    ``article_ids``, cut from the pass's shared window and summaries instead of computed for this channel."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    topic = app.topics.resolve(window.topic)
    if topic is None:
        raise ValueError(f"unknown topic {window.topic!r}")
    wanted = frozenset(ids)
    told = tuple(previous)

    def make() -> Brief:
        found = [c for c in window.ranked if c.article_id in wanted][:BRIEF_CANDIDATES]
        ranked = _ranked_stories(found)
        shown = _load_pooled(session, pool, window, ranked[:limit], wanted)
        total = window.story_count(wanted) if len(found) >= BRIEF_CANDIDATES else len(ranked)
        options = app.settings.summarizer
        return compose_brief(topic.name, topic.label, "topic", shown, more=max(total - len(shown), 0),
                             focus=topic.query, lead_sentences=options.brief_sentences, algorithm=options.algorithm,
                             previous=told, summaries=pool.summaries)

    # Everything the brief depends on: channels with the same articles on the topic and the same
    # history share it whole; the others still share the summarizer calls.
    return pool.brief((window.key, wanted, limit, told), make)

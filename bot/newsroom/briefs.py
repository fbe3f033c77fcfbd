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

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy.orm import Session

from bot.app.metrics import timed_brief
from bot.chat.results import Brief, BriefSentence, StoryLine
from bot.store.articles import ArticleRepository, StoredArticle
from bot.store.candidates import (
    BRIEF_CANDIDATES,
    Candidate,
    count_stories,
    search_candidates,
    stories,
    topic_candidates,
)
from summarizer.models import Document, Sentence
from summarizer.rank import blurb, summarize
from summarizer.update import Known, reader_knows

if TYPE_CHECKING:
    from bot.app.bootstrap import App

LEAD_MIN, LEAD_MAX = 2, 4


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


def _load(session: Session, shown: Sequence[tuple[int | None, list[int]]], *, since: datetime | None,
          ids: Collection[int] | None, topic: str | None) -> list[_Story]:
    """The shown stories: the representative report leads when it qualifies, else the best candidate.

    A topic brief merges the story's reports on that topic; a search, the story's reports it found.
    """
    if topic is None:  # a search: the hits themselves
        hits = {a for _, ranked in shown for a in ranked}
        ids = hits if ids is None else hits & set(ids)
    info = stories(session, [s for s, _ in shown if s is not None], since=since, ids=ids, topic=topic)
    picks: list[tuple[int, int | None]] = []
    for story_id, ranked in shown:
        story = info.get(story_id) if story_id is not None else None
        eligible = {a for a, _ in story.members} if story else set()
        rep = story.representative_id if story else None
        picks.append((rep if rep is not None and rep in eligible else ranked[0], story_id))
    heads = {a.id: a for a in ArticleRepository(session).get_many([h for h, _ in picks])}
    out: list[_Story] = []
    for head_id, story_id in picks:
        head = heads[head_id]
        story = info.get(story_id) if story_id is not None else None
        if story is None:
            out.append(_Story(head, head.credits, head.url, ()))
            continue
        others = tuple(a for a, _ in story.members if a != head_id)
        url = head.url or next((u for _, u in story.members if u), None)
        out.append(_Story(head, tuple(dict.fromkeys((*head.credits, *story.credits))), url, others))
    return out


def _story_line(story: _Story, lead_texts: set[str], known: Known | None = None) -> StoryLine:
    doc = story.head.document()
    # What is new to the reader, when the story has anything new; else its best sentence all the same
    # (a story line needs a line, and the story itself was never sent).
    picked: Sentence | None = (blurb(doc, previous=known) if known is not None else None) or blurb(doc)
    if picked is not None and picked.text in lead_texts:
        # The lead already says it: take the story's next best sentence rather than repeat it.
        ranked = summarize([doc], max_sentences=len(lead_texts) + 2).sentences
        alternatives = [s for s in ranked if s.text not in lead_texts]
        picked = alternatives[0] if alternatives else picked
    return StoryLine(article_id=story.head.id, headline=story.head.title, blurb=picked.text if picked else "",
                     credits=story.credits, url=story.url, merged_ids=story.merged_ids)


def _lead(docs: Sequence[Document], size: int, algorithm: str, focus: str | None,
          known: Known | None = None) -> list[Sentence]:
    """The top story's best sentences first (about half the lead), then the best of the other stories.

    Summarizing all stories at once lets a long second story crowd out the first one's key facts
    (the Ukraine brief lost the CSIS figures to the sanctions story); the top story is why the brief exists.
    """
    if not docs:
        return []
    told = known if known is not None else ()
    top_share = size if len(docs) == 1 else (size + 1) // 2
    others = summarize(docs[1:], max_sentences=size - top_share, algorithm=algorithm,
                       query=focus, previous=told).sentences if top_share < size else ()
    top = summarize(docs[:1], max_sentences=size - len(others), algorithm=algorithm, query=focus,
                    previous=told).sentences
    return [*top, *others]


def compose_brief(query: str, label: str, matched_by: Literal["topic", "fulltext"], shown: Sequence[_Story],
                  *, more: int, focus: str | None, lead_sentences: int = 3, algorithm: str = "default",
                  previous: Sequence[str] = ()) -> Brief:
    """Build a brief from the stories to show (best first): the lead, then one line per story.

    ``previous``: what the reader was already sent (a channel's recent stories on the topic): the lead
    and the story lines favour what is new to them and never repeat a sentence of it.
    """
    docs = [s.head.document() for s in shown]
    size = min(max(lead_sentences, LEAD_MIN), LEAD_MAX)
    known = reader_knows(previous) if previous else None  # prepared once for the lead and every story line
    lead = tuple(BriefSentence(s.text, int(s.doc_id)) for s in _lead(docs, size, algorithm, focus, known))
    lead_texts = {s.text for s in lead}
    return Brief(query=query, label=label, matched_by=matched_by, lead=lead,
                 stories=tuple(_story_line(s, lead_texts, known) for s in shown), more=more)


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
    with app.sessions() as session:
        if topic is not None:
            found = topic_candidates(session, topic.name, since=since, ids=article_ids)
        else:
            found = search_candidates(session, text, since=since, ids=article_ids)
        ranked = _ranked_stories(found)
        shown = _load(session, ranked[:limit], since=since, ids=article_ids,
                      topic=topic.name if topic is not None else None)
        total = len(ranked)
        if topic is not None and article_ids is not None and len(found) >= BRIEF_CANDIDATES:
            total = count_stories(session, topic.name, article_ids)  # a digest: the exact "and N more"
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

"""Topic briefs: a 2-4 sentence lead drawn from the topic's stories, then one line per story.

A query that is a configured topic (name, label or alias) reads the stored topic scores; anything else
falls back to full-text search; when that finds nothing too, the brief is empty and suggests topics.
Every lead sentence keeps the id of the article it came from.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bot.app.metrics import timed_brief
from bot.chat.results import Brief, BriefSentence, StoryLine
from bot.ingest.revisions import stories_library
from bot.store.articles import ArticleRepository, StoredArticle
from summarizer.models import Document, Sentence
from summarizer.rank import blurb, summarize
from summarizer.update import Known, reader_knows

if TYPE_CHECKING:
    from bot.app.bootstrap import App

LEAD_MIN, LEAD_MAX = 2, 4
SEARCH_LIMIT = 100  # full-text hits considered for one brief


def _groups(articles: Sequence[StoredArticle]) -> list[list[StoredArticle]]:
    """Reports of one event merged (when the stories library is there), best-ranked report first."""
    stories = stories_library()
    if stories is None or len(articles) < 2:
        return [[a] for a in articles]
    by_id = {str(a.id): a for a in articles}
    return [[by_id[i] for i in group] for group in stories.group_same_event([a.document() for a in articles])]


def _story_line(group: Sequence[StoredArticle], lead_texts: set[str], known: Known | None = None) -> StoryLine:
    head = group[0]
    doc = head.document()
    # What is new to the reader, when the story has anything new; else its best sentence all the same
    # (a story line needs a line, and the story itself was never sent).
    picked: Sentence | None = (blurb(doc, previous=known) if known is not None else None) or blurb(doc)
    if picked is not None and picked.text in lead_texts:
        # The lead already says it: take the story's next best sentence rather than repeat it.
        ranked = summarize([doc], max_sentences=len(lead_texts) + 2).sentences
        alternatives = [s for s in ranked if s.text not in lead_texts]
        picked = alternatives[0] if alternatives else picked
    credits = tuple(dict.fromkeys(c for a in group for c in a.credits))
    return StoryLine(article_id=head.id, headline=head.title, blurb=picked.text if picked else "",
                     credits=credits, url=next((a.url for a in group if a.url), None),
                     merged_ids=tuple(a.id for a in group[1:]))


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


def compose_brief(query: str, label: str, matched_by: Literal["topic", "fulltext"],
                  articles: Sequence[StoredArticle], *, focus: str | None, limit: int,
                  lead_sentences: int = 3, algorithm: str = "default", previous: Sequence[str] = ()) -> Brief:
    """Build a brief from already chosen articles (best first): the lead, then one line per story.

    ``previous``: what the reader was already sent (a channel's recent stories on the topic): the lead
    and the story lines favour what is new to them and never repeat a sentence of it.
    """
    groups = _groups(articles)
    shown = groups[:limit]
    docs = [g[0].document() for g in shown]
    size = min(max(lead_sentences, LEAD_MIN), LEAD_MAX)
    known = reader_knows(previous) if previous else None  # prepared once for the lead and every story line
    lead = tuple(BriefSentence(s.text, int(s.doc_id)) for s in _lead(docs, size, algorithm, focus, known))
    lead_texts = {s.text for s in lead}
    return Brief(
        query=query, label=label, matched_by=matched_by,
        lead=lead, stories=tuple(_story_line(g, lead_texts, known) for g in shown), more=len(groups) - len(shown),
    )


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
        repo = ArticleRepository(session)
        if topic is not None:
            articles = repo.list_articles(topic=topic.name, since=since, ids=article_ids)
        else:
            articles = repo.search(text, since=since, ids=article_ids, limit=SEARCH_LIMIT)
    options = app.settings.summarizer
    if topic is not None:
        return compose_brief(topic.name, topic.label, "topic", articles, focus=topic.query, limit=limit,
                             lead_sentences=options.brief_sentences, algorithm=options.algorithm, previous=previous)
    label = f"“{text}”"
    if not articles:
        return Brief(query=text, label=label, matched_by="none", suggestions=tuple(app.topics.suggest(text)))
    return compose_brief(text, label, "fulltext", articles, focus=text, limit=limit,
                         lead_sentences=options.brief_sentences, algorithm=options.algorithm, previous=previous)

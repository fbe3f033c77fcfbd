"""Stories: search (the topic/full-text resolution of ``/brief``), one story in full, a brief on anything."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import select

from bot.chat.results import BriefReply, CommandContext, TextReply
from bot.delivery.history import story_deliveries
from bot.store.articles import ArticleRepository, StoredArticle
from bot.store.models import ArticleRow

if TYPE_CHECKING:
    from bot.web.server import Dashboard, View

RESULTS = 50
MAX_VERSIONS = 20


def find_stories(dash: Dashboard, query: str) -> tuple[str, list[StoredArticle]]:
    """(how it matched, stories): a topic name/label/alias lists that topic, anything else searches text."""
    app = dash.app
    topic = app.topics.resolve(" ".join(query.split()))
    with app.sessions() as session:
        repo = ArticleRepository(session)
        if not query.strip():
            return "latest", repo.list_articles(limit=RESULTS)
        if topic is not None:
            return f"topic {topic.label}", repo.list_articles(topic=topic.name, limit=RESULTS)
        return "full text", repo.search(query, limit=RESULTS)


def versions(dash: Dashboard, article: StoredArticle) -> list[tuple[int, str, Any]]:
    """Earlier versions this story replaced and the newer one that replaced it (id, title, ingested)."""
    columns = select(ArticleRow.id, ArticleRow.title, ArticleRow.ingested_at)
    with dash.app.sessions() as session:
        rows = list(session.execute(columns.where(ArticleRow.superseded_by_id == article.id)
                                    .order_by(ArticleRow.id).limit(MAX_VERSIONS)).all())
        if article.superseded_by_id is not None:
            rows += session.execute(columns.where(ArticleRow.id == article.superseded_by_id)).all()
    return [(int(i), str(t), w) for i, t, w in rows]


def routes(dash: Dashboard) -> list[tuple[str, str, View, bool]]:
    async def stories(request: web.Request) -> web.StreamResponse:
        query = request.query.get("q", "")[:200]
        matched, found = await asyncio.to_thread(find_stories, dash, query)
        return dash.render(request, "stories.html", query=query, matched=matched, stories=found,
                           topics=dash.app.topics.topics)

    async def story(request: web.Request) -> web.StreamResponse:
        try:
            article_id = int(request.match_info["id"])
        except ValueError:
            raise web.HTTPNotFound() from None

        def read() -> tuple[StoredArticle | None, list[Any], list[Any]]:
            with dash.app.sessions() as session:
                found = ArticleRepository(session).get_many([article_id])
            if not found:
                return None, [], []
            return found[0], versions(dash, found[0]), story_deliveries(dash.app.sessions, article_id)

        article, older, deliveries = await asyncio.to_thread(read)
        if article is None:
            raise web.HTTPNotFound(text=f"no story {article_id}")
        labels = {t.name: t.label for t in dash.app.topics.topics}
        return dash.render(request, "story.html", article=article, versions=older, deliveries=deliveries,
                           labels=labels)

    async def brief(request: web.Request) -> web.StreamResponse:
        query = request.query.get("q", "")[:200]
        reply = None
        if query.strip():
            # The very handler /brief uses: the last day first, then everything stored.
            reply = await dash.service.commands(CommandContext("web", "dashboard", "brief", "dashboard"), "brief",
                                                query)
        brief = reply.brief if isinstance(reply, BriefReply) else None
        problem = reply.text if isinstance(reply, TextReply) else None
        return dash.render(request, "brief.html", query=query, brief=brief, problem=problem,
                           topics=dash.app.topics.topics)

    return [("GET", "/stories", stories, False), ("GET", "/stories/{id}", story, False),
            ("GET", "/brief", brief, False)]

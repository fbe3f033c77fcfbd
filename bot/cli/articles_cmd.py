"""``newsdigest articles``: list stored stories, newest first (or most relevant first with --topic)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.app.errors import UserError
from bot.cli.options import add_database_option, add_format_option, add_since_option, open_app, whole_number
from bot.store.articles import StoredArticle

MAX_LIMIT = 100_000  # every command reads a bounded amount; page with --since for more


def register(sub: Any) -> None:
    parser = sub.add_parser("articles", help="list stored articles")
    add_since_option(parser)
    parser.add_argument("--topic", metavar="TOPIC", help="only articles tagged with this topic")
    parser.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=50,
                        help=f"at most this many, up to {MAX_LIMIT} (default: 50)")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def article_dict(article: StoredArticle) -> dict[str, Any]:
    """The JSON shape of one article in ``newsdigest articles --format json``."""
    return {
        "id": article.id,
        "title": article.title,
        "topics": list(article.topics),  # best first
        "topic_scores": dict(article.topics),
        "credit": ", ".join(article.credits) or article.credit_line,
        "credit_line": article.credit_line,
        "credits": list(article.credits),
        "caption_date": article.caption_date.isoformat() if article.caption_date else None,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "ingested_at": article.ingested_at.isoformat(),
        "url": article.url,
        "source": article.source,
        "truncated": article.truncated,
        "guid": article.guid,
        "language": article.language,
    }


def run(args: argparse.Namespace) -> int:
    from bot.newsroom.topics import load_topics
    from bot.store.articles import ArticleRepository

    with open_app(args) as app:
        topic = None
        if args.topic:
            topics = load_topics(app.settings.config_dir)
            found = topics.resolve(args.topic)
            if found is None:
                close = topics.suggest(args.topic)
                hint = f"; did you mean {', '.join(close)}?" if close else f"; topics: {', '.join(topics.names)}"
                raise UserError(f"unknown topic {args.topic!r}{hint}")
            topic = found.name
        with app.engine.connect() as db:  # Core reads: the command never imports the ORM
            articles = ArticleRepository(db).list_articles(since=args.since, topic=topic, limit=args.limit)
    if args.format == "json":
        print(json.dumps([article_dict(a) for a in articles], ensure_ascii=False, indent=2))
        return 0
    if not articles:
        print("No articles.")
    for a in articles:
        credit = f" ({', '.join(a.credits)})" if a.credits else ""
        print(f"{a.id:>5}  {a.ingested_at:%Y-%m-%d %H:%M}  {a.title}{credit}")
        if a.topics:
            print(f"       topics: {', '.join(a.topics)}")
    return 0

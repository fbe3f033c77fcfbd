"""``newsdigest topics``: the configured topics with how many current stories each has."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.options import add_database_option, add_format_option, add_since_option, open_app


def register(sub: Any) -> None:
    parser = sub.add_parser("topics", help="list topics with their article counts")
    add_since_option(parser)
    parser.add_argument("--retag", action="store_true",
                        help="score every stored article again against the current topics.toml first")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.newsroom.topics import load_topics
    from bot.store.articles import ArticleRepository

    with open_app(args) as app:
        topics = load_topics(app.settings.config_dir)
        if args.retag:
            with app.sessions.begin() as session:
                repo = ArticleRepository(session)
                stored = repo.list_articles(include_superseded=True)
                for article in stored:
                    repo.set_topics(article.id, topics.tag(article.title, [b.text for b in article.blocks]),
                                    ingested_at=article.ingested_at)
            print(f"Re-tagged {len(stored)} articles.", file=sys.stderr)
        with app.engine.connect() as db:  # Core reads: without --retag the command never imports the ORM
            counts = ArticleRepository(db).topic_counts(since=args.since)
    rows = [{"name": t.name, "label": t.label, "articles": counts.get(t.name, 0)} for t in topics.topics]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(t.name) for t in topics.topics)
    label_width = max(len(t.label) for t in topics.topics)
    for row in rows:
        print(f"{row['name']:<{width}}  {row['label']:<{label_width}}  {row['articles']:>4}")
    return 0

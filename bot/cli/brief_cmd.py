"""``newsdigest brief TOPIC``: a topic's brief, or a full-text brief when TOPIC is no configured topic."""

from __future__ import annotations

import argparse
from typing import Any

from bot.app.errors import UserError
from bot.cli.options import add_database_option, add_format_option, add_since_option, open_app, whole_number

MAX_STORIES = 100  # a brief is read by people: a bounded list, and a bounded query


def register(sub: Any) -> None:
    parser = sub.add_parser("brief", help="brief on a topic (or any words, by full-text search)")
    parser.add_argument("query", nargs="+", metavar="TOPIC", help="a topic name, label or alias, or search words")
    add_since_option(parser)
    parser.add_argument("--limit", type=whole_number(1, MAX_STORIES), default=5,
                        help=f"stories listed, up to {MAX_STORIES} (default: 5)")
    add_format_option(parser, ("text", "markdown", "json"))
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.chat.rendering import render_brief
    from bot.newsroom.briefs import build_brief

    query = " ".join(args.query)
    with open_app(args) as app:
        brief = build_brief(app, query, since=args.since, limit=args.limit)
    rendered = render_brief(brief, args.format)
    if brief.matched_by == "none" and args.format != "json":
        raise UserError(rendered.splitlines()[-1], exit_code=1)  # the "nothing matches ... did you mean" line
    print(rendered)
    return 1 if brief.matched_by == "none" else 0

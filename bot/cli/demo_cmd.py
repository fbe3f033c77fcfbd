"""``newsdigest demo``: ingest the bundled sample dump and print the morning digest, grouped by topic."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.app.errors import UserError
from bot.cli.options import add_database_option, add_format_option, open_app

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.chat.results import Digest


_BEFORE_ANY_STORY = datetime(2000, 1, 1, tzinfo=UTC)


def register(sub: Any) -> None:
    parser = sub.add_parser("demo", help="ingest the bundled sample dump and print its digest",
                            description="Ingest the sample dump shipped with newsdigest into the configured "
                                        "database (safe to repeat) and print the digest of its stories by topic.")
    add_format_option(parser, ("text", "markdown", "json"))
    add_database_option(parser)
    parser.set_defaults(func=run)


def topic_digest(app: App, article_ids: Collection[int], *, title: str, per_topic: int = 5) -> Digest:
    """The digest of ``article_ids`` for a channel that follows every configured topic (file order).

    The same composer as the scheduled digest: each story once, under its best topic; no sentence twice;
    a one-story topic says it once; each lead within the reader's length budget.
    """
    from bot.chat.ports import ChannelKey
    from bot.delivery.channels import ChannelConfig
    from bot.delivery.digest import compose_digest

    now = datetime.now(UTC)
    # No channel row: nothing was delivered to it, and its window starts before any stored story.
    config = ChannelConfig(key=ChannelKey("console", "local", "demo"), topics=app.topics.names,
                           per_topic=per_topic, covered_until=_BEFORE_ANY_STORY)
    composed = compose_digest(app, config, window_end=now, local_date=now.date(), marker="demo",
                              only_ids=article_ids)
    return dataclasses.replace(composed.digest, title=title, window_start=None)


def run(args: argparse.Namespace) -> int:
    from bot.app.settings import sample_dump_path
    from bot.chat.rendering import render_digest
    from bot.ingest.service import ingest_paths

    with open_app(args) as app:
        report = ingest_paths(app, [sample_dump_path()])
        if not report.ok or not report.article_ids:
            reason = report.results[0].reason if report.results else "nothing ingested"
            raise UserError(f"could not ingest the sample dump: {reason}")
        # Status goes to stderr so `newsdigest demo --format json` stays one JSON document on stdout.
        print(f"Sample dump: {report.new} new, {report.duplicates} already stored "
              f"({app.engine.url.render_as_string(hide_password=True)})", file=sys.stderr)
        digest = topic_digest(app, report.article_ids, title=f"Morning digest, {datetime.now(UTC):%A %d %B %Y}")
    print(render_digest(digest, args.format), end="")
    return 0

"""``newsdigest digest --channel CHANNEL``: render a channel's digest, and post it unless ``--dry-run``.

Without ``--force`` the post is the channel's daily digest for today (local date): a second run the
same day posts nothing and says so. ``--force`` posts an extra digest of what is new since the last.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from bot.app.errors import UserError
from bot.chat.ports import ChannelKey
from bot.cli.options import add_database_option, add_format_option, open_app


def register(sub: Any) -> None:
    parser = sub.add_parser("digest", help="render a channel's digest and post it (once a day)")
    parser.add_argument("--channel", required=True, metavar="CHANNEL",
                        help="platform:workspace:channel, e.g. console:local:newsroom")
    parser.add_argument("--dry-run", action="store_true", help="render only: post nothing, change nothing")
    parser.add_argument("--force", action="store_true", help="post even if today's digest was posted already")
    add_format_option(parser, ("text", "markdown", "json"))
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsolePoster
    from bot.chat.rendering import render_digest
    from bot.delivery.channels import ChannelRegistry, load_channel_defaults
    from bot.delivery.digest import compose_digest
    from bot.delivery.digest_time import local_today
    from bot.delivery.runner import Delivery
    from bot.newsroom.topics import load_topics

    try:
        key = ChannelKey.parse(args.channel)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    with open_app(args) as app:
        # A bad channels.toml or topics.toml raises ConfigError, a UserError: one line from main().
        defaults = load_channel_defaults(app.settings.config_dir, load_topics(app.settings.config_dir))
        registry = ChannelRegistry(app.sessions, defaults)
        config = registry.get(key)
        if not config.topics:
            known = ", ".join(str(c.key) for c in registry.all()) or "none"
            raise UserError(f"channel {key} follows no topics (known channels: {known})")
        now = datetime.now(UTC)
        if args.dry_run:
            composition = compose_digest(app, config, window_end=now, local_date=local_today(now, config.tz),
                                         marker=f"dry-run-{uuid.uuid4().hex[:8]}")
            print(render_digest(composition.digest, args.format), end="")
            return 0
        if key.platform != "console":
            raise UserError(f"posting to {key.platform} needs `newsdigest serve` with its credentials; "
                            "use --dry-run to preview, or /digest now in the channel")
        poster = ConsolePoster(terminal=False, markdown_dir=app.settings.digest.markdown_dir)
        delivery = Delivery(app, registry, {"console": poster})
        outcome = asyncio.run(delivery.run(key, "extra" if args.force else "daily", now=now, retry_exhausted=True))
    if outcome.composition is not None and outcome.outcome in ("posted", "failed"):
        print(render_digest(outcome.composition.digest, args.format), end="")
    print(outcome.text, file=sys.stderr)
    return 1 if outcome.outcome in ("failed", "busy") else 0

"""``newsdigest serve``: the long-running service (scheduler, inbox, chat adapters, dashboard)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli.options import add_database_option, open_app, whole_number


def register(sub: Any) -> None:
    parser = sub.add_parser("serve", help="run the service: inbox pickup, daily digests, chat commands, dashboard")
    add_database_option(parser)
    parser.add_argument("--port", type=whole_number(0, 65535), default=None,
                        help="HTTP port of the dashboard, /healthz, /readyz and /metrics, shared with Slack's events "
                             "when Slack runs over HTTP (default: $PORT, else [slack] port 3000 with Slack over "
                             "HTTP, else [web] port 8080)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.app.eventlog import configure_logging
    from bot.app.serve import run as serve

    with open_app(args) as app:
        configure_logging(app.settings.log_level, app.settings.log_format)
        asyncio.run(serve(app, port=args.port))
    return 0

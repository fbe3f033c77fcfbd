"""``newsdigest stories``: maintain the stored stories (reports of one event grouped at ingest).

``backfill`` gives a story to every article stored before stories were (database migration 0010);
``settle`` re-decides recent stories with the current word statistics (each ingest run does it for
the last hour). Both are safe to run at any time and to interrupt: each batch commits on its own.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.options import add_database_option, add_since_option, open_app

BACKFILL_BATCH = 500


def register(sub: Any) -> None:
    parser = sub.add_parser("stories", help="assign stories to older articles (backfill) or settle recent ones")
    parser.add_argument("action", choices=("backfill", "settle"),
                        help="backfill: articles without a story get one; settle: re-decide recent stories")
    add_since_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.ingest.story_assignment import SETTLE_WINDOW, backfill, settle_stories

    with open_app(args) as app:
        if args.action == "backfill":
            total = 0
            while True:
                with app.sessions.begin() as session:
                    done = backfill(session, batch=BACKFILL_BATCH)
                if not done:
                    break
                total += done
                print(f"Assigned stories to {total} articles...", file=sys.stderr)
            print(f"Backfill done: {total} articles had no story.")
        else:
            since = args.since or datetime.now(UTC) - SETTLE_WINDOW
            with app.sessions.begin() as session:
                seen = settle_stories(session, since=since)
            print(f"Settled the stories of {seen} articles ingested since {since:%Y-%m-%d %H:%M} UTC.")
    return 0




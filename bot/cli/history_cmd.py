"""``newsdigest history``: every digest run (channel, kind, window, outcome, stories, messages, error)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli.options import add_database_option, add_format_option, open_app, parse_since, whole_number

STATUSES = ("posted", "failed", "skipped", "claimed", "uncertain")


def _channel(text: str) -> Any:
    from bot.chat.ports import ChannelKey

    try:
        return ChannelKey.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    parser = sub.add_parser("history", help="digest runs, newest first: where and when digests were posted, "
                                            "and why not")
    parser.add_argument("--channel", type=_channel, metavar="PLATFORM:WORKSPACE:CHANNEL",
                        help="only this channel, e.g. console:local:newsroom")
    parser.add_argument("--since", type=parse_since, metavar="WHEN",
                        help="only runs since then: 90m, 24h, 7d, 2w or an ISO date (default: all)")
    parser.add_argument("--status", choices=STATUSES, help="only runs with this outcome")
    parser.add_argument("--limit", type=whole_number(1, 100_000), default=100,
                        help="at most this many runs, up to 100000 (default: 100)")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.delivery.history import list_runs

    with open_app(args) as app:
        runs = list_runs(app.sessions, channel=args.channel, since=args.since, status=args.status, limit=args.limit)
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in runs], indent=2, ensure_ascii=False))
        return 0
    if not runs:
        print("No digest runs match." if (args.channel or args.since or args.status)
              else "No digest runs yet: `newsdigest digest` or `newsdigest serve` posts them.")
        return 0
    rows = [("WHEN (UTC)", "CHANNEL", "KIND", "DAY", "STATUS", "STORIES", "TRIES", "MESSAGES / ERROR")]
    for r in runs:
        when = (r.posted_at or r.claimed_at).strftime("%Y-%m-%d %H:%M")
        detail = r.error if r.status == "failed" and r.error else (", ".join(r.message_ids) or "-")
        rows.append((when, str(r.channel), r.kind, r.local_date.isoformat(), r.status, str(r.stories),
                     str(r.attempts), detail))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0

"""``newsdigest channels``: every configured or known channel, its settings, last and next digest."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from bot.cli.options import add_database_option, add_format_option, open_app


def register(sub: Any) -> None:
    parser = sub.add_parser("channels", help="list channels with their topics, last posted and next digest time")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.delivery.channels import ChannelRegistry, load_channel_defaults
    from bot.delivery.digest_time import next_occurrence
    from bot.delivery.history import last_posted
    from bot.newsroom.topics import load_topics

    with open_app(args) as app:
        # A bad channels.toml or topics.toml raises ConfigError, a UserError: one line from main().
        defaults = load_channel_defaults(app.settings.config_dir, load_topics(app.settings.config_dir))
        channels = ChannelRegistry(app.sessions, defaults).all()
        posted = last_posted(app.sessions, [c.row_id for c in channels if c.row_id is not None])
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for c in channels:
        nxt = next_occurrence(now, c.local_time, c.tz)[1] if c.subscribed else None
        last = posted.get(c.row_id) if c.row_id is not None else None
        rows.append({
            "channel": str(c.key), "topics": list(c.topics), "time": c.digest_time, "timezone": c.timezone,
            "enabled": c.enabled, "stories_per_topic": c.per_topic, "post_empty": c.post_empty,
            "next_digest": nxt.astimezone(c.tz).isoformat() if nxt else None,
            "next_digest_utc": nxt.isoformat() if nxt else None,
            "last_posted": last.posted_at.isoformat() if last and last.posted_at else None,
            "last_posted_stories": last.stories if last else None,
            "last_posted_messages": list(last.message_ids) if last else [],
            "covered_until": c.covered_until.isoformat() if c.covered_until else None, "last_error": c.last_error,
        })
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No channels: add one to config/channels.toml, or use /digest add in a chat channel.")
        return 0
    table = [("CHANNEL", "TIME", "TIMEZONE", "STATE", "NEXT DIGEST (LOCAL)", "LAST POSTED (UTC)", "TOPICS")]
    for r in rows:
        state = ("active" if r["topics"] else "no topics") if r["enabled"] else "paused"
        upcoming = r["next_digest"][:16].replace("T", " ") if r["next_digest"] else "-"
        previous = "never"
        if r["last_posted"]:
            previous = f"{r['last_posted'][:16].replace('T', ' ')} ({r['last_posted_stories']} stories)"
        table.append((r["channel"], r["time"], r["timezone"], state, upcoming, previous,
                      ", ".join(r["topics"]) or "none"))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    errors = [r for r in rows if r["last_error"]]
    for r in errors:
        print(f"{r['channel']}: last failed post: {r['last_error']}")
    return 0

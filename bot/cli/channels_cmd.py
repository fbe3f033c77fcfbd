"""``newsdigest channels``: every configured or known channel, its settings and next digest time."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from bot.cli.options import add_database_option, add_format_option, open_app


def register(sub: Any) -> None:
    parser = sub.add_parser("channels", help="list channels with their topics and next digest time")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.delivery.channels import ChannelRegistry, load_channel_defaults
    from bot.delivery.digest_time import next_occurrence
    from bot.newsroom.topics import load_topics

    with open_app(args) as app:
        # A bad channels.toml or topics.toml raises ConfigError, a UserError: one line from main().
        defaults = load_channel_defaults(app.settings.config_dir, load_topics(app.settings.config_dir))
        channels = ChannelRegistry(app.sessions, defaults).all()
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for c in channels:
        nxt = next_occurrence(now, c.local_time, c.tz)[1] if c.subscribed else None
        rows.append({
            "channel": str(c.key), "topics": list(c.topics), "time": c.digest_time, "timezone": c.timezone,
            "enabled": c.enabled, "stories_per_topic": c.per_topic, "post_empty": c.post_empty,
            "next_digest": nxt.astimezone(c.tz).isoformat() if nxt else None,
            "next_digest_utc": nxt.isoformat() if nxt else None,
            "covered_until": c.covered_until.isoformat() if c.covered_until else None, "last_error": c.last_error,
        })
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No channels: add one to config/channels.toml, or use /digest add in a chat channel.")
    for r in rows:
        state = "active" if r["enabled"] else "paused"
        when = f"next {r['next_digest'][:16].replace('T', ' ')} {r['timezone']}" if r["next_digest"] else "no digest"
        print(f"{r['channel']}  {r['time']} {r['timezone']} ({state}), {when}")
        print(f"    topics: {', '.join(r['topics']) or 'none'}; {r['stories_per_topic']} stories per topic")
        if r["last_error"]:
            print(f"    last failed post: {r['last_error']}")
    return 0

"""``newsdigest sources``: the polled feeds and their health; add, remove, poll, OPML import and export."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app.errors import UserError
from bot.cli.options import add_database_option, add_format_option, open_app

if TYPE_CHECKING:
    from bot.app.bootstrap import App
    from bot.sources.registry import SourceRegistry, SourceState

COLUMNS = ("SOURCE", "EVERY", "LAST FETCH (UTC)", "STATUS", "TAKEN", "FAILURES", "NEXT POLL (UTC)", "LAST ERROR")
ERROR_WIDTH = 60


def _every(text: str) -> int:
    from bot.sources.config import parse_every

    try:
        return parse_every(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    parser = sub.add_parser("sources", help="list polled feeds and their health; add, remove, import, export",
                            description="Without a subcommand: every source with its last fetch, items taken, "
                                        "last error, consecutive failures and next poll.")
    add_format_option(parser)
    add_database_option(parser)
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    add = actions.add_parser("add", help="poll a feed (or change a known feed's settings)")
    add.add_argument("url", help="feed URL (http or https)")
    add.add_argument("--every", type=_every, metavar="INTERVAL", help="poll interval, e.g. 10m, 2h (default: "
                     "[defaults] every in sources.toml)")
    add.add_argument("--full-text", action=argparse.BooleanOptionalAction, default=None,
                     help="fetch each new item's page and extract the article text (for summary-only feeds)")
    add.add_argument("--name", help="a label for listings")
    add_database_option(add)
    add.set_defaults(func=run_add)

    remove = actions.add_parser("remove", help="stop polling a feed (its stories stay stored)")
    remove.add_argument("url", help="the feed's URL as listed by `newsdigest sources`")
    add_database_option(remove)
    remove.set_defaults(func=run_remove)

    imp = actions.add_parser("import", help="add every feed of an OPML file")
    imp.add_argument("file", type=Path, help="OPML file (as feed readers export)")
    imp.add_argument("--every", type=_every, metavar="INTERVAL", help="poll interval for the imported feeds")
    imp.add_argument("--full-text", action=argparse.BooleanOptionalAction, default=None,
                     help="fetch item pages for the imported feeds")
    add_database_option(imp)
    imp.set_defaults(func=run_import)

    exp = actions.add_parser("export", help="write the polled feeds as OPML")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    add_database_option(exp)
    exp.set_defaults(func=run_export)

    poll = actions.add_parser("poll", help="poll the feeds that are due now, once, and report")
    poll.add_argument("--all", action="store_true", help="poll every active feed now, due or not")
    add_database_option(poll)
    poll.set_defaults(func=run_poll)


def _registry(app: App) -> SourceRegistry:
    from bot.sources.config import load_source_defaults
    from bot.sources.registry import SourceRegistry

    registry = SourceRegistry(app.sessions, load_source_defaults(app.settings.config_dir))
    registry.sync_file()
    return registry


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "never"


def _row(s: SourceState) -> dict[str, Any]:
    return {
        "url": s.key_url, "fetch_url": s.url, "name": s.name, "origin": s.origin, "active": s.active,
        "every_seconds": s.every, "full_text": s.full_text,
        "last_fetch": s.last_fetch_at.isoformat() if s.last_fetch_at else None,
        "last_success": s.last_success_at.isoformat() if s.last_success_at else None,
        "last_status": s.last_status, "items_taken": s.items_taken, "items_total": s.items_total,
        "last_error": s.last_error, "consecutive_failures": s.consecutive_failures,
        "next_poll": s.next_poll_at.isoformat() if s.next_poll_at and s.active else None,
        "topics": list(s.recent_topics),
    }


def _text_row(s: SourceState) -> tuple[str, ...]:
    from bot.sources.config import format_duration

    label = s.key_url if s.url == s.key_url else f"{s.key_url} -> {s.url}"
    if not s.active:
        label += " (removed)" if s.removed else " (no longer in sources.toml)"
    error = s.last_error or "-"
    if len(error) > ERROR_WIDTH:
        error = error[:ERROR_WIDTH - 1] + "…"
    next_poll = _when(s.next_poll_at) if s.active else "-"
    return (label, format_duration(s.every) + (" +text" if s.full_text else ""), _when(s.last_fetch_at),
            s.last_status or "-", str(s.items_taken), str(s.consecutive_failures), next_poll, error)


def format_table(states: list[SourceState]) -> str:
    rows = [COLUMNS, *(_text_row(s) for s in states)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
                     for r in rows)


def run_list(args: argparse.Namespace) -> int:
    with open_app(args) as app:
        states = _registry(app).all()
    if args.format == "json":
        print(json.dumps([_row(s) for s in states], indent=2, ensure_ascii=False))
        return 0
    if not states:
        print("No sources: list feeds in config/sources.toml, or run `newsdigest sources add URL`.")
        return 0
    print(format_table(states))
    return 0


def run_add(args: argparse.Namespace) -> int:
    from bot.sources.config import format_duration, validate_url

    url = validate_url(args.url)
    with open_app(args) as app:
        state, created = _registry(app).add(url, every=args.every, full_text=args.full_text, name=args.name)
    verb = "Added" if created else "Updated"
    print(f"{verb} {state.key_url}: every {format_duration(state.every)}, "
          f"full text {'on' if state.full_text else 'off'}. `newsdigest serve` polls it.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with open_app(args) as app:
        registry = _registry(app)
        state = registry.remove(args.url.strip())
    note = (" It stays listed in config/sources.toml; the database keeps it removed."
            if state.key_url in registry.defaults.sources else "")
    print(f"Removed {state.key_url}; its stories stay stored.{note}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from bot.sources.config import validate_url
    from bot.sources.opml import read_opml

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    feeds = read_opml(data, name=str(args.file))
    added = updated = 0
    skipped: list[str] = []
    with open_app(args) as app:
        registry = _registry(app)
        for feed in feeds:
            try:
                url = validate_url(feed.url)
            except UserError as exc:
                skipped.append(str(exc))
                continue
            _, created = registry.add(url, every=args.every or feed.every, full_text=args.full_text,
                                      name=feed.title, origin="opml")
            added += created
            updated += not created
    print(f"Imported {args.file}: {added} new, {updated} already known, {len(skipped)} skipped.")
    for reason in skipped:
        print(f"  skipped: {reason}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from bot.sources.opml import write_opml

    with open_app(args) as app:
        states = _registry(app).all(include_inactive=False)
    data = write_opml([(s.url, s.name, s.every) for s in states])
    if args.output:
        args.output.write_bytes(data)
        print(f"Wrote {len(states)} sources to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def run_poll(args: argparse.Namespace) -> int:
    import asyncio

    from bot.sources.poller import Poller

    with open_app(args) as app:
        registry = _registry(app)
        if args.all:
            registry.make_due()

        async def once() -> int:
            poller = Poller(app, registry)
            try:
                outcomes = await poller.poll_due()
            finally:
                await poller.close()
            for o in outcomes:
                state = f"{o.new} new, {o.duplicates} already stored" if o.ok else f"failed: {o.error}"
                print(f"{o.source.key_url}: {o.fetch.label}, {state}")
            if not outcomes:
                print("No source is due (use --all to poll every source now).")
            return 0 if all(o.ok for o in outcomes) else 1

        return asyncio.run(once())

"""``newsdigest discord sync|invite``: register the slash commands, print the invite URL.

discord is imported lazily inside the handlers: only bot/adapters/ imports it, and ``newsdigest --help``
should not pay for loading it.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.app.settings import load_settings


def register(sub: Any) -> None:
    parser = sub.add_parser("discord", help="Discord integration: sync slash commands, invite URL")
    actions = parser.add_subparsers(dest="discord_action", metavar="ACTION")
    sync = actions.add_parser("sync", help="register /brief and /digest with Discord (needs DISCORD_TOKEN)")
    sync.add_argument("--guild", type=int, metavar="ID",
                      help="sync to this guild only, instantly (default: discord.dev_guild_id, else globally)")
    sync.set_defaults(func=run_sync)
    invite = actions.add_parser("invite", help="print the URL that adds the bot to a server")
    invite.add_argument("client_id", metavar="APPLICATION_ID", help="the application id from the developer portal")
    invite.set_defaults(func=run_invite)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_sync(args: argparse.Namespace) -> int:
    from bot.adapters.discord_app import sync_commands

    settings = load_settings()
    if args.guild is not None:
        discord_settings = settings.discord.model_copy(update={"dev_guild_id": args.guild})
        settings = settings.model_copy(update={"discord": discord_settings})
    names = asyncio.run(sync_commands(settings))
    guild = settings.discord.dev_guild_id
    scope = f"to guild {guild} (available now)" if guild else "globally (may take up to an hour to appear)"
    print(f"synced {len(names)} commands {scope}: {', '.join('/' + n for n in names)}")
    return 0


def run_invite(args: argparse.Namespace) -> int:
    from bot.adapters.discord_runtime import invite_url, required_permissions

    print(invite_url(args.client_id))
    print(f"permissions integer: {required_permissions().value}")
    return 0

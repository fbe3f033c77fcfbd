"""A local stand-in for Discord's HTTP API, and gateway-shaped interaction payloads for tests.

The stand-in is an aiohttp server on 127.0.0.1 that answers the REST calls the adapter makes (login,
command sync, interaction callbacks, follow-up webhooks, channel messages), records every request,
and can be told to fail the next matching request with any status (403, 404, 429 ...).
Interactions are built as Discord sends them over the gateway and dispatched through the real
``CommandTree``, as discord.py's own tests/test_app_commands_invoke.py does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from aiohttp import web
from discord import app_commands

from bot.app.settings import DiscordSettings, Settings

API = "/api/v10"
APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
USER_ID = 600000000000000001
TOKEN = "test-token"

BOT_USER = {"id": str(BOT_ID), "username": "newsdigest", "discriminator": "0", "avatar": None, "bot": True}
PERMS_NONE = discord.Permissions(send_messages=True, view_channel=True)
PERMS_MANAGER = discord.Permissions(send_messages=True, view_channel=True, manage_channels=True)


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    times: int
    after: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class DiscordStandIn:
    """Discord's REST API, as far as newsdigest uses it."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.channels: dict[int, list[dict[str, Any]]] = {}
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.gateway_url = ""
        self.gateway_received: list[dict[str, Any]] = []  # what the bot sent over the gateway
        self._socket: web.WebSocketResponse | None = None
        self._sequence = itertools.count(1)

    async def start(self) -> str:
        app = web.Application(middlewares=[self._record])
        app.router.add_get(f"{API}/users/@me", self._me)
        app.router.add_get(f"{API}/oauth2/applications/@me", self._app_info)
        app.router.add_put(f"{API}/applications/{{app}}/commands", self._sync)
        app.router.add_put(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        app.router.add_post(f"{API}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{API}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_post(f"{API}/channels/{{channel}}/messages", self._post_message)
        app.router.add_get(f"{API}/channels/{{channel}}/messages", self._history)
        app.router.add_delete(f"{API}/channels/{{channel}}/messages/{{message}}", self._delete_message)
        app.router.add_get(f"{API}/gateway/bot", self._gateway_bot)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}{API}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"
        return self.base_url

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test controls -------------------------------------------------------------------------

    def fail(self, method: str, path_regex: str, status: int, *, code: int = 0, message: str = "",
             times: int = 1, after: int = 0, retry_after: float | None = None) -> None:
        """Answer ``times`` matching requests (after letting ``after`` through) with ``status`` and an error body."""
        body: dict[str, Any] = {"message": message or f"HTTP {status}", "code": code}
        headers: dict[str, str] = {}
        if retry_after is not None:
            body.update(retry_after=retry_after, **{"global": False})
            # discord.py treats a 429 without Via as a Cloudflare ban and does not retry; Discord's carry it.
            headers = {"Retry-After": str(retry_after), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
        self._failures.append(_Failure(method, re.compile(path_regex), status, body, times, after, headers))

    def of(self, method: str, path_regex: str) -> list[Recorded]:
        """Recorded requests matching ``method`` and ``path_regex`` (searched in the path)."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    async def wait_for(self, method: str, path_regex: str, count: int = 1) -> list[Recorded]:
        """Wait until ``count`` matching requests have arrived (no timing assumptions in tests)."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.of(method, path_regex)) >= count)
        return self.of(method, path_regex)

    async def wait_for_gateway(self, op: int) -> dict[str, Any]:
        """Wait until the bot has sent a gateway message with opcode ``op`` (2 = IDENTIFY)."""
        async with self._changed:
            await self._changed.wait_for(lambda: any(m["op"] == op for m in self.gateway_received))
        return next(m for m in self.gateway_received if m["op"] == op)

    async def dispatch_event(self, name: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH event (e.g. INTERACTION_CREATE) to the connected bot, as Discord's gateway does."""
        assert self._socket is not None, "no bot connected to the gateway"
        await self._socket.send_json({"op": 0, "t": name, "s": next(self._sequence), "d": data})

    # -- plumbing ------------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        path = request.path.removeprefix(API)
        self.requests.append(Recorded(request.method, path, dict(request.query), body))
        async with self._changed:
            self._changed.notify_all()
        for failure in self._failures:
            if failure.times > 0 and failure.method == request.method and failure.pattern.search(path):
                if failure.after > 0:
                    failure.after -= 1
                    continue
                failure.times -= 1
                return _json(failure.body, status=failure.status, headers=failure.headers)
        response: web.StreamResponse = await handler(request)
        return response

    def _message(self, channel_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)), "channel_id": str(channel_id), "author": BOT_USER,
            "content": body.get("content") or "", "timestamp": "2026-01-28T07:30:00+00:00",
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": body.get("embeds") or [], "pinned": False, "type": 0,
            "flags": body.get("flags") or 0,
        }

    async def _me(self, request: web.Request) -> web.Response:
        return _json(BOT_USER)

    async def _app_info(self, request: web.Request) -> web.Response:
        return _json({
            "id": str(APP_ID), "name": "newsdigest", "description": "", "icon": None, "bot_public": True,
            "bot_require_code_grant": False, "owner": BOT_USER, "verify_key": "0" * 64, "flags": 0,
        })

    async def _sync(self, request: web.Request) -> web.Response:
        commands = await request.json()
        return _json([
            {**c, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1",
             "default_member_permissions": None, "guild_id": request.match_info.get("guild")}
            for c in commands
        ])

    async def _callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        data = body.get("data") or {}
        return _json({"interaction": {
            "id": request.match_info["id"], "type": 2, "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & 64),
        }})

    async def _followup(self, request: web.Request) -> web.Response:
        return _json(self._message(CHANNEL_ID, await request.json()))

    async def _post_message(self, request: web.Request) -> web.Response:
        channel = int(request.match_info["channel"])
        message = self._message(channel, await request.json())
        self.channels.setdefault(channel, []).append(message)
        return _json(message)

    async def _history(self, request: web.Request) -> web.Response:
        messages = self.channels.get(int(request.match_info["channel"]), [])
        limit = int(request.query.get("limit", 50))
        return _json(list(reversed(messages))[:limit])

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limits = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limits})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        """A minimal gateway: HELLO, READY after IDENTIFY, heartbeat ACKs; frames as text JSON."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})
        async for frame in socket:
            message = json.loads(frame.data)
            self.gateway_received.append(message)
            if message["op"] == 2:  # IDENTIFY
                ready = {"v": 10, "user": BOT_USER, "guilds": [], "session_id": "session-1",
                         "resume_gateway_url": self.gateway_url, "application": {"id": str(APP_ID), "flags": 0}}
                await self.dispatch_event("READY", ready)
            elif message["op"] == 1:  # HEARTBEAT
                await socket.send_json({"op": 11})
            async with self._changed:
                self._changed.notify_all()
        return socket

    async def _delete_message(self, request: web.Request) -> web.Response:
        channel = int(request.match_info["channel"])
        wanted = request.match_info["message"]
        self.channels[channel] = [m for m in self.channels.get(channel, []) if m["id"] != wanted]
        return web.Response(status=204)


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly "application/json" (no charset), as Discord sends it.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})


# -- gateway-shaped interactions -----------------------------------------------------------------

_interaction_ids = itertools.count(500_000_000_000_000_001)


def _command_data(command: app_commands.Command[Any, ..., Any] | app_commands.Group,
                  options: list[dict[str, Any]]) -> dict[str, Any]:
    # Subcommands nest inside their group, as Discord sends them (see discord.py's MockCommandInteraction).
    data: dict[str, Any] = {"type": 1, "name": command.name, "options": options}
    if command.parent is None:
        return {**data, "id": str(hash(command))}
    return _command_data(command.parent, [data])


def _option(name: str, value: Any, focused: bool) -> dict[str, Any]:
    kind = discord.AppCommandOptionType.boolean if isinstance(value, bool) else discord.AppCommandOptionType.string
    option: dict[str, Any] = {"type": kind.value, "name": name, "value": value}
    return {**option, "focused": True} if focused else option


def interaction_payload(command: app_commands.Command[Any, ..., Any], *, permissions: discord.Permissions = PERMS_NONE,
                        focused: str | None = None, guild_id: int | None = GUILD_ID, channel_id: int = CHANNEL_ID,
                        **options: Any) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for ``command`` with ``options``; autocomplete when ``focused``."""
    n = next(_interaction_ids)
    user = {"id": str(USER_ID), "username": "editor", "discriminator": "0", "avatar": None}
    payload: dict[str, Any] = {
        "id": str(n), "application_id": str(APP_ID), "type": 4 if focused else 2, "token": f"interaction-token-{n}",
        "version": 1, "locale": "en-GB", "attachment_size_limit": 8_388_608, "entitlements": [],
        "app_permissions": str(PERMS_MANAGER.value),
        "data": _command_data(command, [_option(k, v, k == focused) for k, v in options.items()]),
        "channel": {"id": str(channel_id), "type": 0, "name": "news", "position": 0, "permission_overwrites": [],
                    "nsfw": False, "parent_id": None, "guild_id": str(guild_id) if guild_id else None},
        "channel_id": str(channel_id),
    }
    if guild_id is None:
        return {**payload, "user": user, "channel": {**payload["channel"], "type": 1, "recipients": [user]}}
    member = {"user": user, "roles": [], "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False, "mute": False,
              "permissions": str(permissions.value), "flags": 0}
    return {**payload, "guild_id": str(guild_id), "guild_locale": "en-GB", "member": member}


def find_command(tree: app_commands.CommandTree[Any], qualified_name: str) -> app_commands.Command[Any, ..., Any]:
    """``"digest add"`` -> the Command object in ``tree``."""
    for command in tree.walk_commands():
        if command.qualified_name == qualified_name and isinstance(command, app_commands.Command):
            return command
    raise KeyError(qualified_name)


async def dispatch(client: discord.Client, tree: app_commands.CommandTree[Any], qualified_name: str,
                   **kwargs: Any) -> discord.Interaction:
    """Build a real Interaction from a gateway payload and run it through ``tree``, as Discord would."""
    payload = interaction_payload(find_command(tree, qualified_name), **kwargs)
    interaction: discord.Interaction = discord.Interaction(data=payload, state=client._connection)  # type: ignore[arg-type]
    await tree._call(interaction)
    return interaction


def standin_settings(api_url: str, **discord_overrides: Any) -> Settings:
    """Settings pointing the adapter at the stand-in, with a token."""
    token: dict[str, Any] = {"DISCORD_TOKEN": TOKEN}  # the secret's only name is its environment variable
    return Settings(discord=DiscordSettings(api_url=api_url, **discord_overrides), **token)

"""A local stand-in for Slack: the Web API, ``response_url`` hooks, and signed requests to our app.

Modelled on bolt-python's ``tests/mock_web_api_server``: a real HTTP server that records every call
and answers like Slack, so the adapter runs unmodified with ``AsyncWebClient(base_url=...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

from bot.adapters.slack_app import SlackAdapter
from bot.app.settings import Settings
from bot.chat.ports import CommandHandler
from bot.chat.results import Brief, BriefReply, BriefSentence, CommandContext, CommandReply, StoryLine

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0TEST"
CHANNEL = "C0NEWS"
OTHER_TEAM = "T0OTHER"  # a second workspace, installed through OAuth
OTHER_TOKEN = "xoxb-other-workspace"
OAUTH_CODE = "code-123"
# Cleared by the `slack` fixture: a developer's own credentials must never leak into a test.
SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID",
             "SLACK_CLIENT_SECRET", "SLACK_API_URL", "PORT")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the stand-in received it
    status: int = 200


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"ok": False, "error": "ratelimited"})
    after: int = 0  # let this many calls succeed first


class SlackStandIn:
    """Answers auth.test, users.info, chat.postMessage/delete, conversations.history/replies, hooks."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.hooks: list[dict[str, Any]] = []  # bodies posted to response_url
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []  # what chat.postMessage stored, oldest first
        self.failures: dict[str, list[Failure]] = {}
        self._ts = itertools.count(1)
        self._hook_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        self._changed = asyncio.Condition()
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []  # what the app sent back over Socket Mode

    # -- control ---------------------------------------------------------------------------

    def fail_next(self, method: str, failure: Failure) -> None:
        """Answer the next call of ``method`` with ``failure`` instead of success."""
        self.failures.setdefault(method, []).append(failure)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def response_url(self) -> str:
        return f"{self.url}/hooks/{next(self._hook_ids)}"

    async def wait_for(self, predicate: Callable[[], bool], within: float = 120.0) -> None:
        """Wait until ``predicate()`` holds (checked after every recorded call).

        Event-driven: it returns the moment the call arrives; ``within`` only ends a test that would
        otherwise hang, so it is generous (a loaded CI machine is slow, never wrong)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    # -- server ----------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{id}", self._hook)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            params["token"] = auth.removeprefix("Bearer ")  # slack_sdk sends the token as a header
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(parse_qsl(raw))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        pending = self.failures.get(method)
        if pending and pending[0].after:
            pending[0].after -= 1
        elif pending:
            failure = pending.pop(0)
            await self._record(Call(method, params, time.monotonic(), failure.status))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        await self._record(Call(method, params, time.monotonic()))
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        body = answer(params) if answer else {"ok": False, "error": "unknown_method"}
        return web.json_response(body)

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.hooks.append(body)
        await self._record(Call("response_url", body, time.monotonic()))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: say hello, then record every acknowledgement the app sends."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})
        await self._record(Call("socket_open", {}, time.monotonic()))
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(message.data)
                self.socket_acks.append(data)
                await self._record(Call("socket_ack", data, time.monotonic()))
        return ws

    async def push(self, envelope: dict[str, Any]) -> None:
        """Deliver a Socket Mode envelope to the connected app."""
        await self.sockets[-1].send_json(envelope)

    # -- Web API methods -------------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        team = OTHER_TEAM if params.get("token") == OTHER_TOKEN else TEAM
        return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "newsdigest",
                "team_id": team, "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """The token exchange at the end of an install; the installing workspace is ``OTHER_TEAM``."""
        if params.get("code") != OAUTH_CODE:
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, "app_id": "A0APP", "access_token": OTHER_TOKEN, "token_type": "bot",
                "scope": "commands,chat:write,users:read,channels:history", "bot_user_id": "UBOT2",
                "team": {"id": OTHER_TEAM, "name": "Other"}, "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": "UINSTALLER"}}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user", "")
        flags = self.users.get(user_id, {})
        return {"ok": True, "user": {"id": user_id, "team_id": TEAM, "name": user_id.lower(), **flags}}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        # Like Slack, the stored and echoed message never carries the caller's token.
        message = {"ts": ts, "bot_id": "BBOT", "user": "UBOT", **{k: v for k, v in params.items() if k != "token"}}
        if isinstance(message.get("blocks"), str):
            message["blocks"] = json.loads(message["blocks"])
        self.messages.append(message)
        if params.get("thread_ts"):
            for parent in self.messages:
                if parent["ts"] == params["thread_ts"]:
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        self.messages = [m for m in self.messages if m["ts"] != params.get("ts")]
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        top = [m for m in reversed(self.messages) if not m.get("thread_ts")]
        return {"ok": True, "messages": top, "has_more": False}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        root = params.get("ts")
        thread = [m for m in self.messages if m["ts"] == root or m.get("thread_ts") == root]
        return {"ok": True, "messages": thread, "has_more": False}


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers of a request signed the way Slack signs it (v0 HMAC-SHA256 of ``v0:ts:body``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}


def slash_body(command: str, text: str, *, response_url: str, user: str = "U0READER",
               channel: str = CHANNEL, team: str = TEAM) -> str:
    """The form body Slack sends for a slash command."""
    return urlencode({
        "token": "legacy", "team_id": team, "team_domain": "test", "channel_id": channel,
        "channel_name": "news", "user_id": user, "user_name": user.lower(), "command": command,
        "text": text, "api_app_id": "A0APP", "response_url": response_url, "trigger_id": "1.2.3",
    })


def action_body(value: str, *, response_url: str, action_id: str, user: str = "U0READER") -> str:
    """The form body Slack sends when someone clicks a button in an (ephemeral) message."""
    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "test"}, "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0APP", "token": "legacy", "trigger_id": "1.2.3", "response_url": response_url,
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
        "channel": {"id": CHANNEL, "name": "news"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                     "action_ts": "1700000000.1"}],
    }
    return urlencode({"payload": json.dumps(payload)})


async def post_signed(url: str, body: str, **sign_kwargs: Any) -> tuple[int, str, float]:
    """POST a signed body; returns (status, text, seconds until the response arrived)."""
    headers = sign(body, **sign_kwargs)
    started = time.monotonic()
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        text = await response.text()
        return response.status, text, time.monotonic() - started


def slack_settings(tmp_path: Path, api_url: str, **slack: Any) -> Settings:
    """Settings for an HTTP-mode adapter talking to the stand-in, on a random free port."""
    values: dict[str, Any] = {
        "config_dir": tmp_path, "data_dir": tmp_path, "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "slack": {"api_url": api_url, "port": 0, **slack},
    }
    return Settings(**values)


class FakeHandler:
    """A CommandHandler that records what it was asked and answers from a script."""

    def __init__(self, reply: CommandReply | None = None, *, gate: asyncio.Event | None = None) -> None:
        self.reply = reply
        self.gate = gate  # when given, every call waits until the test opens it
        self.started = asyncio.Event()
        self.calls: list[tuple[CommandContext, str, str]] = []

    async def __call__(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        self.calls.append((ctx, command, text))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.reply is not None:
            return self.reply
        words = text.split()  # like bot.chat.commands.Commands: a trailing "public" asks for a public brief
        public = bool(words) and words[-1] == "public"
        return BriefReply(sample_brief(" ".join(words[:-1] if public else words) or "help"), public=public)


def sample_brief(query: str, *, stories: int = 2) -> Brief:
    """A brief whose dump text tries every trick: broadcasts, mentions, markup, entities."""
    return Brief(
        query=query,
        label=query.title(),
        matched_by="topic",
        lead=(BriefSentence("Talks resumed <!channel> as @here watched & waited.", 1),),
        stories=tuple(
            StoryLine(article_id=n, headline=f"*Story {n}* <@U999> `x` & co", blurb="A blurb <!here> ~wow~.",
                      credits=("Reuters",), url=f"https://example.com/story/{n}?a=1&b=2")
            for n in range(1, stories + 1)
        ),
    )


@contextlib.asynccontextmanager
async def running_adapter(settings: Settings, handler: CommandHandler, **kwargs: Any) -> AsyncIterator[SlackAdapter]:
    """A started SlackAdapter on 127.0.0.1 (random port), stopped afterwards."""
    adapter = SlackAdapter(settings, handler, host="127.0.0.1", **kwargs)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


def events_url(adapter: SlackAdapter) -> str:
    return f"http://127.0.0.1:{adapter.http_port}/slack/events"

"""The Slack adapter: ``/brief`` and ``/digest`` on a Bolt app, over HTTP or Socket Mode.

A channel is keyed by the installation that owns it: the team (or Enterprise Grid organisation) of
the bot token Bolt authorised the request with, never the caller's ``team_id``, which in a Slack
Connect or Grid shared channel can be another workspace. A caller from another workspace may read
and ask for briefs; changing settings needs the allow-list, since their admin flags are another
workspace's.

Slack gives a slash command 3 seconds. Every listener therefore acks first (an empty 200) and only
then calls the platform-neutral handler, answering through ``response_url``; Bolt returns the ack
as soon as ``ack()`` is awaited and lets the listener finish in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import Engine

from bot.adapters.slack_auth import ManageCheck, ManagePolicy
from bot.adapters.slack_blocks import SlackMessage
from bot.adapters.slack_config import oauth_enabled, resolve_api_url, resolve_port, slack_mode
from bot.adapters.slack_http import HealthCheck, SlackHttpServer
from bot.adapters.slack_poster import SlackPoster, make_client, retry_handlers
from bot.adapters.slack_replies import SHARE_ACTION_ID, brief_message, reply_message
from bot.app.errors import UserError
from bot.app.eventlog import event
from bot.app.settings import Settings
from bot.chat.ports import CommandHandler
from bot.chat.results import DIGEST_MUTATIONS, BriefReply, CommandContext, CommandReply, TextReply

log = logging.getLogger(__name__)


class SlackAdapter:
    """ports.ChatAdapter for Slack. ``poster`` posts digests; ``start``/``stop`` run the transport."""

    platform = "slack"

    def __init__(self, settings: Settings, handler: CommandHandler, *, can_manage: ManageCheck | None = None,
                 health_check: HealthCheck | None = None, installation_store_url: str | None = None,
                 port: int | None = None, host: str = "0.0.0.0",
                 web_routes: Callable[[web.Application], None] | None = None) -> None:
        mode = slack_mode(settings)
        if mode is None:
            raise UserError("Slack needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) plus "
                            "SLACK_SIGNING_SECRET for HTTP mode or SLACK_APP_TOKEN for Socket Mode")
        self.mode = mode
        self._settings = settings
        self._handler = handler
        self._policy = ManagePolicy.from_settings(settings.slack)
        self._can_manage: ManageCheck = can_manage or self._policy
        self._engine: Engine | None = None
        self._socket: AsyncSocketModeHandler | None = None

        api_url = resolve_api_url(settings)
        signing = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        if oauth_enabled(settings):
            # Imported here: slack_sdk's SQLAlchemy stores pull in sqlalchemy.ext.asyncio (and greenlet).
            from bot.adapters.slack_oauth import installation_store, oauth_settings
            from bot.store.db import make_engine

            client_id = settings.slack_client_id or ""
            secret = settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
            self._engine = make_engine(installation_store_url or settings.resolved_database_url,
                                       busy_timeout=settings.database_busy_timeout)
            store = installation_store(self._engine, client_id)
            client = make_client(None, api_url)
            self.bolt = AsyncApp(signing_secret=signing, client=client,
                                 oauth_settings=oauth_settings(self._engine, store, client_id, secret),
                                 installation_store_bot_only=True, request_verification_enabled=mode == "http")
            self.poster = SlackPoster(client, store.bot_token)
        else:
            token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
            client = make_client(token, api_url)
            self.bolt = AsyncApp(signing_secret=signing, client=client, request_verification_enabled=mode == "http")

            async def single_token(_team: str) -> str | None:
                return token

            self.poster = SlackPoster(client, single_token)
        self._client = client
        self.http = SlackHttpServer(self.bolt, host=host, port=resolve_port(settings, port),
                                    health_check=health_check, serve_events=mode == "http",
                                    extra_routes=web_routes)
        self.bolt.command("/brief")(self._on_brief)
        self.bolt.command("/digest")(self._on_digest)
        self.bolt.action(SHARE_ACTION_ID)(self._on_share)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve HTTP (events, OAuth, /healthz); in Socket Mode also open the WebSocket."""
        await self.http.start()
        if self.mode == "socket":
            app_token = self._settings.slack_app_token
            assert app_token is not None  # slack_mode() only says "socket" with an app token
            self._socket = AsyncSocketModeHandler(self.bolt, app_token.get_secret_value(), web_client=self._client)
            await self._socket.connect_async()
        event(log, "slack_started", mode=self.mode, port=self.http.port)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.http.stop()
        if self._engine is not None:
            self._engine.dispose()

    # -- listeners -----------------------------------------------------------------------------

    async def _on_brief(self, ack: Any, command: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        ctx = _context(_owner(context, command["team_id"]), command["channel_id"], command["user_id"])
        # The handler reads a trailing "public" itself (BriefReply.public): adapters parse nothing.
        reply = await self._call(ctx, "brief", " ".join(command.get("text", "").split()))
        public = isinstance(reply, BriefReply) and reply.public and not reply.brief.empty
        message = reply_message(reply, shareable=not public)
        await self._respond(command["response_url"], message, in_channel=public)

    async def _on_digest(self, ack: Any, command: dict[str, Any], client: AsyncWebClient,
                         context: AsyncBoltContext) -> None:
        await ack()
        team, user = _owner(context, command["team_id"]), command["user_id"]
        guest = _is_guest(context, command)
        words = command.get("text", "").split()
        # Reading settings is for everyone: ask users.info only when the subcommand changes something.
        may = bool(words) and words[0].casefold() in DIGEST_MUTATIONS and (
            user in self._policy.admin_user_ids if guest else await self._can_manage(team, user, client))
        hint = self._policy.guest_hint if guest else self._policy.hint
        ctx = _context(team, command["channel_id"], user, can_manage=may, manage_hint=hint)
        reply = await self._call(ctx, "digest", " ".join(words))
        await self._respond(command["response_url"], reply_message(reply, trusted=self._policy.hint), in_channel=False)

    async def _on_share(self, ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        # Slack does not send an ephemeral message's content back with the click, so the brief is
        # rebuilt from the query the button carries (it may have gained a story in between).
        await ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id", "")
        ctx = _context(_owner(context, body["team"]["id"]), channel, user)
        query = body["actions"][0].get("value", "")
        reply = await self._call(ctx, "brief", query)
        if not isinstance(reply, BriefReply) or reply.brief.empty:
            await self._respond(body["response_url"], reply_message(reply, shareable=False), in_channel=False)
            return
        message = brief_message(reply.brief, shareable=False, shared_by=user)
        if await self._respond(body["response_url"], message, in_channel=True):
            await self._send(body["response_url"], {"delete_original": True})  # the private copy is now noise

    # -- helpers -------------------------------------------------------------------------------

    async def _call(self, ctx: CommandContext, command: str, text: str) -> CommandReply:
        """The handler's reply; user errors become a refusal, anything else a short apology."""
        try:
            return await self._handler(ctx, command, text)
        except UserError as exc:
            return TextReply(str(exc), ok=False)
        except Exception:
            log.exception("slack command failed")
            event(log, "error", level=logging.ERROR, where=f"slack /{command}", channel=ctx.channel)
            return TextReply("Sorry, that failed on our side; it has been logged. Please try again.", ok=False)

    async def _respond(self, response_url: str, message: SlackMessage, *, in_channel: bool) -> bool:
        body = {
            "response_type": "in_channel" if in_channel else "ephemeral",
            "replace_original": False,
            "text": message.text,
            "blocks": list(message.blocks),
        }
        return await self._send(response_url, body)

    async def _send(self, response_url: str, body: dict[str, Any]) -> bool:
        try:
            response = await AsyncWebhookClient(response_url, retry_handlers=retry_handlers()).send_dict(body)
        except Exception as exc:  # the user only misses one reply; never let it kill the listener task
            event(log, "slack_reply_failed", level=logging.WARNING, error=repr(exc))
            return False
        if response.status_code != 200:
            event(log, "slack_reply_failed", level=logging.WARNING, status=response.status_code, body=response.body)
        return response.status_code == 200

    @property
    def http_port(self) -> int:
        """The port the HTTP server listens on (useful with ``port=0``)."""
        return self.http.port


def _owner(context: AsyncBoltContext, caller_team: str) -> str:
    """The workspace (or Grid organisation, for an org-wide install) whose bot token serves this request."""
    auth = context.authorize_result
    if auth is None:  # not reached: Bolt authorises every command and action before a listener runs
        return caller_team
    return auth.team_id or auth.enterprise_id or caller_team


def _is_guest(context: AsyncBoltContext, command: dict[str, Any]) -> bool:
    """True when the caller belongs to another workspace than the installation (a shared channel)."""
    auth = context.authorize_result
    if auth is None:
        return False
    if auth.team_id:
        return bool(command.get("team_id")) and command["team_id"] != auth.team_id
    return (command.get("enterprise_id") or None) != auth.enterprise_id  # an org-wide install: the whole org


def _context(team: str, channel: str, user: str, *, can_manage: bool = False,
             manage_hint: str = "a channel manager") -> CommandContext:
    return CommandContext(platform="slack", workspace=team, channel=channel, user_id=user,
                          can_manage=can_manage, manage_hint=manage_hint)

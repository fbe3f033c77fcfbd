"""Multi-workspace install (OAuth v2) with slack_sdk's SQLAlchemy stores in newsdigest's database.

slack_sdk's async SQLAlchemy stores need an async driver (aiosqlite, asyncpg) that newsdigest does
not ship; the sync stores run on the engine we already have, so they are wrapped here and called
through ``asyncio.to_thread``, the same way the rest of the async code reaches the store.
Their tables (``slack_installations``, ``slack_bots``, ``slack_oauth_states``) are created by the
Alembic migration ``0003_slack_oauth``, not by ``create_tables()``, so the schema stays owned by
Alembic; a test checks the migration matches slack_sdk's table definitions.
"""

from __future__ import annotations

import asyncio
import logging
from logging import Logger

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.adapters.slack_config import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH

log = logging.getLogger(__name__)
STATE_EXPIRATION_SECONDS = 600


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's sync SQLAlchemy installation store, off the event loop."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        return await asyncio.to_thread(self.store.find_bot, enterprise_id=enterprise_id, team_id=team_id,
                                       is_enterprise_install=is_enterprise_install)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        return await asyncio.to_thread(self.store.find_installation, enterprise_id=enterprise_id, team_id=team_id,
                                       user_id=user_id, is_enterprise_install=is_enterprise_install)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await asyncio.to_thread(self.store.delete_installation, enterprise_id=enterprise_id, team_id=team_id,
                                user_id=user_id)

    async def bot_token(self, team_id: str) -> str | None:
        """The bot token of an installed workspace (or ``E...`` org-wide install), for posting outside a request."""
        if team_id.startswith("E"):  # a channel keyed by an Enterprise Grid organisation: its org-wide install
            bot = await self.async_find_bot(enterprise_id=team_id, team_id=None, is_enterprise_install=True)
        else:
            bot = await self.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot else None


class ThreadedStateStore(AsyncOAuthStateStore):
    """slack_sdk's sync SQLAlchemy OAuth state store, off the event loop."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def installation_store(engine: Engine, client_id: str) -> ThreadedInstallationStore:
    return ThreadedInstallationStore(SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log))


def oauth_settings(engine: Engine, store: ThreadedInstallationStore, client_id: str,
                   client_secret: str) -> AsyncOAuthSettings:
    """Bolt's OAuth settings: install at /slack/install, redirect back to /slack/oauth_redirect."""
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        installation_store_bot_only=True,  # we never act as a user, so only bot tokens are looked up
        state_store=ThreadedStateStore(SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=log)),
    )

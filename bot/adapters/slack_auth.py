"""Who may change a channel's digest settings: workspace admins/owners and/or an allow-list.

Reading (topics, settings, help, briefs) is open to everyone; only changes need this answer. The
allow-list is checked first because it costs no API call; ``users.info`` is asked only when the
policy lets admins manage and the caller is not already allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.eventlog import event
from bot.app.settings import SlackSettings

log = logging.getLogger(__name__)

# (team_id, user_id, client with that workspace's token) -> may this user change settings?
ManageCheck = Callable[[str, str, AsyncWebClient], Awaitable[bool]]


class ManagePolicy:
    """The configured rule, plus the sentence that tells a refused user who can do it."""

    def __init__(self, *, admin_user_ids: tuple[str, ...] = (), admins_may_manage: bool = True) -> None:
        self.admin_user_ids = frozenset(admin_user_ids)
        self.admins_may_manage = admins_may_manage
        self._ordered = tuple(admin_user_ids)

    @classmethod
    def from_settings(cls, settings: SlackSettings) -> ManagePolicy:
        return cls(admin_user_ids=settings.admin_user_ids, admins_may_manage=settings.admins_may_manage)

    @property
    def hint(self) -> str:
        """E.g. "workspace admins and owners or <@U1>, <@U2>" (mentions in an ephemeral reply never notify)."""
        parts: list[str] = []
        if self.admins_may_manage:
            parts.append("workspace admins and owners")
        if self._ordered:
            parts.append(", ".join(f"<@{user}>" for user in self._ordered))
        return " or ".join(parts) or "nobody yet (set slack.admin_user_ids in settings.toml)"

    @property
    def guest_hint(self) -> str:
        """The hint for a caller from another workspace (a shared channel): their admin flags do not count here."""
        return self.hint.replace("workspace admins and owners", "admins and owners of the workspace that installed "
                                 "newsdigest", 1)

    async def __call__(self, team_id: str, user_id: str, client: AsyncWebClient) -> bool:
        """True when ``user_id`` may change channel settings in ``team_id``."""
        if user_id in self.admin_user_ids:
            return True
        if not self.admins_may_manage:
            return False
        try:
            response = await client.users_info(user=user_id)
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            # Fail closed: a refusal that names who can do it is better than an unchecked change.
            event(log, "slack_admin_check_failed", level=logging.WARNING, team=team_id, user=user_id, error=str(exc))
            return False
        user = response.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

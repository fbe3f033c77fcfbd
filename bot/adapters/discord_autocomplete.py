"""Autocomplete choices: configured topics, the day's frequent story keywords, IANA time zones.

Discord drops an autocomplete answer that takes longer than 3 seconds and shows at most 25 choices
of at most 100 characters, so the sources are bounded here and a slow keyword source is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import zoneinfo
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import cached_property

from discord import app_commands

log = logging.getLogger(__name__)

MAX_CHOICES = 25
CHOICE_LIMIT = 100
KEYWORD_TIMEOUT = 1.5  # seconds; leaves headroom inside Discord's 3-second autocomplete deadline

TopicNames = Callable[[], Sequence[str]]
Keywords = Callable[[], Awaitable[Sequence[str]]]


def matching(candidates: Iterable[str], current: str, *, limit: int = MAX_CHOICES) -> list[str]:
    """Candidates containing ``current`` (case-insensitive), prefix matches first, duplicates dropped."""
    needle = current.strip().casefold()
    seen: set[str] = set()
    prefix: list[str] = []
    inside: list[str] = []
    for name in candidates:
        key = name.casefold()
        if not name or len(name) > CHOICE_LIMIT or key in seen:
            continue
        seen.add(key)
        if key.startswith(needle):
            prefix.append(name)
        elif needle in key:
            inside.append(name)
    return (prefix + inside)[:limit]


def _choices(values: Iterable[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=v, value=v) for v in values]


class Suggester:
    """Builds autocomplete choices from the injected sources; every source is optional."""

    def __init__(self, topic_names: TopicNames | None = None, keywords: Keywords | None = None) -> None:
        self._topic_names = topic_names
        self._keywords = keywords

    def _topics(self) -> list[str]:
        if self._topic_names is None:
            return []
        try:
            return list(self._topic_names())
        except Exception:  # a broken source must not break typing in Discord
            log.exception("topic names for autocomplete failed")
            return []

    async def _keyword_list(self) -> list[str]:
        if self._keywords is None:
            return []
        try:
            return list(await asyncio.wait_for(self._keywords(), KEYWORD_TIMEOUT))
        except Exception:
            log.warning("story keywords for autocomplete unavailable", exc_info=True)
            return []

    def topics(self, current: str) -> list[app_commands.Choice[str]]:
        """Configured topics matching ``current``."""
        return _choices(matching(self._topics(), current))

    async def topics_and_keywords(self, current: str) -> list[app_commands.Choice[str]]:
        """Configured topics, then today's frequent story keywords, matching ``current``."""
        return _choices(matching([*self._topics(), *await self._keyword_list()], current))

    def topic_list(self, current: str) -> list[app_commands.Choice[str]]:
        """For a space-separated list: complete the last word, keeping the words before it."""
        head, _, last = current.rpartition(" ") if not current.endswith(" ") else (current.rstrip(), " ", "")
        head = re.sub(r"\s+", " ", head).strip()
        chosen = {w.casefold() for w in head.split()}
        names = [n for n in self._topics() if n.casefold() not in chosen]
        prefix = f"{head} " if head else ""
        return _choices(v for v in (prefix + n for n in matching(names, last)) if len(v) <= CHOICE_LIMIT)

    @cached_property
    def _zones(self) -> list[str]:
        # Read once per process: the tz database does not change while the bot runs.
        return sorted(zoneinfo.available_timezones())

    def timezones(self, current: str) -> list[app_commands.Choice[str]]:
        """IANA time zone names matching ``current`` (``london`` finds ``Europe/London``)."""
        return _choices(matching(self._zones, current.replace(" ", "_")))

"""The day's most frequent story keywords (headline words), for Discord's ``/brief`` autocomplete."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.store.models import ArticleRow

if TYPE_CHECKING:
    from bot.app.bootstrap import App

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{3,}")
_STOP_WORDS = """about after against amid among before being between could during first from have into just more
most over said says than that their them there these they this those under were what when where which while will
with would year years week report reports news new"""
_STOP = frozenset(_STOP_WORDS.split())
_POSSESSIVE = re.compile(r"['’]s$")


def top_keywords(titles: Sequence[str], n: int = 25) -> list[str]:
    """Words that head the most headlines (each counted once per headline), most frequent first."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for title in titles:
        words = {_POSSESSIVE.sub("", w).strip("'’-") for w in _WORD.findall(title)}
        for key in {w.casefold() for w in words} - _STOP:
            counts[key] += 1
        for word in sorted(words):  # capitalised spellings sort first: "Gold" is shown rather than "gold"
            shown.setdefault(word.casefold(), word)
    return [shown[k] for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def story_keywords(app: App, *, window: timedelta = timedelta(hours=24)) -> Callable[[], Awaitable[list[str]]]:
    """An async callable: the keywords of stories ingested in the last ``window``."""

    def titles() -> list[str]:
        since = datetime.now(UTC) - window
        with app.sessions() as session:
            return list(session.scalars(select(ArticleRow.title).where(ArticleRow.ingested_at >= since,
                                                                      ArticleRow.superseded_by_id.is_(None))))

    async def keywords() -> list[str]:
        return top_keywords(await asyncio.to_thread(titles))

    return keywords

"""Re-sent stories: when a newer version of a stored story arrives, the older one is marked superseded.

A wire story re-filed with one new paragraph has a different fingerprint, so ingest stores it; this
module then asks ``summarizer.stories`` whether the two are versions of one text and keeps the newer.
If that library is not installed yet (it lands separately), nothing is marked: ingest still works.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import Any

from bot.app.timeutil import utc
from bot.store.articles import ArticleRepository
from summarizer.models import Article

log = logging.getLogger(__name__)
CANDIDATE_LIMIT = 1000  # recent articles compared with each new one


def stories_library() -> ModuleType | None:
    """``summarizer.stories``, imported on first use (it pulls in scikit-learn); None if it can't load."""
    try:
        return importlib.import_module("summarizer.stories")
    except ImportError:
        return None


def _text(title: str, body: str) -> str:
    return f"{title}\n\n{body}"


class RevisionFinder:
    """Compares newly stored articles with recent ones and marks the copies that lost as superseded.

    One finder serves a whole ``ingest_paths`` run: the index of recent stories is built once (about a
    millisecond per story) and then follows each committed dump, instead of being rebuilt per file.
    """

    def __init__(self, stories: Any | None = None) -> None:
        """``stories``: anything with the ``summarizer.stories`` API (a fake in tests); default: that module."""
        self.stories = stories if stories is not None else stories_library()
        self._index: Any | None = None
        self._versions: dict[str, Any] = {}

    def reset(self) -> None:
        """Forget the index (call when a dump's transaction rolled back: it may hold ids that never existed)."""
        self._index, self._versions = None, {}

    def _load(self, lib: Any, repo: ArticleRepository, since: datetime, skip: set[int]) -> Any:
        index = lib.NearDuplicateIndex()
        for old in repo.list_articles(since=since, limit=CANDIDATE_LIMIT):
            if old.id not in skip:
                version = lib.Version(str(old.id), _text(old.title, old.body), old.published_at, old.truncated)
                self._versions[version.id] = version
                index.add(version.id, version.text)
        return index

    def mark(self, repo: ArticleRepository, created: Sequence[tuple[int, Article]], *, since: datetime) -> list[int]:
        """Mark superseded versions among recent articles and ``created``; return the superseded ids."""
        lib = self.stories
        if lib is None or not created:
            return []
        if self._index is None:
            self._index = self._load(lib, repo, since, {i for i, _ in created})
        index, versions = self._index, self._versions
        superseded: list[int] = []
        for new_id, article in created:
            published = utc(article.published_at) if article.published_at else None  # comparable with stored
            new = lib.Version(str(new_id), _text(article.title, article.body), published, article.truncated)
            for cand in index.find(new.text):
                if cand not in versions:
                    continue
                # pick_newer: a complete copy beats a truncated one, a longer revision beats its first
                # version, otherwise the later one wins.
                loser, winner = (cand, new.id) if lib.pick_newer(versions[cand], new) is new else (new.id, cand)
                repo.mark_superseded(int(loser), int(winner))
                superseded.append(int(loser))
                index.remove(loser)
                versions.pop(loser, None)
                if loser == new.id:
                    break
            else:
                versions[new.id] = new
                index.add(new.id, new.text)
        if superseded:
            log.info("revisions superseded=%s", superseded)
        return superseded

"""Re-sent stories: when a newer version of a stored story arrives, the older one is marked superseded.

A wire story re-filed with one new paragraph has a different fingerprint, so ingest stores it; this
module then asks ``summarizer.stories`` whether the two are versions of one text and keeps the newer.
That library is imported on the first new story only: a re-sent dump of duplicates never loads it.
If it cannot load, nothing is marked.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import ModuleType
from typing import Any

from bot.app.timeutil import utc
from bot.store.articles import ArticleRepository, StoredArticle
from summarizer.models import Article

log = logging.getLogger(__name__)
CANDIDATE_LIMIT = 1000  # recent stored articles loaded into the window when it is first needed
WINDOW = 5000  # versions the window holds at most: the oldest leave as new ones come in


def stories_library() -> ModuleType | None:
    """``summarizer.stories``, imported on first use (it is heavy); None if it can't load."""
    try:
        return importlib.import_module("summarizer.stories")
    except ImportError:
        return None


def _text(title: str, body: str) -> str:
    return f"{title}\n\n{body}"


def _identity(guid: str, scope: str | None) -> str:
    """An item's identity for telling near-duplicates apart: its guid, within its source when known."""
    return guid if scope is None else f"{scope}\x00{guid}"


class RevisionFinder:
    """Compares newly stored articles with recent ones and marks the copies that lost as superseded.

    One finder serves a whole ``ingest_paths`` run. Its state is a bounded window: the most recent
    ``CANDIDATE_LIMIT`` stored articles (read once, when the first new story arrives), then every new
    story, the oldest dropped beyond ``WINDOW`` versions, so a run of any length holds the same memory.
    The window keeps ids, guids and MinHash signatures (about 0.7 KB a version), not texts: the few
    versions a new story matches are read back from the store to decide which copy stays.
    """

    def __init__(self, stories: Any | None = None, *, window: int = WINDOW) -> None:
        """``stories``: anything with the ``summarizer.stories`` API (a fake in tests); default: that module."""
        self._given = stories
        self._lib: Any | None = None
        self._loaded = False
        self.window = window
        self._index: Any | None = None
        self._versions: dict[str, None] = {}  # the window's version ids; insertion order = age, oldest first
        self._guids: dict[str, str] = {}  # version id -> item guid, for the versions in the window that have one

    @property
    def stories(self) -> Any | None:
        if not self._loaded:
            self._lib = self._given if self._given is not None else stories_library()
            self._loaded = True
        return self._lib

    def reset(self) -> None:
        """Forget the window (call when a transaction rolled back: it may hold ids that never existed)."""
        self._index, self._versions, self._guids = None, {}, {}

    def __len__(self) -> int:
        return len(self._versions)

    def _remember(self, doc_id: str, text: str) -> None:
        assert self._index is not None
        self._versions[doc_id] = None
        self._index.add(doc_id, text)
        while len(self._versions) > self.window:
            oldest = next(iter(self._versions))
            self._versions.pop(oldest)
            self._guids.pop(oldest, None)
            self._index.remove(oldest)

    def _load(self, lib: Any, repo: ArticleRepository, since: datetime, skip: set[int]) -> None:
        self._index, self._versions, self._guids = lib.NearDuplicateIndex(), {}, {}
        recent = repo.list_articles(since=since, limit=min(CANDIDATE_LIMIT, self.window))
        for old in reversed(recent):  # oldest first, so the oldest leave the window first
            if old.id not in skip:
                if old.guid:
                    self._guids[str(old.id)] = _identity(old.guid, old.guid_scope)
                self._remember(str(old.id), _text(old.title, old.body))

    def _candidates(self, lib: Any, repo: ArticleRepository, new_id: int, article: Article, text: str,
                    scope: str | None, texts: dict[str, Any]) -> list[str]:
        """Earlier versions of a new article: the same guid first, then near-duplicate texts.

        Two items with different guids are two stories however alike their texts (a shared
        boilerplate body), so a near-duplicate with another guid is never a candidate. The versions
        found by guid are put in ``texts`` (they were read whole).
        """
        found: list[str] = []
        mine = _identity(article.guid, scope) if article.guid else None
        if article.guid:
            for old in repo.with_guid(article.guid, scope=scope, exclude=new_id):
                key = str(old.id)
                if key not in self._versions:
                    self._versions[key] = None
                    self._guids[key] = _identity(old.guid or article.guid, old.guid_scope)
                texts[key] = _version(lib, old)
                found.append(key)
        for cand in self._index.find(text) if self._index is not None else ():
            other = self._guids.get(cand)
            if cand not in found and not (mine and other and other != mine):
                found.append(cand)
        return found

    def mark(self, repo: ArticleRepository, created: Sequence[tuple[int, Article]], *, since: datetime,
             guid_scope: str | None = None) -> list[int]:
        """Mark superseded versions among recent articles and ``created``; return the superseded ids.

        ``guid_scope``: the polled source ``created`` came from (its guids are that source's)."""
        if not created:
            return []
        lib = self.stories
        if lib is None:
            return []
        if self._index is None:
            self._load(lib, repo, since, {i for i, _ in created})
        index, versions = self._index, self._versions
        assert index is not None
        superseded: list[int] = []
        pending: list[tuple[int, int]] = []  # (loser, winner) not yet written: one statement for the batch
        texts: dict[str, Any] = {}  # this call's versions read whole: the new ones and those matched
        for new_id, article in created:
            if article.guid and pending:  # its guid's versions are read from the store: write what lost first
                repo.mark_superseded_many(pending)
                pending.clear()
            published = utc(article.published_at) if article.published_at else None  # comparable with stored
            new = lib.Version(str(new_id), _text(article.title, article.body), published, article.truncated)
            texts[new.id] = new
            if article.guid:
                self._guids[new.id] = _identity(article.guid, guid_scope)
            found = self._candidates(lib, repo, new_id, article, new.text, guid_scope, texts)
            texts.update(_read(lib, repo, (c for c in found if c in versions and c not in texts)))
            for cand in found:
                if cand not in versions or cand not in texts:  # gone: superseded, or no longer stored
                    continue
                # pick_newer: a complete copy beats a truncated one, a longer revision beats its first
                # version, otherwise the later one wins.
                loser, winner = (cand, new.id) if lib.pick_newer(texts[cand], new) is new else (new.id, cand)
                pending.append((int(loser), int(winner)))
                superseded.append(int(loser))
                index.remove(loser)
                versions.pop(loser, None)
                self._guids.pop(loser, None)
                if loser == new.id:
                    break
            else:
                self._remember(new.id, new.text)
        repo.mark_superseded_many(pending)
        if superseded:
            log.info("revisions superseded=%s", superseded)
        return superseded


def _version(lib: Any, stored: StoredArticle) -> Any:
    return lib.Version(str(stored.id), _text(stored.title, stored.body), stored.published_at, stored.truncated)


def _read(lib: Any, repo: ArticleRepository, ids: Iterable[str]) -> dict[str, Any]:
    """Versions of window members, read from the store (the window keeps no texts)."""
    wanted = [int(i) for i in ids]
    return {str(a.id): _version(lib, a) for a in repo.get_many(wanted, with_topics=False)} if wanted else {}

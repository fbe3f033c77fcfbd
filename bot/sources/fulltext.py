"""Summary-only feeds: fetch each new item's page and extract the article text (trafilatura).

Only for sources with ``full_text = true``; pages go through the same Fetcher (User-Agent, per-host
limit, timeout, size cap), only for items not stored yet, at most ``limit`` pages per poll. An item
whose page fails or yields less text than the feed keeps the feed's text; a headline-only item (which
a file ingest skips as "no text") is stored when its page has text, and stays skipped otherwise. Items
already stored are left out: their stored text came from the page, and the feed's summary of them is
not a second story.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ingest.language import detect_language
from bot.sources.fetcher import Fetcher
from bot.store.models import ArticleRow
from summarizer.models import Article, Block

log = logging.getLogger(__name__)

HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# Fewer words than this extracted from a page is no article (what trafilatura finds on a menu-only page).
MIN_PAGE_WORDS = 20


@dataclass(frozen=True, slots=True)
class FullTextReport:
    pages: int = 0  # pages fetched
    filled: int = 0  # items whose text came from their page
    failed: int = 0  # pages that could not be fetched or yielded nothing better
    known: int = 0  # items already stored (left out)
    resolved: frozenset[str] = frozenset()  # URLs of headline-only items now stories (or stored before)


def extract_paragraphs(html: bytes, *, url: str | None = None, title: str | None = None) -> list[str]:
    """The article's paragraphs from a web page, boilerplate (menus, footers, comments) left out."""
    import trafilatura

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False,
                               favor_precision=True, deduplicate=True)
    paragraphs = [p.strip() for p in (text or "").split("\n") if p.strip()]
    if paragraphs and title and paragraphs[0].casefold() == title.strip().casefold():
        paragraphs = paragraphs[1:]  # the page's headline is the story's title, not its first paragraph
    return paragraphs


def stored_urls(sessions: sessionmaker[Session], urls: Sequence[str]) -> set[str]:
    """Which of ``urls`` already belong to a stored story (their pages were fetched before)."""
    if not urls:
        return set()
    with sessions() as session:
        return set(session.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(list(urls)))))


async def fill_full_text(articles: Sequence[Article], fetcher: Fetcher, sessions: sessionmaker[Session], *,
                         limit: int, stubs: Sequence[Article] = ()) -> tuple[list[Article], FullTextReport]:
    """The items not stored yet, with the text of their pages where that is longer than the feed's.

    ``stubs`` are headline-only items (no blocks): one becomes a story only when its page has text,
    otherwise it stays out (skipped as "no text" by the caller). They are fetched first: without their
    page they are no story at all, while the other items only gain text.
    """
    everything = [*stubs, *articles]
    urls = [a.url for a in everything if a.url]
    known = await asyncio.to_thread(stored_urls, sessions, urls)
    fresh = [a for a in everything if a.url not in known]
    todo = [i for i, a in enumerate(fresh) if a.url][:limit]
    out = list(fresh)

    async def one(i: int) -> bool:
        article = fresh[i]
        assert article.url is not None
        page = await fetcher.fetch(article.url, accept=HTML_ACCEPT)
        if page.status != "ok":
            log.info("full text: %s: %s", article.url, page.error)
            return False
        paragraphs = await asyncio.to_thread(extract_paragraphs, page.body, url=page.url, title=article.title)
        words = sum(len(p.split()) for p in paragraphs)
        if words < MIN_PAGE_WORDS or sum(map(len, paragraphs)) <= len(article.body):
            return False  # no article on the page (an index, a paywall stub, a menu), or less than the feed
        out[i] = replace(article, blocks=tuple(Block("paragraph", p) for p in paragraphs),
                         language=article.language or detect_language(article.title, tuple(paragraphs)))
        return True

    results = await asyncio.gather(*(one(i) for i in todo))
    filled = sum(results)
    stories = [a for a in out if a.blocks]
    stub_urls = {a.url for a in stubs if a.url}
    resolved = frozenset(u for u in stub_urls if u in known or any(a.url == u for a in stories))
    return stories, FullTextReport(pages=len(todo), filled=filled, failed=len(todo) - filled,
                                   known=len(everything) - len(fresh), resolved=resolved)

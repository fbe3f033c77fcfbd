"""What ranking needs to know about one sentence, worked out once per text and language.

A topic brief reads each story more than once (the lead paragraph over all stories, then a blurb per
story, an alternative line when the lead already says the blurb), and a digest pass reads the same
stories for many channels. Tokens, terms and the readability checks depend on the sentence's text and
language alone, so they are memoised here (bounded LRU caches) rather than recomputed per call.
:func:`summarizer.rank.clear_caches` empties these and the other per-text caches (to time a cold brief).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from summarizer.readability import needs_context, usable
from summarizer.text import terms_of, tokens, word_count

FACTS_CACHE_SIZE = 32_768  # sentences; a few MB, several hundred stories' worth


@dataclass(frozen=True, slots=True)
class Facts:
    """One sentence's tokens (as written), content terms, word count and readability flags."""

    tokens: tuple[str, ...]
    terms: tuple[str, ...]
    n_words: int
    usable: bool  # may appear in a brief at all (not a fragment, furniture or half a quote)
    context: bool  # leans on a previous sentence: may not open a brief


@lru_cache(maxsize=FACTS_CACHE_SIZE)
def facts(text: str, lang: str) -> Facts:
    """The :class:`Facts` of a sentence in ``lang`` (cached)."""
    toks = tokens(text)
    n_words = word_count(text)
    return Facts(tuple(toks), tuple(terms_of(toks, lang)), n_words, usable(text, n_words=n_words, lang=lang),
                 needs_context(text, lang))


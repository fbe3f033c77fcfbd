"""One assignment pass's TF-IDF vectors as numpy arrays: a report against all its candidates in a few array operations.

Story assignment compares every new report (and, when settling, every recent one) with up to 50
candidates. Comparing them one pair at a time in Python (a dict of weights per report, a set
intersection per pair) was the largest part of assignment; here each report is two arrays kept for
the whole run (:meth:`bot.ingest.story_cache.StoryCache.arrays`: word columns, sublinear term
frequencies), weighed with the pass's IDF when used, and one report's similarities to all its
candidates are a gather, a product and two segmented sums over their concatenated arrays. The values
are those of :func:`summarizer.events.similarity_to` and of the clustering's matrix (the same cosine
of the same unit vectors, up to the order of a float sum: ``tests/unit/test_story_vectors.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bot.ingest.story_cache import StoryCache
from summarizer.events import EventFeatures


class PassVectors:
    """The IDF of one pass (it does not move during one) by word column, and what is computed with it."""

    def __init__(self, cache: StoryCache, idf: Callable[[str], float]) -> None:
        self.cache, self._idf = cache, idf
        self._generation = cache.generation
        self._weights = np.full(1024, np.nan)  # IDF by column, NaN until first needed
        self._dense = np.zeros(1024)  # one report's unit vector spread over the columns (zero after use)

    def _weighed(self, cols: np.ndarray) -> np.ndarray:
        """The IDF of each column; the words' statistics must be in memory (the caller loads them first)."""
        if self._generation != self.cache.generation:  # renumbered (between passes only)
            self._generation, self._weights = self.cache.generation, np.full(1024, np.nan)
        size = len(self.cache.words)
        if size > len(self._weights):
            grown = np.full(max(size, 2 * len(self._weights)), np.nan)
            grown[:len(self._weights)] = self._weights
            self._weights = grown
        found = self._weights[cols]
        missing = np.isnan(found)
        if missing.any():
            words, idf = self.cache.words, self._idf
            for col in np.unique(cols[missing]).tolist():
                self._weights[col] = idf(words[col])
            found = self._weights[cols]
        return found

    def _concatenated(self, reports: Sequence[tuple[int, EventFeatures]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(columns, weights, length of each report) of ``reports``, one after another."""
        rows = [self.cache.arrays(i, f) for i, f in reports]
        lengths = np.fromiter((len(c) for c, _ in rows), dtype=np.int64, count=len(rows))
        if not rows or not lengths.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0), lengths
        cols = np.concatenate([c for c, _ in rows])
        return cols, np.concatenate([t for _, t in rows]) * self._weighed(cols), lengths

    def similarities(self, article_id: int, features: EventFeatures,
                     candidates: Sequence[tuple[int, EventFeatures]]) -> np.ndarray:
        """Cosine of ``article_id``'s TF-IDF vector with each candidate's, clipped to [0, 1], in their order.

        No name veto here: the caller applies it (candidates come from the name index, so they share one).
        """
        out = np.zeros(len(candidates))
        mine_cols, mine = self._concatenated([(article_id, features)])[:2]
        if not len(mine_cols) or not candidates:
            return out
        cols, weights, lengths = self._concatenated(candidates)
        filled = lengths > 0
        if not filled.any():
            return out
        starts = np.zeros(int(filled.sum()), dtype=np.int64)
        np.cumsum(lengths[filled][:-1], out=starts[1:])
        if len(self.cache.words) > len(self._dense):
            self._dense = np.zeros(max(len(self.cache.words), 2 * len(self._dense)))
        dense = self._dense
        dense[mine_cols] = mine / np.sqrt(mine @ mine)
        try:
            dots = np.add.reduceat(dense[cols] * weights, starts)
        finally:
            dense[mine_cols] = 0.0
        out[filled] = dots / np.sqrt(np.add.reduceat(weights * weights, starts))
        return np.clip(out, 0.0, 1.0, out=out)

    def unit_rows(self, reports: Sequence[tuple[int, EventFeatures]]) -> np.ndarray:
        """Dense L2-normalised TF-IDF rows of ``reports`` over their own words (the clustering's input)."""
        cols, weights, lengths = self._concatenated(reports)
        if not len(cols):
            return np.zeros((len(reports), 1))
        local, inverse = np.unique(cols, return_inverse=True)
        rows = np.zeros((len(reports), len(local)))
        rows[np.repeat(np.arange(len(reports)), lengths), inverse] = weights
        norms = np.linalg.norm(rows, axis=1)
        norms[norms == 0] = 1.0
        return rows / norms[:, None]

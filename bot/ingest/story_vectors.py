"""One assignment pass's TF-IDF vectors as numpy arrays: a report against all its candidates in a few array operations.

Story assignment compares every new report (and, when settling, every recent one) with up to 50
candidates. Comparing them one pair at a time in Python (a dict of weights per report, a set
intersection per pair) was the largest part of assignment; here each report is two arrays (word
ids in the pass's vocabulary, sublinear term frequencies), and one report's similarities to all its
candidates are a gather, a product and a segmented sum over their concatenated arrays. The values
are those of :func:`summarizer.events.similarity_to` (the same cosine of the same unit vectors, up
to the order of a float sum: ``tests/unit/test_story_vectors.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from summarizer.events import EventFeatures


class PassVectors:
    """Word ids, IDF and per-report arrays for one pass (the IDF does not move during one)."""

    def __init__(self, idf: Callable[[str], float]) -> None:
        self._idf = idf
        self._ids: dict[str, int] = {}
        self._weights: list[float] = []
        self._weight_array = np.zeros(1024)
        self._filled = 0  # weights copied into _weight_array
        self._dense = np.zeros(1024)  # one report's unit vector spread over the vocabulary (zero after use)
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # report id -> (word ids, unit weights)

    def forget(self, article_id: int) -> None:
        self._rows.pop(article_id, None)

    def _row(self, article_id: int, features: EventFeatures) -> tuple[np.ndarray, np.ndarray]:
        found = self._rows.get(article_id)
        if found is not None:
            return found
        ids, weights, idf = self._ids, self._weights, self._idf
        cols = []
        for word in features.terms:
            col = ids.get(word)
            if col is None:
                col = ids[word] = len(weights)
                weights.append(idf(word))
            cols.append(col)
        if len(weights) > len(self._weight_array):  # grown by doubling: a pass meets tens of thousands of words
            grown = np.zeros(max(len(weights), 2 * len(self._weight_array)))
            grown[:len(weights)] = weights
            self._weight_array = grown
        elif len(weights) > self._filled:
            self._weight_array[self._filled:len(weights)] = weights[self._filled:]
        self._filled = len(weights)
        n = len(cols)
        col_array = np.fromiter(cols, dtype=np.int64, count=n)
        counts = np.fromiter(features.terms.values(), dtype=np.float64, count=n)
        values = (1.0 + np.log(counts)) * self._weight_array[col_array] if n else counts
        norm = float(np.sqrt(values @ values)) if n else 0.0
        found = self._rows[article_id] = (col_array, values / (norm or 1.0))
        return found

    def similarities(self, article_id: int, features: EventFeatures,
                     candidates: Sequence[tuple[int, EventFeatures]]) -> np.ndarray:
        """Cosine of ``article_id``'s unit vector with each candidate's, clipped to [0, 1], in their order.

        No name veto here: the caller applies it (candidates come from the name index, so they share one).
        """
        out = np.zeros(len(candidates))
        mine_cols, mine_values = self._row(article_id, features)
        if not len(mine_cols) or not candidates:
            return out
        rows = [self._row(i, f) for i, f in candidates]
        lengths = np.fromiter((len(c) for c, _ in rows), dtype=np.int64, count=len(rows))
        filled = np.flatnonzero(lengths)
        if not len(filled):
            return out
        cols = np.concatenate([rows[k][0] for k in filled])
        values = np.concatenate([rows[k][1] for k in filled])
        starts = np.zeros(len(filled), dtype=np.int64)
        np.cumsum(lengths[filled][:-1], out=starts[1:])
        if len(self._weights) > len(self._dense):
            self._dense = np.zeros(max(len(self._weights), 2 * len(self._dense)))
        dense = self._dense
        dense[mine_cols] = mine_values
        try:
            out[filled] = np.add.reduceat(dense[cols] * values, starts)
        finally:
            dense[mine_cols] = 0.0
        return np.clip(out, 0.0, 1.0, out=out)

"""Sparse TF-IDF sentence vectors with numpy alone (no scipy: it costs start-up time the CLI is timed on).

Rows are kept in coordinate form (row, term, weight). Everything the ranker needs is a
matrix-vector product, done with ``np.bincount``; the full sentence-by-sentence similarity
matrix is never built (MMR only needs the rows of the few picked sentences), so time and memory
stay linear in the text size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class TermMatrix:
    """Unit-length TF-IDF rows in coordinate form."""

    n_rows: int
    n_terms: int
    rows: np.ndarray  # int64, row of each stored weight
    cols: np.ndarray  # int64, term of each stored weight
    data: np.ndarray  # float64, the weight

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """``M @ vector`` for a dense vector over terms."""
        return np.bincount(self.rows, weights=self.data * vector[self.cols], minlength=self.n_rows)

    def row(self, i: int) -> np.ndarray:
        """Row ``i`` as a dense vector over terms."""
        out = np.zeros(self.n_terms)
        mask = self.rows == i
        out[self.cols[mask]] = self.data[mask]
        return out

    def similarities_to(self, i: int) -> np.ndarray:
        """Cosine of every row with row ``i``."""
        return self.dot(self.row(i))


def tfidf(term_lists: Sequence[Sequence[str]], *, extra: Sequence[Sequence[str]] = ()) -> TermMatrix:
    """L2-normalised TF-IDF rows for ``term_lists`` then ``extra`` (e.g. a query or titles).

    IDF comes from ``term_lists`` only (the sentences being ranked), so an added query cannot
    shift what counts as a rare word. Term frequency is sublinear (1 + log tf).
    """
    all_rows = [*term_lists, *extra]
    vocab: dict[str, int] = {}
    cols_list = [vocab.setdefault(t, len(vocab)) for terms in all_rows for t in terms]
    lengths = np.fromiter((len(terms) for terms in all_rows), dtype=np.int64, count=len(all_rows))
    n_rows, n_terms = len(all_rows), max(len(vocab), 1)
    if not cols_list:
        empty = np.zeros(0, dtype=np.int64)
        return TermMatrix(n_rows, n_terms, empty, empty, np.zeros(0))
    rows_raw = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    keys, tf = np.unique(rows_raw * n_terms + np.asarray(cols_list, dtype=np.int64), return_counts=True)
    rows, cols = keys // n_terms, keys % n_terms
    body = rows < len(term_lists)
    df = np.bincount(cols[body], minlength=n_terms).astype(np.float64)
    n_docs = max(len(term_lists), 1)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    data = (1.0 + np.log(tf)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_rows))
    data = data / norms[rows]
    return TermMatrix(n_rows, n_terms, rows, cols, data)


def cosine_with(matrix: TermMatrix, vector: np.ndarray) -> np.ndarray:
    """Cosine of every (unit) row with a dense vector (normalised here; zero vector gives zeros)."""
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:
        return np.zeros(matrix.n_rows)
    return matrix.dot(vector / norm)

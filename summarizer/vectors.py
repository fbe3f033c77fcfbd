"""Sparse TF-IDF sentence vectors and cosine similarities (numpy + scipy.sparse, no Python pair loops)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse


def tfidf_matrix(term_lists: Sequence[Sequence[str]], *, extra: Sequence[Sequence[str]] = ()) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows for ``term_lists`` then ``extra`` (e.g. a title or a query).

    IDF comes from ``term_lists`` only (the sentences being ranked), so an added query cannot
    shift what counts as a rare word. Term frequency is sublinear (1 + log tf).
    """
    rows = [*term_lists, *extra]
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for terms in rows:
        for t in terms:
            indices.append(vocab.setdefault(t, len(vocab)))
        indptr.append(len(indices))
    n_rows, n_terms = len(rows), len(vocab)
    if not indices:
        return sparse.csr_matrix((n_rows, max(n_terms, 1)), dtype=np.float64)
    ones = np.ones(len(indices), dtype=np.float64)
    counts = sparse.csr_matrix((ones, np.asarray(indices), np.asarray(indptr)), shape=(n_rows, n_terms))
    counts.sum_duplicates()
    counts.data = 1.0 + np.log(counts.data)
    n_docs = max(len(term_lists), 1)
    body = counts[: len(term_lists)]
    df = np.bincount(body.indices, minlength=n_terms).astype(np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    weighted = counts @ sparse.diags(idf)
    return normalize_rows(sparse.csr_matrix(weighted))


def normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row to unit length (empty rows stay zero)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def cosine_to(matrix: sparse.csr_matrix, vector: sparse.csr_matrix) -> np.ndarray:
    """Cosine of every (unit) row with one vector (normalised here)."""
    vec = normalize_rows(sparse.csr_matrix(vector))
    return np.asarray((matrix @ vec.T).todense()).ravel()


def pairwise_cosine(matrix: sparse.csr_matrix) -> np.ndarray:
    """Dense cosine matrix of unit rows."""
    return np.asarray((matrix @ matrix.T).todense())

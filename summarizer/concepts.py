"""Concept coverage for multi-document summaries: word bigrams reported by several documents.

The idea of Gillick & Favre's ICSI summarizer (DUC/TAC): a fact several wires report is worth
covering once; covering it again is worth nothing. Concepts are stemmed word bigrams (not
both stop words), weighted by how many documents contain them; bigrams found in only one
document carry no weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.models import Sentence
from summarizer.text import bigrams_of, tokens


@dataclass(frozen=True, slots=True)
class Concepts:
    """Which sentence holds which weighted concept, in coordinate form."""

    n_rows: int
    rows: np.ndarray  # int64 sentence index of each (sentence, concept) pair
    cols: np.ndarray  # int64 concept index
    weights: np.ndarray  # float64 weight per concept

    def gain(self, covered: np.ndarray) -> np.ndarray:
        """Weight of the not-yet-covered concepts in each sentence."""
        return np.bincount(self.rows, weights=self.weights[self.cols] * ~covered[self.cols], minlength=self.n_rows)

    def cover(self, covered: np.ndarray, i: int) -> None:
        """Mark sentence ``i``'s concepts as covered (in place)."""
        covered[self.cols[self.rows == i]] = True

    def empty(self) -> np.ndarray:
        return np.zeros(len(self.weights), dtype=bool)


def bigram_concepts(
    sents: Sequence[Sentence],
    *,
    min_docs: int = 2,
    tokenized: Sequence[Sequence[str]] | None = None,
    known: frozenset[str] = frozenset(),
    known_weight: float = 0.0,
) -> Concepts:
    """Concepts of the sentences, each weighted by the number of documents it appears in (0 below ``min_docs``).

    ``tokenized``: the sentences' ``text.tokens``, when the caller already has them. ``known``: concepts
    the reader already has (update mode); they keep ``known_weight`` of their weight.
    """
    toks = tokenized if tokenized is not None else [tokens(s.text) for s in sents]
    per_sentence = [set(bigrams_of(t, s.language)) for t, s in zip(toks, sents, strict=True)]
    vocab: dict[str, int] = {}
    cols = [vocab.setdefault(key, len(vocab)) for keys in per_sentence for key in keys]
    n_concepts = max(len(vocab), 1)
    if not cols:
        empty = np.zeros(0, dtype=np.int64)
        return Concepts(len(sents), empty, empty, np.zeros(n_concepts))
    doc_ids: dict[str, int] = {}
    doc_of = np.fromiter((doc_ids.setdefault(s.doc_id, len(doc_ids)) for s in sents), dtype=np.int64, count=len(sents))
    counts = np.fromiter((len(k) for k in per_sentence), dtype=np.int64, count=len(sents))
    r = np.repeat(np.arange(len(sents), dtype=np.int64), counts)
    c = np.asarray(cols, dtype=np.int64)
    # (document, concept) once each. return_counts keeps np.unique off its masked-array check, which
    # imports numpy.ma (~17 ms): a fifth of a whole `newsdigest summarize` process.
    pairs, _ = np.unique(doc_of[r] * n_concepts + c, return_counts=True)
    df = np.bincount(pairs % n_concepts, minlength=n_concepts).astype(np.float64)
    weights = np.where(df >= min_docs, df, 0.0)
    if known:
        told = np.fromiter((key in known for key in vocab), dtype=bool, count=len(vocab))
        weights[: len(vocab)][told] *= known_weight
    return Concepts(len(sents), r, c, weights)

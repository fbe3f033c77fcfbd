"""Update summarization: what a reader has already been told weighs against telling it again.

DUC 2007 and TAC 2008-2009 ran this as the "update" task (summarize set B for a reader who read set A).
The reader's texts (``previous``) are split into sentences with the same rules as the input and scored in
the same TF-IDF space: a candidate sentence loses salience in proportion to its closest previous
sentence, one that nearly repeats a previous sentence is never picked, and across several documents
the concepts (word bigrams) the reader already has count for little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.models import Sentence
from summarizer.text import bigrams_of, split_sentences, story_language, terms_of, tokens

if TYPE_CHECKING:  # numpy is loaded only when ranking runs (summarizer.rank imports this module)
    import numpy as np

    from summarizer.vectors import TermMatrix

MAX_PREVIOUS_SENTENCES = 400  # a bound on the work: the reader's most recent texts come first
MAX_RELEVANT = 120  # previous sentences compared with one summary's input: those sharing the most terms
MIN_SHARED_TERMS = 2  # a previous sentence sharing fewer content words cannot repeat a sentence of the input
DENSE_LIMIT = 4_000_000  # stored weights x previous rows up to which one vectorised product is used


@dataclass(frozen=True, slots=True)
class Known:
    """The reader's sentences as term lists (extra TF-IDF rows), an index from term to them, their concepts."""

    terms: list[list[str]]
    bigrams: frozenset[str]
    index: dict[str, list[int]]
    distinct: list[int]  # distinct terms per previous sentence

    @property
    def empty(self) -> bool:
        return not self.terms

    def relevant(self, sentence_terms: Sequence[Sequence[str]]) -> list[list[str]]:
        """The previous sentences that could repeat one of these: sharing at least MIN_SHARED_TERMS terms (or
        all of theirs), the MAX_RELEVANT sharing most. Keeps each summary's work proportional to its own input."""
        shared: dict[int, int] = {}
        for term in {t for terms in sentence_terms for t in terms}:
            for row in self.index.get(term, ()):
                shared[row] = shared.get(row, 0) + 1
        rows = [r for r, k in shared.items() if k >= min(MIN_SHARED_TERMS, self.distinct[r])]
        rows.sort(key=lambda r: (-shared[r], r))
        return [self.terms[r] for r in sorted(rows[:MAX_RELEVANT])]


def known_from(previous: Sequence[str], lang: str) -> Known:
    """Split and tokenize what the reader already has (most recent first, at most MAX_PREVIOUS_SENTENCES)."""
    terms: list[list[str]] = []
    grams: set[str] = set()
    for text in previous:
        for sentence in split_sentences(text, lang):
            toks = tokens(sentence)
            row = terms_of(toks, lang)
            if row:
                terms.append(row)
                grams.update(bigrams_of(toks, lang))
            if len(terms) >= MAX_PREVIOUS_SENTENCES:
                return _known(terms, grams)
    return _known(terms, grams)


def _known(terms: list[list[str]], grams: set[str]) -> Known:
    index: dict[str, list[int]] = {}
    distinct: list[int] = []
    for row, words in enumerate(terms):
        unique = set(words)
        distinct.append(len(unique))
        for term in unique:
            index.setdefault(term, []).append(row)
    return Known(terms, frozenset(grams), index, distinct)


def reader_knows(previous: Sequence[str]) -> Known:
    """``previous`` prepared once, in its own language, for several summaries (e.g. every story line of a brief)."""
    return known_from(previous, story_language(" ".join(previous[:3])[:4000]))


def max_similarity_to_rows(matrix: TermMatrix, n: int, first: int, count: int) -> np.ndarray:
    """For each of the first ``n`` rows, its highest cosine with rows ``first .. first + count - 1``.

    The previous rows become a small dense block over the terms the first ``n`` rows use (a term they
    lack adds nothing to a cosine); each stored weight of the first rows then picks its column of that
    block. No BLAS call (its threads cost more than the arithmetic here) and memory bounded by
    DENSE_LIMIT; past it, one sparse product per previous row.
    """
    import numpy as np

    best = np.zeros(n)
    mine = matrix.rows < n
    if count == 0 or not mine.any():
        return best
    if int(mine.sum()) * count > DENSE_LIMIT:
        for row in range(first, first + count):
            np.maximum(best, matrix.similarities_to(row)[:n], out=best)
        return best
    rows, cols, data = matrix.rows[mine], matrix.cols[mine], matrix.data[mine]
    terms, local = np.unique(cols, return_inverse=True)
    theirs = (matrix.rows >= first) & (matrix.rows < first + count) & np.isin(matrix.cols, terms)
    block = np.zeros((count, len(terms)))
    block[matrix.rows[theirs] - first, np.searchsorted(terms, matrix.cols[theirs])] = matrix.data[theirs]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # rows come sorted from tfidf
    sums = np.add.reduceat(block[:, local] * data, starts, axis=1)
    best[rows[starts]] = sums.max(axis=0)
    return best


def main_language(sents: Sequence[Sentence]) -> str:
    """The language most of the sentences are in (a query and the reader's texts are read by its rules)."""
    counts: dict[str, int] = {}
    for s in sents:
        counts[s.language] = counts.get(s.language, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "en"

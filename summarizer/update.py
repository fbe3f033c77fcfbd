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


@dataclass(frozen=True, slots=True)
class Known:
    """The reader's sentences as term lists (extra TF-IDF rows) and their concepts."""

    terms: list[list[str]]
    bigrams: frozenset[str]

    @property
    def empty(self) -> bool:
        return not self.terms


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
                return Known(terms, frozenset(grams))
    return Known(terms, frozenset(grams))


def reader_knows(previous: Sequence[str]) -> Known:
    """``previous`` prepared once, in its own language, for several summaries (e.g. every story line of a brief)."""
    return known_from(previous, story_language(" ".join(previous[:3])[:4000]))


def max_similarity_to_rows(matrix: TermMatrix, n: int, first: int, count: int) -> np.ndarray:
    """For each of the first ``n`` rows, its highest cosine with rows ``first .. first + count - 1``."""
    import numpy as np

    best = np.zeros(n)
    for row in range(first, first + count):
        np.maximum(best, matrix.similarities_to(row)[:n], out=best)
    return best


def main_language(sents: Sequence[Sentence]) -> str:
    """The language most of the sentences are in (a query and the reader's texts are read by its rules)."""
    counts: dict[str, int] = {}
    for s in sents:
        counts[s.language] = counts.get(s.language, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "en"

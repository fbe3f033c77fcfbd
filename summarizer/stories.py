"""Story clustering: several reports of one event become one story.

Two questions are answered here, with different tools because they are different questions:

* **Same event, different words** (Reuters, AP and AFP each write up one announcement):
  :func:`group_same_event`, TF-IDF over the headline and lead paragraphs plus a shared-name check,
  clustered with average linkage so that one loose pair cannot chain two events together.
* **Same text, re-sent** (a story filed again with a new paragraph or a corrected figure):
  :class:`NearDuplicateIndex`, :func:`is_revision` and :func:`pick_newer` in :mod:`summarizer.near_dup`,
  re-exported here so callers need only this module.

Everything is pure and deterministic: no I/O, no randomness that is not seeded, no state between calls.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.preprocessing import normalize

from summarizer.models import Document
from summarizer.near_dup import (
    DUPLICATE_THRESHOLD,
    REVISION_CONTAINMENT,
    NearDuplicateIndex,
    Version,
    is_revision,
    pick_newer,
)

__all__ = [
    "DEFAULT_EVENT_THRESHOLD",
    "DUPLICATE_THRESHOLD",
    "REVISION_CONTAINMENT",
    "NearDuplicateIndex",
    "Version",
    "benchmark",
    "event_similarity",
    "group_same_event",
    "is_revision",
    "pick_newer",
]

# Average cosine between two reports for them to count as one event. Tuned on the real clusters in
# tests/fixtures/stories (same-event pairs there average 0.25-0.45 on this measure, different events on
# the same topic - two Angelina Jolie surgery stories, two Facebook/Cambridge Analytica stories -
# 0.10-0.20), with about a hundred unrelated CNN/DailyMail and BBC articles mixed in as a background.
DEFAULT_EVENT_THRESHOLD = 0.26
# A news lead states the event (who, what, where); later paragraphs drift into background that
# different events on one topic share. So only the headline and the first paragraphs are compared,
# and the headline and first paragraph count twice.
LEAD_PARAGRAPHS = 3
# The IDF is smoothed as if this many extra documents, containing none of the words, had been seen.
# Without it a two-document input gives shared words almost no weight (the IDF of a word in every
# document is the minimum), so the same pair would merge in a busy day and split on a quiet one.
IDF_PRIOR_DOCS = 50

_WORD = r"(?u)\b[^\W_][\w'’-]*[^\W_]\b|\b\d\b"
# Names and figures: capitalised words (not sentence openers like "The"), acronyms and numbers.
_NAME = r"(?u)\b[A-Z][\w'’-]*[a-z0-9][\w'’-]*|\b[A-Z]{2,}\b|\b\d[\d,.]*\d\b|\b\d\b"
_NAME_STOP = frozenset(w.capitalize() for w in ENGLISH_STOP_WORDS) | {
    "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
}  # fmt: skip
_POSSESSIVE = re.compile(r"['’]s\b")


def _event_text(doc: Document) -> str:
    """Headline and lead paragraphs, with the headline and first paragraph weighted double."""
    lead = [p for p in doc.paragraphs if p.strip()][:LEAD_PARAGRAPHS]
    head = [doc.title] * 2 if doc.title else []
    first = lead[:1]
    return _POSSESSIVE.sub("", "\n".join([*head, *first, *lead]))


def _tfidf_rows(counts: Any) -> Any:
    """Sublinear TF times prior-smoothed IDF on a CSR count matrix, rows L2-normalised (cosine = dot)."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((n_docs + IDF_PRIOR_DOCS + 1) / (df + 1)) + 1.0
    weighted = counts.astype(np.float64)
    weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
    return normalize(weighted)


def event_similarity(docs: Sequence[Document]) -> np.ndarray:
    """Pairwise event similarity in [0, 1]: lead TF-IDF cosine, zero where no name or figure is shared.

    The name check is a veto, not a bonus: a shared name is necessary for one event (same people,
    places, organisations or figures) but far from sufficient, since same-topic stories share names too.
    """
    texts = [_event_text(d) for d in docs]
    words = CountVectorizer(token_pattern=_WORD, stop_words=sorted(ENGLISH_STOP_WORDS), dtype=np.int32)
    names = CountVectorizer(
        token_pattern=_NAME, lowercase=False, stop_words=sorted(_NAME_STOP), binary=True, dtype=np.int32
    )
    try:
        vectors = _tfidf_rows(words.fit_transform(texts))
    except ValueError:  # nothing but stop words anywhere: nothing to compare
        return np.eye(len(docs))
    sims = np.asarray((vectors @ vectors.T).todense())
    try:
        shared = names.fit_transform(texts)
        overlap = np.asarray((shared @ shared.T).todense())
        sims[overlap == 0] = 0.0
    except ValueError:  # no names at all: the veto cannot apply, the text decides alone
        pass
    np.fill_diagonal(sims, 1.0)
    return np.clip(sims, 0.0, 1.0)


def group_same_event(docs: Sequence[Document], *, threshold: float = DEFAULT_EVENT_THRESHOLD) -> list[list[str]]:
    """Doc ids grouped per event; groups ordered by their first member, members in input order.

    Average linkage merges two groups only when their members are similar *on average*, so a chain
    A~B~C with A and C unrelated does not collapse into one story, as single linkage would.
    Raise ``threshold`` to merge less, lower it to merge more.
    """
    if not docs:
        return []
    if len(docs) == 1:
        return [[docs[0].id]]
    distance = 1.0 - event_similarity(docs)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - threshold
    ).fit_predict(distance)
    groups: dict[int, list[str]] = {}
    for doc, label in zip(docs, labels, strict=True):
        groups.setdefault(int(label), []).append(doc.id)
    return list(groups.values())  # dicts keep insertion order: first member's input order


def benchmark(n_docs: int = 300, repeats: int = 5) -> float:
    """Best-of-``repeats`` milliseconds for :func:`group_same_event` on ``n_docs`` synthetic stories; prints it."""
    vocab = [f"w{i}" for i in range(3000)]
    rng = np.random.default_rng(0)
    docs = [
        Document(
            id=str(i),
            title=" ".join(rng.choice(vocab, 8)),
            paragraphs=tuple(" ".join(rng.choice(vocab, 40)) + f" Name{i % 50} {i % 97}" for _ in range(6)),
        )
        for i in range(n_docs)
    ]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        group_same_event(docs)
        best = min(best, (time.perf_counter() - start) * 1000)
    print(f"group_same_event: {n_docs} docs in {best:.1f} ms (best of {repeats})")
    return best

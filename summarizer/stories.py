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

# Average-linkage similarity for reports to count as one event. Chosen on the "tuning" reports in
# tests/fixtures/stories (same-event pairs mostly 0.25-0.6; different events on one topic - three
# Angelina Jolie surgery stories, Juul vs the FDA's planned ban - mostly 0.15-0.29), then checked on
# 68 held-out reports: pairwise precision 0.95 / recall 0.76 there, 0.94 / 0.79 on all 103 together.
# Lower it to merge more (recall), raise it to split more (precision).
DEFAULT_EVENT_THRESHOLD = 0.26
# A news lead states the event (who, what, where); later paragraphs drift into background that
# different events on one topic share. So only the headline and the first paragraphs are compared,
# and the headline and first paragraph count twice.
LEAD_PARAGRAPHS = 3
# The IDF is smoothed as if this many extra documents, containing none of the words, had been seen.
# Without it a two-document input gives shared words almost no weight (the IDF of a word in every
# document is the minimum), so the same pair would merge in a busy day and split on a quiet one.
IDF_PRIOR_DOCS = 50

# Words, keeping compounds ("e-cigarette", "mother-of-six") whole. Written without nested optional
# parts so the regex engine never backtracks: tokenising is most of the cost here.
_WORD = r"(?u)\b\w+(?:[-'’]\w+)*"
# Names and figures: capitalised words (not sentence openers like "The"), acronyms and numbers.
_NAME = r"\b[A-Z]\w+|\b\d[\d,.]*\d\b"
_NAME_STOP = frozenset(w.capitalize() for w in ENGLISH_STOP_WORDS) | {
    "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
}  # fmt: skip
_POSSESSIVE = re.compile(r"['’]s\b")


def _lead_parts(doc: Document) -> tuple[str, str]:
    """(headline + first paragraph, the next lead paragraphs), possessives dropped ("Jolie's" -> "Jolie")."""
    lead = [p for p in doc.paragraphs if p.strip()][:LEAD_PARAGRAPHS]
    head = "\n".join([doc.title or "", *lead[:1]])
    return _POSSESSIVE.sub("", head), _POSSESSIVE.sub("", "\n".join(lead[1:]))


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

    The headline and first paragraph count twice: a news lead states the event (who, what, where).
    The name check is a veto, not a bonus: a shared name is necessary for one event (same people,
    places, organisations or figures) but far from sufficient, since same-topic stories share names too.
    """
    n_docs = len(docs)
    parts = [_lead_parts(d) for d in docs]
    heads, rests = [h for h, _ in parts], [r for _, r in parts]
    words = CountVectorizer(token_pattern=_WORD, stop_words=sorted(ENGLISH_STOP_WORDS), dtype=np.int32)
    names = CountVectorizer(
        token_pattern=_NAME, lowercase=False, stop_words=sorted(_NAME_STOP), binary=True, dtype=np.int32
    )
    try:
        both = words.fit_transform(heads + rests)
    except ValueError:  # nothing but stop words anywhere: nothing to compare
        return np.eye(n_docs)
    counts = (2 * both[:n_docs] + both[n_docs:]).tocsr()
    counts.eliminate_zeros()
    vectors = _tfidf_rows(counts)
    sims = np.asarray((vectors @ vectors.T).todense())
    try:
        shared = names.fit_transform([f"{h}\n{r}" for h, r in parts])
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


def benchmark(n_docs: int = 300, repeats: int = 5) -> tuple[float, float]:
    """Time :func:`group_same_event` on ``n_docs`` synthetic stories; print and return (wall, CPU) ms, best of
    ``repeats``. CPU time is the figure to quote on a shared machine, where wall time includes waiting."""
    vocab = np.array([f"word{i}" for i in range(5000)])
    rng = np.random.default_rng(0)
    docs = [
        Document(
            id=str(i),
            title=" ".join(rng.choice(vocab, 10)),
            paragraphs=tuple(f"Name{i % 50} said {i % 97} " + " ".join(rng.choice(vocab, 45)) for _ in range(8)),
        )
        for i in range(n_docs)
    ]
    wall = cpu = float("inf")
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        group_same_event(docs)
        wall = min(wall, (time.perf_counter() - start_wall) * 1000)
        cpu = min(cpu, (time.process_time() - start_cpu) * 1000)
    print(f"group_same_event: {n_docs} docs, {wall:.1f} ms wall, {cpu:.1f} ms CPU (best of {repeats})")
    return wall, cpu

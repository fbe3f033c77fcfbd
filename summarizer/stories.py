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

import time

import numpy as np

from summarizer.events import (
    DEFAULT_EVENT_THRESHOLD,
    EventFeatures,
    average_linkage,
    document_frequencies,
    event_features,
    event_similarity,
    group_features,
    group_same_event,
    idf_weights,
    similarity_matrix,
)
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
    "EventFeatures",
    "NearDuplicateIndex",
    "Version",
    "average_linkage",
    "benchmark",
    "document_frequencies",
    "event_features",
    "event_similarity",
    "group_features",
    "group_same_event",
    "idf_weights",
    "is_revision",
    "pick_newer",
    "similarity_matrix",
]


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

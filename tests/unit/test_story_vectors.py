"""PassVectors: one report against all its candidates in array operations scores what similarity_to scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.ingest.story_cache import StoryCache
from bot.ingest.story_vectors import PassVectors
from summarizer.events import (
    DEFAULT_EVENT_THRESHOLD,
    EventFeatures,
    document_frequencies,
    event_features,
    idf_weights,
    similarity_matrix,
    similarity_of_rows,
    similarity_to,
    unit_vector,
)
from summarizer.models import Document

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stories" / "events.json"
DOCS = [Document(id=r["id"], paragraphs=tuple(r["paragraphs"]), title=r["title"])
        for r in json.loads(FIXTURE.read_text(encoding="utf-8"))["documents"]]


def test_every_report_against_all_others_scores_the_pairwise_similarity() -> None:
    features = [event_features(d) for d in DOCS]
    idf = idf_weights(document_frequencies(features), len(features))
    units = [unit_vector(f, idf) for f in features]
    vectors = PassVectors(StoryCache(), idf)
    above = 0
    for i, mine in enumerate(features):
        others = [(j, f) for j, f in enumerate(features) if j != i]
        got = vectors.similarities(i, mine, others)
        for (j, theirs), score in zip(others, got, strict=True):
            # similarity_to also applies the name veto, which PassVectors leaves to its caller.
            vetoed = bool((mine.names or theirs.names) and mine.names.isdisjoint(theirs.names))
            want = similarity_to(mine, units[i], theirs, units[j]) if not vetoed else score
            assert score == pytest.approx(want, abs=1e-12)
            above += score > DEFAULT_EVENT_THRESHOLD
    assert above > len(features)  # some pairs really are similar


def test_reports_without_words_score_zero_and_keep_their_place() -> None:
    idf = idf_weights({}, 0)
    empty = EventFeatures({}, frozenset({"Paris"}))
    some = EventFeatures({"flood": 2, "paris": 1}, frozenset({"Paris"}))
    vectors = PassVectors(StoryCache(), idf)
    got = vectors.similarities(1, some, [(2, empty), (3, some), (4, empty)])
    assert got.tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert vectors.similarities(2, empty, [(3, some)]).tolist() == [0.0]
    assert np.array_equal(vectors.similarities(1, some, []), np.zeros(0))


def test_unit_rows_give_the_clustering_matrix() -> None:
    """Re-clustering a component uses rows built from the run's word arrays: the same matrix as from features."""
    features = [event_features(d) for d in DOCS]
    idf = idf_weights(document_frequencies(features), len(features))
    rows = PassVectors(StoryCache(), idf).unit_rows(list(enumerate(features)))
    assert np.allclose(similarity_of_rows(rows, features), similarity_matrix(features, idf), atol=1e-12)

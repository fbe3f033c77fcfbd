"""Sparse TF-IDF vectors: the numpy-only products must equal a plain dense computation."""

from __future__ import annotations

import numpy as np

from summarizer.models import Document, Sentence
from summarizer.select import _title_similarity
from summarizer.text import content_terms
from summarizer.vectors import cosine_with, tfidf

TEXTS = [
    "The US imposed sanctions on Russian gold imports.",
    "Sanctions target Russia's defense industry and gold.",
    "Starmer met Xi in Beijing to reset ties.",
    "The US imposed sanctions on Russian gold imports.",
    "",
]


def _dense(matrix_rows: int, m: object) -> np.ndarray:
    from summarizer.vectors import TermMatrix

    assert isinstance(m, TermMatrix)
    out = np.zeros((matrix_rows, m.n_terms))
    out[m.rows, m.cols] = m.data
    return out


def test_rows_are_unit_length_and_empty_rows_stay_zero() -> None:
    m = tfidf([content_terms(t) for t in TEXTS])
    dense = _dense(len(TEXTS), m)
    norms = np.linalg.norm(dense, axis=1)
    assert np.allclose(norms[:4], 1.0)
    assert norms[4] == 0.0


def test_similarities_equal_the_dense_product() -> None:
    m = tfidf([content_terms(t) for t in TEXTS])
    dense = _dense(len(TEXTS), m)
    for i in range(len(TEXTS)):
        assert np.allclose(m.similarities_to(i), dense @ dense[i])
    assert m.similarities_to(0)[3] > 0.999  # identical sentences
    assert m.similarities_to(0)[2] == 0.0  # nothing shared


def test_cosine_with_normalises_the_vector_and_handles_zero() -> None:
    m = tfidf([content_terms(t) for t in TEXTS])
    dense = _dense(len(TEXTS), m)
    centroid = dense.sum(axis=0)
    expected = dense @ (centroid / np.linalg.norm(centroid))
    assert np.allclose(cosine_with(m, centroid * 7.0), expected)
    assert not cosine_with(m, np.zeros(m.n_terms)).any()


def test_extra_rows_do_not_change_idf_of_the_sentences() -> None:
    terms = [content_terms(t) for t in TEXTS[:3]]
    plain = tfidf(terms)
    with_query = tfidf(terms, extra=[content_terms("gold gold Starmer")])
    assert np.allclose(_dense(3, plain)[:, : plain.n_terms], _dense(4, with_query)[:3, : plain.n_terms])


def test_title_similarity_matches_each_sentence_with_its_own_title() -> None:
    docs = [
        Document("a", ("x",), title="Sanctions target Russian gold"),
        Document("b", ("x",), title=None),
        Document("c", ("x",), title="Starmer and Xi reset ties"),
    ]
    sents = [
        Sentence(TEXTS[0], "a", 0),
        Sentence(TEXTS[2], "a", 1),
        Sentence(TEXTS[2], "b", 0),
        Sentence(TEXTS[2], "c", 0),
    ]
    titled = [d for d in docs if d.title]
    m = tfidf([content_terms(s.text) for s in sents], extra=[content_terms(d.title or "") for d in titled])
    sim = _title_similarity(m, sents, titled)
    dense = _dense(len(sents) + 2, m)
    assert np.isclose(sim[0], dense[0] @ dense[4])
    assert sim[1] == 0.0  # Starmer sentence vs the gold title
    assert sim[2] == 0.0  # document without a title
    assert sim[3] > 0.3 and np.isclose(sim[3], dense[3] @ dense[5])

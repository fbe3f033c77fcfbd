"""Concept coverage: bigrams several documents report, each worth covering once."""

from __future__ import annotations

import numpy as np

from summarizer.concepts import bigram_concepts
from summarizer.models import Sentence
from summarizer.text import bigrams, stem


def test_bigrams_are_stemmed_and_skip_stop_word_pairs() -> None:
    assert bigrams("Sanctions on the gold imports") == [
        f"{stem('sanctions')} on",
        f"the {stem('gold')}",
        f"{stem('gold')} {stem('imports')}",
    ]


def test_concepts_are_weighted_by_documents_and_covered_once() -> None:
    sents = [
        Sentence("Russian gold imports were banned.", "a", 0),
        Sentence("The ban on Russian gold imports starts now.", "b", 0),
        Sentence("Russian gold imports fell.", "b", 1),  # same document again: no extra weight
        Sentence("Starmer met Xi in Beijing.", "c", 0),  # one document only: no weight
    ]
    c = bigram_concepts(sents, min_docs=2)
    covered = c.empty()
    gain = c.gain(covered)
    assert gain[3] == 0.0
    assert gain[0] > 0 and gain[0] == gain[2]  # "russian gold", "gold imports": two documents each
    c.cover(covered, 0)
    after = c.gain(covered)
    assert after[2] == 0.0 and after[0] == 0.0  # nothing new left in them
    assert np.all(after <= gain)


def test_no_sentences_give_no_concepts() -> None:
    c = bigram_concepts([])
    assert c.gain(c.empty()).shape == (0,)

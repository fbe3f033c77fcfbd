"""The default ranker: position + centrality (+ title / query) scores, then MMR selection under a budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.models import Document, Sentence
from summarizer.readability import is_dangling, is_quote_only, usable
from summarizer.text import content_terms, word_count
from summarizer.vectors import cosine_to, pairwise_cosine, tfidf_matrix


@dataclass(frozen=True, slots=True)
class Weights:
    """The few interpretable knobs of the default ranker."""

    position_decay: float = 0.35  # position prior exp(-decay * index within the document)
    centrality: float = 1.0  # cosine with the whole input's centroid
    title: float = 0.5  # cosine with the document title, when there is one
    query: float = 1.0  # cosine with the query (topic briefs)
    position: float = 1.0
    dangling_penalty: float = 0.5  # multiplies the score of a sentence that leans on the previous one
    quote_penalty: float = 0.7  # a bare quotation without attribution
    redundancy: float = 0.7  # MMR: subtract this x max cosine with what is already picked
    duplicate_cosine: float = 0.8  # never pick a sentence this similar to a picked one


def score_sentences(
    sents: Sequence[Sentence],
    docs: Sequence[Document],
    *,
    query: str | None = None,
    weights: Weights = Weights(),
) -> tuple[np.ndarray, np.ndarray]:
    """Salience of every sentence and their pairwise cosine matrix (for redundancy control)."""
    terms = [content_terms(s.text) for s in sents]
    titles = {d.id: d.title for d in docs if d.title}
    extra = [content_terms(query)] if query else []
    matrix = tfidf_matrix(terms, extra=extra)
    body = matrix[: len(sents)]
    centroid = body.sum(axis=0)
    central = cosine_to(body, centroid)
    positions = np.fromiter((s.position for s in sents), dtype=np.float64, count=len(sents))
    score = weights.position * np.exp(-weights.position_decay * positions) + weights.centrality * central
    if query:
        score += weights.query * cosine_to(body, matrix[len(sents) :])
    if titles:
        title_terms = [content_terms(titles.get(s.doc_id) or "") for s in sents]
        tmat = tfidf_matrix(terms, extra=title_terms)
        title_sim = np.asarray(tmat[: len(sents)].multiply(tmat[len(sents) :]).sum(axis=1)).ravel()
        score += weights.title * title_sim
    factor = np.ones(len(sents))
    for i, s in enumerate(sents):
        if not usable(s.text):
            factor[i] = 0.0
        elif is_dangling(s.text):
            factor[i] = weights.dangling_penalty
        elif is_quote_only(s.text):
            factor[i] = weights.quote_penalty
    return score * factor, pairwise_cosine(body)


def mmr_select(
    score: np.ndarray,
    sim: np.ndarray,
    lengths: np.ndarray,
    *,
    max_sentences: int | None,
    max_words: int | None,
    weights: Weights = Weights(),
) -> list[int]:
    """Greedy maximal-marginal-relevance pick: salience minus redundancy with what is already chosen."""
    n = len(score)
    picked: list[int] = []
    available = score > 0
    max_sim = np.zeros(n)
    total_words = 0
    while available.any():
        if max_sentences is not None and len(picked) >= max_sentences:
            break
        if max_words is not None and total_words >= max_words:
            break
        gain = np.where(available, score - weights.redundancy * max_sim, -np.inf)
        best = int(np.argmax(gain))
        picked.append(best)
        total_words += int(lengths[best])
        available[best] = False
        max_sim = np.maximum(max_sim, sim[best])
        available &= max_sim < weights.duplicate_cosine
    return picked


def pick_default(
    per_doc: Sequence[Sequence[Sentence]],
    docs: Sequence[Document],
    *,
    max_sentences: int | None,
    max_words: int | None,
    query: str | None = None,
    weights: Weights = Weights(),
) -> list[Sentence]:
    """The default algorithm's picked sentences (any order; the caller puts them in reading order)."""
    sents = [s for group in per_doc for s in group]
    if not sents:
        return []
    score, sim = score_sentences(sents, docs, query=query, weights=weights)
    lengths = np.fromiter((word_count(s.text) for s in sents), dtype=np.int64, count=len(sents))
    chosen = mmr_select(score, sim, lengths, max_sentences=max_sentences, max_words=max_words, weights=weights)
    return _readable_opening([sents[i] for i in chosen], sents, score, docs)


def _readable_opening(
    picked: list[Sentence], sents: Sequence[Sentence], score: np.ndarray, docs: Sequence[Document]
) -> list[Sentence]:
    """If the brief would open with a dangling sentence, swap it for the best one that can open it."""
    if not picked:
        return picked
    rank = {d.id: i for i, d in enumerate(docs)}
    first = min(picked, key=lambda s: (rank[s.doc_id], s.position))
    if not is_dangling(first.text):
        return picked
    chosen = set(picked)
    order = np.argsort(-score)
    for i in order:
        cand = sents[int(i)]
        if score[int(i)] <= 0:
            break
        if cand in chosen or is_dangling(cand.text):
            continue
        return [cand if s == first else s for s in picked]
    return [s for s in picked if s != first] or picked

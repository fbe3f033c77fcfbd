"""The default ranker: position + centrality (+ title / query) scores, then MMR selection under a budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.models import Document, Sentence
from summarizer.readability import needs_context, usable
from summarizer.text import content_terms, word_count
from summarizer.vectors import cosine_to, pairwise_cosine, tfidf_matrix


@dataclass(frozen=True, slots=True)
class Weights:
    """The few interpretable knobs of the default ranker (see docs/benchmarks.md for how they were chosen).

    Two regimes, because the data says so on both news sets we measured: a *lone* sentence must
    stand for the whole story, so the most central sentence wins (the lead is often a teaser);
    in a *longer* single-document summary the news lead carries the story and centrality only
    breaks ties. Across several documents position means little and redundancy control matters.
    """

    position_decay: float = 0.7  # prior exp(-decay * sentence index within its document)
    lead_position: float = 1.0  # weight of the prior for several sentences from one document
    blurb_position: float = 0.05  # ... for a one-sentence blurb
    multi_position: float = 0.0  # ... across several documents
    lead_centrality: float = 0.2  # weight of centrality when the lead dominates
    length_floor: int = 20  # centrality x sqrt(words / floor) below this length: fragments say little
    long_penalty: float = 0.015  # lead regime: per word beyond ``long_after`` (run-ons, glued captions)
    long_after: int = 20
    title: float = 0.3  # cosine with the document title, when there is one
    query: float = 1.0  # cosine with the query (topic briefs)
    redundancy: float = 0.5  # MMR: subtract this x max cosine with what is already picked
    duplicate_cosine: float = 0.6  # never pick a sentence this similar to a picked one


@dataclass(frozen=True, slots=True)
class Regime:
    """How the weights apply to one call (derived from the input shape and the budget)."""

    position: float
    centrality: float
    long_penalty: float
    allow_dangling: bool  # a dangling sentence may follow its own lead (never open the brief)


def regime(n_docs: int, max_sentences: int | None, weights: Weights = Weights()) -> Regime:
    """Pick the regime: lead (one document, several sentences), blurb (one sentence) or multi-document."""
    if n_docs > 1:
        return Regime(weights.multi_position, 1.0, 0.0, allow_dangling=False)
    if max_sentences == 1:
        return Regime(weights.blurb_position, 1.0, 0.0, allow_dangling=False)
    return Regime(weights.lead_position, weights.lead_centrality, weights.long_penalty, allow_dangling=True)


def score_sentences(
    sents: Sequence[Sentence],
    docs: Sequence[Document],
    mode: Regime,
    *,
    query: str | None = None,
    weights: Weights = Weights(),
) -> tuple[np.ndarray, np.ndarray]:
    """Salience of every sentence and their pairwise cosine matrix (for redundancy control)."""
    terms = [content_terms(s.text) for s in sents]
    extra = [content_terms(query)] if query else []
    matrix = tfidf_matrix(terms, extra=extra)
    body = matrix[: len(sents)]
    central = cosine_to(body, body.sum(axis=0))
    positions = np.fromiter((s.position for s in sents), dtype=np.float64, count=len(sents))
    lengths = np.fromiter((word_count(s.text) for s in sents), dtype=np.float64, count=len(sents))
    short = np.sqrt(np.minimum(lengths, weights.length_floor) / weights.length_floor)
    score = (
        mode.position * np.exp(-weights.position_decay * positions)
        + mode.centrality * central * short
        - mode.long_penalty * np.maximum(lengths - weights.long_after, 0.0)
    )
    if query:
        score += weights.query * cosine_to(body, matrix[len(sents) :])
    titles = {d.id: d.title for d in docs if d.title}
    if titles:
        title_terms = [content_terms(titles.get(s.doc_id) or "") for s in sents]
        tmat = tfidf_matrix(terms, extra=title_terms)
        score += weights.title * np.asarray(tmat[: len(sents)].multiply(tmat[len(sents) :]).sum(axis=1)).ravel()
    # Unusable sentences (bylines, fragments) are never picked; dangling ones only where they may stand.
    score = score - score.min() + 1e-3  # shift positive: "never" below means -inf, not a sign flip
    for i, s in enumerate(sents):
        if not usable(s.text) or (not mode.allow_dangling and needs_context(s.text)):
            score[i] = -np.inf
    return score, pairwise_cosine(body)


def mmr_select(
    score: np.ndarray,
    sim: np.ndarray,
    lengths: np.ndarray,
    *,
    max_sentences: int | None,
    max_words: int | None,
    weights: Weights = Weights(),
) -> list[int]:
    """Greedy maximal-marginal-relevance pick: salience minus redundancy with what is already chosen.

    ``score`` is -inf for sentences that may not be picked; a sentence too similar to a picked
    one (cosine >= ``duplicate_cosine``) is never picked, so no sentence appears twice.
    """
    picked: list[int] = []
    available = np.isfinite(score)
    max_sim = np.zeros(len(score))
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
    mode = regime(sum(1 for g in per_doc if g), max_sentences, weights)
    score, sim = score_sentences(sents, docs, mode, query=query, weights=weights)
    if not np.isfinite(score).any():  # nothing passes the rules (e.g. all fragments): better than nothing
        mode = Regime(mode.position, mode.centrality, mode.long_penalty, allow_dangling=True)
        score, sim = score_sentences(sents, docs, mode, query=query, weights=weights)
        if not np.isfinite(score).any():
            score = np.zeros(len(sents))
    lengths = np.fromiter((word_count(s.text) for s in sents), dtype=np.int64, count=len(sents))
    chosen = mmr_select(score, sim, lengths, max_sentences=max_sentences, max_words=max_words, weights=weights)
    return _readable_opening(chosen, sents, score, docs)


def _readable_opening(
    chosen: list[int], sents: Sequence[Sentence], score: np.ndarray, docs: Sequence[Document]
) -> list[Sentence]:
    """While the brief would open with a dangling sentence, swap it for the best one that can open it."""
    rank = {d.id: i for i, d in enumerate(docs)}
    picked = list(chosen)
    spare = [int(i) for i in np.argsort(-score, kind="stable") if np.isfinite(score[i]) and int(i) not in picked]
    spare = [i for i in spare if not needs_context(sents[i].text)]
    while picked:
        first = min(picked, key=lambda i: (rank.get(sents[i].doc_id, 0), sents[i].position))
        if not needs_context(sents[first].text):
            break
        picked.remove(first)
        if spare:
            picked.append(spare.pop(0))
    return [sents[i] for i in picked]

"""The default ranker: position + centrality (+ title / query) scores, then MMR selection under a budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from summarizer.concepts import Concepts, bigram_concepts
from summarizer.facts import Facts, facts
from summarizer.models import Document, Sentence
from summarizer.text import content_terms, word_count
from summarizer.trim import trim
from summarizer.update import Known, main_language, max_similarity_to_rows
from summarizer.vectors import TermMatrix, cosine_with, tfidf


@dataclass(frozen=True, slots=True)
class Weights:
    """The few interpretable knobs of the default ranker (see docs/benchmarks.md for how they were chosen).

    Two regimes, because the data says so on both news sets we measured: a *lone* sentence must
    stand for the whole story, so the most central sentence wins (the lead is often a teaser);
    in a *longer* single-document summary the news lead carries the story: the pick is the lead,
    anchored on position alone, skipping only what a reader would skip (bylines and page furniture,
    fragments, half quotes, a repeat, a dangling opener). Centrality and a long-sentence penalty in
    that regime looked better on the 75 dev stories but fell below plain lead on held-back CNN/DM
    (41.06 vs 41.40 ROUGE-1), so they are off (0.0). Across several documents position means little
    and redundancy control matters.
    """

    position_decay: float = 0.7  # prior exp(-decay * sentence index within its document)
    # ... across several documents a flatter prior: later sentences of a wire story still carry news
    # (0.25 chosen on the DUC 2006 tune half; it helped the check half too, see docs/benchmarks.md)
    multi_position_decay: float = 0.25
    lead_position: float = 1.0  # weight of the prior for several sentences from one document
    blurb_position: float = 0.05  # ... for a one-sentence blurb
    multi_position: float = 0.05  # ... across several documents (a light lead bias)
    lead_centrality: float = 0.0  # weight of centrality in the lead regime (0: lead-anchored, see above)
    length_floor: int = 20  # centrality x sqrt(words / floor) below this length: fragments say little
    long_penalty: float = 0.0  # lead regime: per word beyond ``long_after`` (0: off, see above)
    long_after: int = 20
    title: float = 0.3  # cosine with the document title, when there is one
    query: float = 1.0  # cosine with the query (topic briefs)
    redundancy: float = 0.5  # MMR: subtract this x max cosine with what is already picked
    duplicate_cosine: float = 0.6  # never pick a sentence this similar to a picked one
    # Several documents: each pick maximises (new concept coverage + salience x this) per length^exponent.
    multi_salience: float = 2.0
    concept_min_docs: int = 2  # a concept (word bigram) counts once this many documents report it
    length_exponent: float = 0.5  # cost scaling of a words budget: a long sentence must earn its words
    # Concept coverage already avoids repeating a fact, so MMR only needs a moderate touch across documents
    # (0.5 beat 0.25 on both DUC 2006 halves at 100 words, with ``budget_slack``: see docs/benchmarks.md).
    multi_redundancy: float = 0.5
    # Several documents under a words budget: once something is picked, a sentence must fit in what is
    # left of the budget plus this many words. What runs past the budget is cut, so a long last pick
    # would buy words nobody reads; a shorter one that fits says something whole.
    budget_slack: int = 10
    multi_min_words: int = 10  # across documents a shorter sentence is rarely the news (as in ICSI's summarizer)
    # Several documents under a words budget: the picked sentences lose their asides (summarizer.trim) and
    # the words saved are picked again, this many times (0: off). The pick itself is made on whole
    # sentences; only the budget grows. It helped on both DUC 2006 halves and on DUC 2007 update.
    trim_rounds: int = 2
    # Update mode (the reader already has ``previous`` texts): salience minus this x the closest previous
    # sentence's cosine; a concept the reader has keeps this share of its weight. Light on purpose: on the
    # DUC 2007 update clusters stronger settings (1.0 / 0.0) cost 2-5 ROUGE-1 on both halves, because the
    # human update summaries restate the background too; a near-repeat is excluded whatever the weights.
    known_penalty: float = 0.1
    known_concept_weight: float = 0.9


@dataclass(frozen=True, slots=True)
class Regime:
    """How the weights apply to one call (derived from the input shape and the budget)."""

    position: float
    centrality: float
    long_penalty: float
    allow_dangling: bool  # a dangling sentence may follow its own lead (never open the brief)
    decay: float  # of the position prior exp(-decay * index within its document)


def regime(n_docs: int, max_sentences: int | None, weights: Weights = Weights()) -> Regime:
    """Pick the regime: lead (one document, several sentences), blurb (one sentence) or multi-document."""
    if n_docs > 1:
        return Regime(weights.multi_position, 1.0, 0.0, allow_dangling=False, decay=weights.multi_position_decay)
    if max_sentences == 1:
        return Regime(weights.blurb_position, 1.0, 0.0, allow_dangling=False, decay=weights.position_decay)
    return Regime(weights.lead_position, weights.lead_centrality, weights.long_penalty, allow_dangling=True,
                  decay=weights.position_decay)


@dataclass(frozen=True, slots=True)
class Scored:
    """Per-sentence scores plus what selection needs: vectors (for redundancy) and opener flags."""

    score: np.ndarray  # -inf where a sentence may not be picked
    context: np.ndarray  # True where a sentence may not open a brief
    vectors: TermMatrix  # rows 0..n-1 are the sentences

    def similarities_to(self, i: int) -> np.ndarray:
        return self.vectors.similarities_to(i)[: len(self.score)]


def score_sentences(
    sents: Sequence[Sentence],
    docs: Sequence[Document],
    mode: Regime,
    lengths: np.ndarray,
    *,
    query: str | None = None,
    weights: Weights = Weights(),
    sentence_facts: Sequence[Facts] | None = None,
    known: Known | None = None,
) -> Scored:
    """Salience of every sentence: position prior + centrality (+ title, query) - length penalty.

    ``known``: what the reader already has; a sentence close to one of those loses salience, and one
    that nearly repeats it (cosine >= ``duplicate_cosine``) may not be picked.
    """
    n = len(sents)
    fs = sentence_facts if sentence_facts is not None else [facts(s.text, s.language) for s in sents]
    terms = [f.terms for f in fs]
    titled = [d for d in docs if d.title]
    lang_of = {s.doc_id: s.language for s in sents}
    extra = [content_terms(d.title or "", lang_of.get(d.id, "en")) for d in titled]
    if query:
        extra.append(content_terms(query, main_language(sents)))
    known_first = n + len(extra)
    told_rows = known.relevant(terms) if known is not None else []
    extra.extend(told_rows)
    matrix = tfidf(terms, extra=extra)
    body = matrix.rows < n
    centroid = np.bincount(matrix.cols[body], weights=matrix.data[body], minlength=matrix.n_terms)
    central = cosine_with(matrix, centroid)[:n]
    positions = np.fromiter((s.position for s in sents), dtype=np.float64, count=n)
    short = np.sqrt(np.minimum(lengths, weights.length_floor) / weights.length_floor)
    score = (
        mode.position * np.exp(-mode.decay * positions)
        + mode.centrality * central * short
        - mode.long_penalty * np.maximum(lengths - weights.long_after, 0.0)
    )
    if query:
        score += weights.query * matrix.similarities_to(known_first - 1)[:n]
    if titled and mode.centrality > 0:  # a lead-anchored pick follows position, not title words
        score += weights.title * _title_similarity(matrix, sents, titled)
    context = np.fromiter((f.context for f in fs), dtype=bool, count=n)
    ok = np.fromiter((f.usable for f in fs), dtype=bool, count=n)
    if not mode.allow_dangling:
        ok &= ~context
    if told_rows:
        told = max_similarity_to_rows(matrix, n, known_first, len(told_rows))
        score -= weights.known_penalty * told
        ok &= told < weights.duplicate_cosine
    return Scored(np.where(ok, score, -np.inf), context, matrix)


def _title_similarity(matrix: TermMatrix, sents: Sequence[Sentence], titled: Sequence[Document]) -> np.ndarray:
    """Cosine of each sentence with its own document's title (title rows follow the n sentence rows)."""
    n = len(sents)
    which = {d.id: k for k, d in enumerate(titled)}
    title_of = np.fromiter((which.get(s.doc_id, -1) for s in sents), dtype=np.int64, count=n)
    titles = np.zeros((len(titled) + 1, matrix.n_terms))  # last row stays zero: sentences without a title
    in_titles = (matrix.rows >= n) & (matrix.rows < n + len(titled))
    titles[matrix.rows[in_titles] - n, matrix.cols[in_titles]] = matrix.data[in_titles]
    body = matrix.rows < n
    rows, cols = matrix.rows[body], matrix.cols[body]
    return np.bincount(rows, weights=matrix.data[body] * titles[title_of[rows], cols], minlength=n)


def mmr_select(
    scored: Scored,
    lengths: np.ndarray,
    *,
    max_sentences: int | None,
    max_words: int | None,
    weights: Weights = Weights(),
    concepts: Concepts | None = None,
) -> list[int]:
    """Greedy maximal-marginal-relevance pick: salience minus redundancy with what is already chosen.

    With ``concepts`` (several documents), a pick also earns the weight of the concepts it newly
    covers and, under a words budget, its value is divided by (words / long_after) ** length_exponent
    so that the budget buys coverage rather than length; sentences shorter than ``multi_min_words`` are
    left out when there are longer ones, redundancy weighs ``multi_redundancy``, and after the first pick
    only a sentence that fits the budget's rest (plus ``budget_slack`` words) may follow. A sentence too similar
    to a picked one (cosine >= ``duplicate_cosine``) is never picked. Only the picked sentences'
    similarity rows are computed.
    """
    score = scored.score
    picked: list[int] = []
    available = np.isfinite(score)
    redundancy = weights.redundancy
    if concepts is not None:
        redundancy = weights.multi_redundancy
        long_enough = available & (lengths >= weights.multi_min_words)
        if long_enough.any():
            available = long_enough
    max_sim = np.zeros(len(score))
    total_words = 0
    if concepts is not None:
        covered = concepts.empty()
        norm = max(float(concepts.gain(covered).max(initial=0.0)), 1e-9)
        # Only a words budget makes length a cost; under a sentence budget a sentence is a sentence.
        cost = np.maximum(lengths / weights.long_after, 0.5) ** weights.length_exponent if max_words else 1.0
    while available.any():
        if max_sentences is not None and len(picked) >= max_sentences:
            break
        if max_words is not None and total_words >= max_words:
            break
        if concepts is not None and max_words is not None and picked:
            available &= lengths <= max_words - total_words + weights.budget_slack
            if not available.any():
                break
        if concepts is None:
            value = score - redundancy * max_sim
        else:
            gain = concepts.gain(covered) / norm
            value = (gain + weights.multi_salience * score - redundancy * max_sim) / cost
        best = int(np.argmax(np.where(available, value, -np.inf)))
        picked.append(best)
        total_words += int(lengths[best])
        available[best] = False
        max_sim = np.maximum(max_sim, scored.similarities_to(best))
        available &= max_sim < weights.duplicate_cosine
        if concepts is not None:
            concepts.cover(covered, best)
    return picked


def pick_default(
    per_doc: Sequence[Sequence[Sentence]],
    docs: Sequence[Document],
    *,
    max_sentences: int | None,
    max_words: int | None,
    query: str | None = None,
    weights: Weights = Weights(),
    known: Known | None = None,
) -> list[Sentence]:
    """The default algorithm's picked sentences (any order; the caller puts them in reading order).

    ``known``: what the reader already has (update mode). When everything left repeats it, the pick
    is empty rather than a repeat.
    """
    sents = [s for group in per_doc for s in group]
    if not sents:
        return []
    mode = regime(sum(1 for g in per_doc if g), max_sentences, weights)
    fs = [facts(s.text, s.language) for s in sents]
    lengths = np.fromiter((f.n_words for f in fs), dtype=np.int64, count=len(sents))

    def scores(mode: Regime) -> Scored:
        return score_sentences(sents, docs, mode, lengths, query=query, weights=weights, sentence_facts=fs, known=known)

    scored = scores(mode)
    if not np.isfinite(scored.score).any() and known is None:  # nothing passes the rules: better than nothing
        mode = replace(mode, allow_dangling=True)
        scored = scores(mode)
        if not np.isfinite(scored.score).any():
            scored = Scored(np.zeros(len(sents)), scored.context, scored.vectors)
    # Concept coverage suits a cluster reporting one event (what several wires share is the news).
    # A topic brief (a query) spans different stories: there relevance, centrality and MMR decide.
    clustered = sum(1 for g in per_doc if g) > 1 and not query
    concepts = None
    if clustered:
        concepts = bigram_concepts(
            sents,
            min_docs=weights.concept_min_docs,
            tokenized=[f.tokens for f in fs],
            known=known.bigrams if known is not None else frozenset(),
            known_weight=weights.known_concept_weight,
        )
    budget = max_words
    chosen = mmr_select(
        scored, lengths, max_sentences=max_sentences, max_words=budget, weights=weights, concepts=concepts
    )
    trimming = concepts is not None and max_words is not None and weights.trim_rounds > 0
    if trimming and max_words is not None:
        for _ in range(weights.trim_rounds):
            said = sum(word_count(trim(sents[i].text, sents[i].language)) for i in chosen)
            if said >= max_words:
                break
            budget = (budget or 0) + max_words - said  # the words the asides took, picked again
            chosen = mmr_select(
                scored, lengths, max_sentences=max_sentences, max_words=budget, weights=weights, concepts=concepts
            )
    picked = _readable_opening(chosen, sents, scored, docs, lengths, budget, weights)
    return [replace(s, text=trim(s.text, s.language)) for s in picked] if trimming else picked


def _readable_opening(
    chosen: list[int],
    sents: Sequence[Sentence],
    scored: Scored,
    docs: Sequence[Document],
    lengths: np.ndarray,
    max_words: int | None,
    weights: Weights = Weights(),
) -> list[Sentence]:
    """While the brief would open with a dangling sentence, swap it for the best one that can open it.

    The swap keeps the pick order (a replacement takes the replaced one's place), and a words
    budget still ends at the first sentence that reaches it.
    """
    rank = {d.id: i for i, d in enumerate(docs)}
    score, context = scored.score, scored.context
    picked = list(chosen)
    candidates = np.flatnonzero(np.isfinite(score) & ~context)
    spare = [int(i) for i in candidates[np.argsort(-score[candidates], kind="stable")] if int(i) not in picked]
    for _ in range(len(sents) + 1):  # each round removes a dangling opener or stops: bounded
        if max_words is not None:
            while len(picked) > 1 and int(lengths[picked[:-1]].sum()) >= max_words:
                picked.pop()
        if not picked:
            break
        first = min(picked, key=lambda i: (rank.get(sents[i].doc_id, 0), sents[i].position))
        if not context[first]:
            break
        slot = picked.index(first)
        picked.pop(slot)
        while spare:  # the replacement must not repeat what is already there
            cand = spare.pop(0)
            if not picked or scored.similarities_to(cand)[picked].max() < weights.duplicate_cosine:
                picked.insert(slot, cand)
                break
    return [sents[i] for i in picked]
